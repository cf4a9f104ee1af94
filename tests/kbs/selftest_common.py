"""Shared pieces of the test KBS self-tests: error bodies and a base class that runs
one server per test class."""

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import kbs_python  # noqa: E402

kbs_python.require_packages()

import selftest_client as sc  # noqa: E402
from kbs_fixture import KbsProcess  # noqa: E402

ERR = "https://github.com/confidential-containers/kbs/errors/"
ATTEST_FAILED = {"type": ERR + "AttestationError",
                 "detail": "Attestation error: RCAR handshake Attest failed"}
TOKEN_NOT_FOUND = {"type": ERR + "TokenNotFound", "detail": "Attestation Token not found"}
SECRET = b"top secret \x00\xff resource"


def error_body(variant, detail):
    return json.dumps({"type": ERR + variant, "detail": detail}, separators=(",", ":")).encode()


class KbsCase(unittest.TestCase):
    """One shared server per class; every test starts with no faults and empty stats."""

    policy = "allow-all"
    server_kwargs = {}

    @classmethod
    def setUpClass(cls):
        cls.kbs = KbsProcess(resources={"default/key/1": SECRET}, policy=cls.policy,
                             **cls.server_kwargs).start()

    @classmethod
    def tearDownClass(cls):
        cls.kbs.stop()

    def setUp(self):
        self.kbs.reset()
        self.kbs.set_policy(self.policy)
        self.client = sc.Client(self.kbs.port, self.kbs.ssl_context())

    def attested(self, tee="sample", kind="P-256"):
        key, resp = self.client.handshake(tee, sc.TeeKey(kind))
        self.assertEqual(resp.status, 200, resp.body)
        return key, resp.json()["token"]
