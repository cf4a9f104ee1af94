"""Self-test of the test KBS fault injection (--fault / POST /test/faults).

Run: cd tests/kbs && /usr/bin/python3 -m unittest -v test_kbs_faults
"""

import http.client
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selftest_common import (ATTEST_FAILED, SECRET, TOKEN_NOT_FOUND, KbsCase,  # noqa: E402
                             error_body, sc)
from jwcrypto.common import JWException  # noqa: E402


class FaultSpecTest(KbsCase):
    def test_spec_parsing_and_listing(self):
        faults = self.kbs.set_faults(["slow-response=3@attest*2", "http-500-once", "wrong-nonce"])
        self.assertEqual([(f["name"], f["value"], f["scope"], f["remaining"]) for f in faults],
                         [("slow-response", "3", "attest", 2), ("http-500-once", None, "any", 1),
                          ("wrong-nonce", None, "auth", -1)])
        for bad in (["no-such-fault"], ["wrong-nonce@resource"], ["hang@nowhere"], ["hang*x"],
                    ["slow-response=abc"], ["oversized-body=-1"], ["bad-selected-hash=md5"],
                    ["expired-session=later"], [5],
                    "not a list"):
            with self.subTest(spec=bad):
                status, _, _ = self.kbs.request("POST", "/test/faults", json.dumps(bad).encode())
                self.assertEqual(status, 400)
        self.assertEqual(len(self.kbs.faults()), 3)  # a rejected list changes nothing

    def test_count_suffix_limits_firing(self):
        self.kbs.set_faults(["http-503-always@auth*2"])
        self.assertEqual([self.client.auth().status for _ in range(3)], [503, 503, 200])
        self.assertEqual(self.kbs.faults()[0]["fired"], 2)


class HandshakeFaultTest(KbsCase):
    def test_version_mismatch(self):
        self.kbs.set_faults(["version-mismatch"])
        resp = self.client.auth()
        self.assertEqual((resp.status, resp.body), (401, error_body(
            "AttestationError", "Attestation error: RCAR handshake Auth failed: KBS Client "
            "Protocol Version Mismatch: expect =0.4.0 while the request is 0.4.0")))
        self.kbs.set_faults(["version-mismatch=0.3.0"])
        self.assertIn(b"expect =0.3.0 while the request is 0.4.0", self.client.auth().body)

    def test_wrong_nonce(self):
        self.kbs.set_faults(["wrong-nonce"])
        _, resp = self.client.handshake()
        self.assertEqual((resp.status, resp.json()), (401, ATTEST_FAILED))
        self.assertEqual(self.kbs.stats()["responses"]["attest"], {"401": 1})

    def test_expired_session(self):
        self.kbs.set_faults(["expired-session"])
        _, resp = self.client.handshake()
        self.assertEqual((resp.status, resp.json()), (401, ATTEST_FAILED))
        self.kbs.set_faults(["expired-session=attested"])
        key, resp = self.client.handshake()
        self.assertEqual(resp.status, 200)
        self.assertEqual(self.client.get_resource("default/key/1").json(), TOKEN_NOT_FOUND)
        resp = self.client.get_resource("default/key/1", bearer=resp.json()["token"])
        self.assertEqual(key.decrypt(resp.body), SECRET)

    def test_expired_token(self):
        self.kbs.set_faults(["expired-token"])
        _, token = self.attested()
        self.assertLess(sc.token_parts(token)[1]["exp"], time.time() - 60)
        resp = self.client.get_resource("default/key/1")
        self.assertEqual((resp.status, resp.body),
                         (401, error_body("TokenVerifierError", "Token Verifier error")))

    def test_bad_selected_hash(self):
        self.kbs.set_faults(["bad-selected-hash"])
        resp = self.client.auth()
        self.assertEqual(resp.json()["extra-params"], {"selected-hash-algorithm": "sha512"})
        key = sc.TeeKey()
        nonce = resp.json()["nonce"]
        sha384 = sc.sample_evidence(sc.digest_of(nonce, key.pubkey, alg="sha384"))
        self.assertEqual(self.client.attest(nonce, key.pubkey, sha384).status, 401)
        _, resp = self.client.handshake()  # follows the selection
        self.assertEqual(resp.status, 200, resp.body)

    def test_unauthorized_first_get(self):
        self.kbs.set_faults(["unauthorized-first-get"])
        key, _ = self.attested()
        first = self.client.get_resource("default/key/1")
        self.assertEqual((first.status, first.json()), (401, TOKEN_NOT_FOUND))
        self.assertEqual(key.decrypt(self.client.get_resource("default/key/1").body), SECRET)


class HttpFaultTest(KbsCase):
    def test_status_faults(self):
        self.kbs.set_faults(["http-500-once"])
        self.assertEqual([self.client.auth().status for _ in range(2)], [500, 200])
        self.kbs.set_faults(["http-503-always@resource"])
        self.assertEqual(self.client.auth().status, 200)
        self.assertEqual([self.client.get_resource("default/key/1").status for _ in range(2)],
                         [503, 503])
        self.kbs.set_faults(["http-429-retry-after"])
        resp = self.client.auth()
        self.assertEqual((resp.status, resp.header("Retry-After")), (429, "1"))
        self.assertEqual(self.client.auth().status, 200)

    def test_slow_response(self):
        self.kbs.set_faults(["slow-response=1@auth"])
        start = time.monotonic()
        self.assertEqual(self.client.auth().status, 200)
        self.assertGreaterEqual(time.monotonic() - start, 1.0)  # lower bound: the sleep

    def test_hang_until_client_gives_up(self):
        self.kbs.set_faults(["hang@auth"])
        with self.assertRaises(socket.timeout):
            sc.Client(self.kbs.port, timeout=0.5).auth()
        self.kbs.set_faults([])
        self.assertEqual(self.client.auth().status, 200)

    def test_drop_connection(self):
        self.kbs.set_faults(["drop-connection@attest*1"])
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            self.client.handshake()
        _, resp = self.client.handshake()
        self.assertEqual(resp.status, 200)
        self.assertEqual(self.kbs.stats()["responses"]["attest"], {"dropped": 1, "200": 1})

    def test_truncated_and_malformed_json(self):
        self.kbs.set_faults(["truncated-json@auth"])
        resp = self.client.auth()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.body.startswith(b'{"nonce":"'))
        self.assertEqual(int(resp.header("Content-Length")), len(resp.body))
        self.assertRaises(ValueError, json.loads, resp.body)
        self.kbs.set_faults(["malformed-json@attest"])
        _, resp = self.client.handshake()
        self.assertEqual(resp.status, 200)
        self.assertRaises(ValueError, json.loads, resp.body)
        self.kbs.set_faults(["wrong-shape-json@resource"])
        self.attested()
        self.assertEqual(self.client.get_resource("default/key/1").json()["protected"], 1)

    def test_oversized_body(self):
        self.kbs.set_faults(["oversized-body@auth"])
        resp, conn = self.client.request("POST", "/kbs/v0/auth", {
            "version": "0.4.0", "tee": "sample", "extra-params": ""}, read_body=False)
        try:
            self.assertEqual(int(resp.getheader("Content-Length")), 100 * 1024 * 1024)
            self.assertEqual(resp.read(1 << 20)[:10], b'{"token":"')
        finally:
            conn.close()
        self.kbs.set_faults(["oversized-body=300000@attest"])
        _, resp = self.client.handshake()
        self.assertEqual(len(resp.body), 300000)

    def test_jwe_faults(self):
        key, _ = self.attested()
        self.kbs.set_faults(["corrupt-jwe-tag"])
        resp = self.client.get_resource("default/key/1")
        self.assertEqual(resp.status, 200)
        self.assertRaises(JWException, key.decrypt, resp.body)
        self.kbs.set_faults(["padded-b64url"])
        body = self.client.get_resource("default/key/1").json()
        self.assertTrue(body["tag"].endswith("=="))
        self.assertTrue(all(len(v) % 4 == 0 for v in body.values()))
        unpadded = {k: v.rstrip("=") for k, v in body.items()}
        self.assertEqual(key.decrypt(json.dumps(unpadded).encode()), SECRET)


if __name__ == "__main__":
    unittest.main()
