"""Self-test of the test KBS (tests/kbs/kbs.py): handshake, attestation and resources,
driven by an independent client (selftest_client.py).

Run: cd tests/kbs && /usr/bin/python3 -m unittest -v test_kbs_selftest
"""

import base64
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selftest_common import (ATTEST_FAILED, SECRET, TOKEN_NOT_FOUND, KbsCase,  # noqa: E402
                             error_body, sc)


class HandshakeTest(KbsCase):
    def test_auth_reply_shape(self):
        resp = self.client.auth()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.header("Content-Type"), "application/json")
        self.assertRegex(resp.body.decode(),
                         r'^\{"nonce":"[A-Za-z0-9+/]{43}=","extra-params":""\}$')
        self.assertEqual(len(base64.b64decode(resp.json()["nonce"])), 32)
        self.assertRegex(resp.header("Set-Cookie"),
                         r"^kbs-session-id=[0-9a-f]{32}; Expires=(Mon|Tue|Wed|Thu|Fri|Sat|Sun), "
                         r"\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$")

    def test_auth_version_rules(self):
        mismatch = "Attestation error: RCAR handshake Auth failed: KBS Client Protocol " \
                   "Version Mismatch: expect =0.4.0 while the request is "
        for version in ("0.3.0", "0.4.1", "1.0.0", "0.4.0-rc1", "0.1.1"):
            with self.subTest(version=version):
                resp = self.client.auth(version=version)
                self.assertEqual((resp.status, resp.body),
                                 (401, error_body("AttestationError", mismatch + version)))
        for version in ("0.4", "v0.4.0", "", "0.4.0.0"):
            with self.subTest(version=version):
                resp = self.client.auth(version=version)
                self.assertEqual((resp.status, resp.body), (401, error_body(
                    "AttestationError",
                    "Attestation error: RCAR handshake Auth failed: failed to parse KBS version")))
        self.assertEqual(self.client.auth(version="0.4.0+build.7").status, 200)

    def test_auth_deserialize_errors(self):
        expected = error_body("AttestationError",
                              "Attestation error: RCAR handshake Auth failed: deserialize Request")
        bodies = [b"not json", b"[]", b'{"version":"0.4.0","tee":"sample"}',
                  b'{"version":"0.4.0","tee":"azsnpvtpm","extra-params":""}',
                  b'{"version":"0.4.0","tee":"sev","extra-params":""}',
                  b'{"version":4,"tee":"sample","extra-params":""}']
        for body in bodies:
            with self.subTest(body=body):
                resp = self.client.request("POST", "/kbs/v0/auth", body)
                self.assertEqual((resp.status, resp.body), (401, expected))

    def test_request_body_framing(self):
        resp = self.client.request("POST", "/kbs/v0/auth", b"x" * (2 * 1024 * 1024 + 1))
        self.assertEqual(resp.status, 413)
        resp, conn = self.client.request("POST", "/kbs/v0/auth", iter([
            b'{"version":"0.4.0",', b'"tee":"sample","extra-params":{}}']),
            {"Transfer-Encoding": "chunked"}, read_body=False)
        try:
            self.assertEqual(resp.status, 200)
        finally:
            conn.close()

    def test_wrong_method_and_unknown_plugin_are_404(self):
        resp = self.client.request("GET", "/kbs/v0/auth")
        self.assertEqual((resp.status, resp.body),
                         (404, error_body("PluginNotFound", "Plugin auth not found")))
        resp = self.client.request("GET", "/kbs/v0/nosuch/a/b/c")
        self.assertEqual((resp.status, resp.body),
                         (404, error_body("PluginNotFound", "Plugin nosuch not found")))

    def test_healthz_and_stats(self):
        self.assertEqual(self.client.request("GET", "/healthz").status, 200)
        self.client.auth()
        self.client.auth(version="0.3.0")
        stats = self.kbs.stats()
        self.assertEqual(stats["requests"], {"healthz": 1, "auth": 2})
        self.assertEqual(stats["responses"]["auth"], {"200": 1, "401": 1})


class AttestTest(KbsCase):
    def test_full_flow_every_key_type(self):
        for kind in ("P-256", "P-521", "RSA-OAEP-256", "RSA1_5"):
            with self.subTest(kind=kind):
                key, _ = self.attested(kind=kind)
                resp = self.client.get_resource("default/key/1")
                self.assertEqual(resp.status, 200, resp.body)
                self.assertEqual(list(resp.json()), ["protected", "encrypted_key", "iv",
                                                     "ciphertext", "tag"])
                self.assertNotIn(b"=", resp.body)
                self.assertEqual(key.decrypt(resp.body), SECRET)
                header = base64.urlsafe_b64decode(resp.json()["protected"] + "==").decode()
                if kind.startswith("P-"):
                    self.assertRegex(header, (
                        r'^\{"alg":"ECDH-ES\+A256KW","enc":"A256GCM","epk":'
                        r'\{"crv":"%s","kty":"EC","x":"[\w-]+","y":"[\w-]+"\}\}$') % kind)
                else:
                    self.assertEqual(header, '{"alg":"%s","enc":"A256GCM"}' % kind)

    def test_token_shape(self):
        key, token = self.attested()
        header, payload = sc.token_parts(token)
        self.assertEqual((header["alg"], header["typ"], header["jwk"]["kty"]),
                         ("ES256", "JWT", "EC"))
        self.assertEqual(payload["exp"] - payload["iat"], 300)
        annotated = payload["submods"]["cpu0"]["ear.veraison.annotated-evidence"]
        self.assertIn("sample", annotated)
        self.assertEqual(annotated["runtime_data_claims"]["tee-pubkey"], key.pubkey)
        self.assertEqual(annotated["runtime_data_claims"]["additional-evidence"], "")

    def test_set_cookie_repeated_and_token_reused(self):
        key = sc.TeeKey()
        challenge = self.client.auth()
        nonce = challenge.json()["nonce"]
        evidence = sc.sample_evidence(sc.digest_of(nonce, key.pubkey))
        first = self.client.attest(nonce, key.pubkey, evidence)
        self.assertEqual(first.header("Set-Cookie"), challenge.header("Set-Cookie"))
        again = self.client.attest(nonce, key.pubkey, {"svn": "1", "report_data": "AAAA"})
        self.assertEqual((again.status, again.json()), (200, first.json()))

    def test_bearer_without_cookie(self):
        key, token = self.attested()
        resp = sc.Client(self.kbs.port).get_resource("default/key/1", bearer=token)
        self.assertEqual((resp.status, key.decrypt(resp.body)), (200, SECRET))

    def test_attest_failures_are_generic_401(self):
        key = sc.TeeKey()
        nonce = self.client.auth().json()["nonce"]
        good = sc.sample_evidence(sc.digest_of(nonce, key.pubkey))
        extra_member = dict(key.pubkey, kid="x")
        cases = {
            "no cookie": lambda: self.client.attest(nonce, key.pubkey, good, cookie=False),
            "wrong nonce": lambda: self.client.attest("AAAA" + nonce[4:], key.pubkey, good),
            "bad binding": lambda: self.client.attest(nonce, key.pubkey,
                                                      sc.sample_evidence(bytes(48))),
            "sha256 binding": lambda: self.client.attest(nonce, key.pubkey, sc.sample_evidence(
                sc.digest_of(nonce, key.pubkey, alg="sha256"))),
            "extra jwk member hashed": lambda: self.client.attest(
                nonce, extra_member, sc.sample_evidence(sc.digest_of(nonce, extra_member))),
            "init-data json": lambda: self.client.attest(
                nonce, key.pubkey, good, init_data={"format": "json", "body": "{}"}),
            "bad body": lambda: self.client.request("POST", "/kbs/v0/attest", b"{}",
                                                    {"Cookie": self.client.cookie}),
        }
        for name, call in cases.items():
            with self.subTest(case=name):
                resp = call()
                self.assertEqual((resp.status, resp.json()), (401, ATTEST_FAILED))
        unknown = sc.Client(self.kbs.port)
        unknown.cookie = "kbs-session-id=" + "0" * 32
        resp = unknown.attest(nonce, key.pubkey, good)
        self.assertEqual((resp.status, resp.json()), (401, ATTEST_FAILED))
        # Extra JWK members are dropped by the KBS before hashing: binding the typed key works.
        resp = self.client.attest(nonce, extra_member, good)
        self.assertEqual(resp.status, 200, resp.body)

    def test_additional_sampledevice_evidence(self):
        key = sc.TeeKey()
        nonce = self.client.auth().json()["nonce"]
        device = {"svn": "2", "report_data": sc.b64(sc.digest_of(nonce, key.pubkey, device=True))}
        additional = json.dumps({"sampledevice": device}, separators=(",", ":"))
        evidence = sc.sample_evidence(sc.digest_of(nonce, key.pubkey, additional))
        resp = self.client.attest(nonce, key.pubkey, evidence, additional)
        self.assertEqual(resp.status, 200, resp.body)
        _, payload = sc.token_parts(resp.json()["token"])
        self.assertIn("sampledevice", payload["submods"]["gpu0"]["ear.veraison.annotated-evidence"])

    def test_every_supported_tee(self):
        for tee in ("tdx", "snp", "cca", "tpm", "az-snp-vtpm", "az-tdx-vtpm"):
            with self.subTest(tee=tee):
                key, token = self.attested(tee)
                _, payload = sc.token_parts(token)
                self.assertIn(tee, payload["submods"]["cpu0"]["ear.veraison.annotated-evidence"])
                resp = self.client.get_resource("default/key/1")
                self.assertEqual((resp.status, key.decrypt(resp.body)), (200, SECRET))
        variants = {"tdx v5": ("tdx", {"version": 5}), "tpm ecdsa": ("tpm", {"ak": "ecdsa"})}
        for name, (tee, kw) in variants.items():
            with self.subTest(variant=name):
                _, resp = self.client.handshake(tee, builder_kw=kw)
                self.assertEqual(resp.status, 200, resp.body)

    def test_garbage_evidence_is_generic_401(self):
        garbage = [None, 1, "x", [], {}, {"quote": "!!"}, {"quote": sc.b64(b"\x04\x00\x02")},
                   {"report_data": 5}, {"attestation_report": {"report_data": ["a"]}},
                   {"attestation_report": {"report_data": [256] * 64}},
                   {"tpm_quote": {"message": 5}}, {"tpm_quote": {"message": "zz"}},
                   {"ak_public": "AAAA", "tpm_quote": {"message": "", "signature": ""}},
                   {"token": "abc"}, {"token": [-1]}]
        for tee in ("sample", "tdx", "snp", "cca", "tpm", "az-snp-vtpm", "csv"):
            for evidence in garbage:
                with self.subTest(tee=tee, evidence=evidence):
                    key = sc.TeeKey()
                    nonce = self.client.auth(tee).json()["nonce"]
                    resp = self.client.attest(nonce, key.pubkey, evidence)
                    self.assertEqual((resp.status, resp.json()), (401, ATTEST_FAILED))
        self.assertNotIn("500", json.dumps(self.kbs.stats()["responses"]))

    def test_bad_signatures_rejected(self):
        for tee in ("tdx", "tpm"):
            with self.subTest(tee=tee):
                _, resp = self.client.handshake(tee, builder_kw={"corrupt_signature": True})
                self.assertEqual((resp.status, resp.json()), (401, ATTEST_FAILED))


class ResourceTest(KbsCase):
    def test_resource_errors(self):
        resp = self.client.get_resource("default/key/1")
        self.assertEqual((resp.status, resp.json()), (401, TOKEN_NOT_FOUND))
        self.attested()
        resp = self.client.get_resource("default/key/missing")
        self.assertEqual((resp.status, resp.body),
                         (401, error_body("PluginInternalError", "Plugin internal error")))
        resp = self.client.get_resource("default/key/1/extra")
        self.assertEqual(resp.status, 401)
        resp = sc.Client(self.kbs.port).get_resource("default/key/1", bearer="a.b.c")
        self.assertEqual((resp.status, resp.body),
                         (401, error_body("TokenVerifierError", "Token Verifier error")))

    def test_jwe_failure_for_unsupported_key(self):
        for pubkey in (dict(sc.TeeKey().pubkey, alg="ECDH-ES"),
                       dict(sc.TeeKey().pubkey, x=sc.TeeKey().pubkey["x"] + "="),
                       dict(sc.TeeKey("RSA-OAEP-256").pubkey, alg="RSA-OAEP")):
            with self.subTest(alg=pubkey["alg"]):
                nonce = self.client.auth().json()["nonce"]
                resp = self.client.attest(nonce, pubkey,
                                          sc.sample_evidence(sc.digest_of(nonce, pubkey)))
                self.assertEqual(resp.status, 200, resp.body)
                resp = self.client.get_resource("default/key/1")
                self.assertEqual((resp.status, resp.body),
                                 (401, error_body("JweError", "JWE failed")))

    def test_policies(self):
        self.kbs.set_policy("default")
        self.attested("sample")
        resp = self.client.get_resource("default/key/1")
        self.assertEqual((resp.status, resp.body),
                         (401, error_body("PolicyDeny", "Access denied by policy")))
        self.attested("tdx")
        self.assertEqual(self.client.get_resource("default/key/1").status, 200)
        self.kbs.set_policy("deny-all")
        self.assertEqual(self.client.get_resource("default/key/1").status, 401)

    def test_admin_set_and_delete(self):
        self.kbs.put_resource("repo/type/tag", b"new value")
        key, _ = self.attested()
        resp = self.client.get_resource("repo/type/tag")
        self.assertEqual(key.decrypt(resp.body), b"new value")
        self.assertEqual(self.kbs.delete_resource("repo/type/tag"), 200)
        self.assertEqual(self.client.get_resource("repo/type/tag").status, 401)


if __name__ == "__main__":
    unittest.main()
