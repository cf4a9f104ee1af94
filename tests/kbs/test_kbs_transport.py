"""Self-test of the test KBS: TLS/mTLS, passport mode, command line, and the
canonicalization/JWE/quote code against the protocol notes' worked examples and
real quotes.

Run: cd tests/kbs && /usr/bin/python3 -m unittest -v test_kbs_transport
"""

import hashlib
import http.client
import json
import os
import shutil
import ssl
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
sys.path.insert(0, HERE)
from selftest_common import SECRET, error_body, sc  # noqa: E402

import kbs_crypto  # noqa: E402
import kbs_evidence  # noqa: E402
import make_test_ca  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from kbs_fixture import KbsProcess, KbsStartError, running_kbs  # noqa: E402

# docs/kbs-protocol.md §2.5 / §3.4 worked example.
NONCE = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
PUBKEY = {"kty": "EC", "crv": "P-256", "alg": "ECDH-ES+A256KW",
          "x": "1Bdcs2qDVOW8zHgS2yyk3PhWW7kN7x9a8zRyiWOM2e8",
          "y": "gn-NteHSVGHqf3oYtZCit9G3x3mLEL8bC2AdOcoWdU0"}


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="testkbs-selftest-")
        self.addCleanup(shutil.rmtree, self.tmp, True)


class TlsTest(TempDirCase):
    def test_https_with_test_ca(self):
        pki = make_test_ca.make_test_pki(self.tmp)
        with running_kbs(tls=pki, policy="allow-all", resources={"default/key/1": SECRET}) as kbs:
            self.assertTrue(kbs.base_url.startswith("https://127.0.0.1:"))
            client = sc.Client(kbs.port, sc.client_tls_context(pki["ca"]))
            key, resp = client.handshake()
            self.assertEqual(resp.status, 200)
            self.assertEqual(key.decrypt(client.get_resource("default/key/1").body), SECRET)
            with self.assertRaises(ssl.SSLCertVerificationError):
                sc.Client(kbs.port, ssl.create_default_context()).auth()

    def test_mtls_requires_client_certificate(self):
        pki = make_test_ca.make_test_pki(self.tmp)
        with running_kbs(tls=pki, mtls=True) as kbs:
            self.assertTrue(kbs.healthz())  # the fixture presents the client certificate
            with self.assertRaises((ssl.SSLError, ConnectionError, http.client.RemoteDisconnected)):
                sc.Client(kbs.port, sc.client_tls_context(pki["ca"])).auth()
            client = sc.Client(kbs.port, sc.client_tls_context(
                pki["ca"], pki["client_cert"], pki["client_key"]))
            self.assertEqual(client.auth().status, 200)


class PassportTest(TempDirCase):
    def test_token_from_issuer_used_at_resource_kbs(self):
        priv, pub = sc.write_ec_key_pair(self.tmp, "issuer")
        resources = {"default/key/1": SECRET}
        with running_kbs(token_key=priv, policy="allow-all") as issuer, \
                running_kbs(trust_token_keys=[pub], policy="allow-all",
                            resources=resources) as trusting, \
                running_kbs(policy="allow-all", resources=resources) as stranger:
            key, resp = sc.Client(issuer.port).handshake("tdx")
            token = resp.json()["token"]
            header, _ = sc.token_parts(token)
            with open(pub, "rb") as handle:
                numbers = serialization.load_pem_public_key(handle.read()).public_numbers()
            self.assertEqual(header["jwk"]["x"],
                             kbs_crypto.b64url_nopad(numbers.x.to_bytes(32, "big")))
            resp = sc.Client(trusting.port).get_resource("default/key/1", bearer=token)
            self.assertEqual((resp.status, key.decrypt(resp.body)), (200, SECRET))
            self.assertEqual(trusting.stats()["requests"], {"resource": 1})
            resp = sc.Client(stranger.port).get_resource("default/key/1", bearer=token)
            self.assertEqual((resp.status, resp.body),
                             (401, error_body("TokenVerifierError", "Token Verifier error")))


class CommandLineTest(unittest.TestCase):
    def test_bad_fault_name_fails_start(self):
        with self.assertRaises(KbsStartError) as ctx:
            KbsProcess(faults=["no-such-fault"]).start()
        self.assertIn("unknown fault 'no-such-fault'", str(ctx.exception))

    def test_hex_resource_and_token_ttl(self):
        with running_kbs(policy="allow-all", token_ttl=60,
                         extra_args=["--resource", "a/b/c=48656c6c6f"]) as kbs:
            client = sc.Client(kbs.port)
            key, resp = client.handshake()
            _, payload = sc.token_parts(resp.json()["token"])
            self.assertEqual(payload["exp"] - payload["iat"], 60)
            self.assertEqual(key.decrypt(client.get_resource("a/b/c").body), b"Hello")


    def test_session_lifetime(self):
        with running_kbs(policy="allow-all", session_ttl=0.3) as kbs:
            client = sc.Client(kbs.port)
            key = sc.TeeKey()
            challenge = client.auth()
            self.assertIn("kbs-session-id=", challenge.header("Set-Cookie"))
            time.sleep(0.6)  # past the 0.3 s session lifetime: expiry is certain, not raced
            nonce = challenge.json()["nonce"]
            evidence = sc.sample_evidence(sc.digest_of(nonce, key.pubkey))
            resp = client.attest(nonce, key.pubkey, evidence)
            self.assertEqual((resp.status, resp.json()["detail"]),
                             (401, "Attestation error: RCAR handshake Attest failed"))


class CanonicalJsonTest(unittest.TestCase):
    def test_worked_example_digests(self):
        self.assertEqual(kbs_crypto.runtime_data_digest("sha384", NONCE, PUBKEY, "").hex(),
                         "54e36e686fa1523eb7d358d97a35c4e024c986cb5d1f8525e4be0ba177b131a6"
                         "8ae27cebbfa9c184445a264e29106eba")
        self.assertEqual(kbs_crypto.runtime_data_digest("sha384", NONCE, PUBKEY).hex(),
                         "19fb8643d3f034f05b7648beb45de14ee0628daf51a0a961b7806f83e017b45f"
                         "b1abd23c6729852ff6e3cba6abedfdbf")
        additional = ('{"sampledevice":{"report_data":"GfuGQ9PwNPBbdki+tF3hTuBija9RoKlht4Bvg+AXtF'
                      '+xq9I8ZymFL/bjy6ar7f2/","svn":"2"}}')
        self.assertEqual(kbs_crypto.runtime_data_digest("sha384", NONCE, PUBKEY, additional).hex(),
                         "482a55b8c865f08b3a7fce926556385851999bc259c208f5d5843ae79df9179d"
                         "afc6e3fb0b400f6d566dd2b37e8d89d6")

    def test_rfc8785_strings_and_key_order(self):
        value = {"\u20ac": 1, "\r": 2, "\ufb01": 3, "\U0001f600": 4, "1": [None, True, False]}
        self.assertEqual(kbs_crypto.jcs_text(value),
                         '{"\\r":2,"1":[null,true,false],"\u20ac":1,"\U0001f600":4,"\ufb01":3}')
        self.assertEqual(kbs_crypto.jcs_text("\x00\x1f\x7f/+=\"\\\b\f\n\t"),
                         '"\\u0000\\u001f\x7f/+=\\"\\\\\\b\\f\\n\\t"')
        self.assertEqual(kbs_crypto.jcs_text(-7), "-7")


class JweVectorTest(unittest.TestCase):
    def test_matches_trustee_bytes(self):
        eph = ec.derive_private_key(
            int("ad49cacea349c0fac1e99dead3af7cf51e23799ae2451b736f175ca14bb091e7", 16),
            ec.SECP256R1())
        members = kbs_crypto.build_jwe(PUBKEY, b"test content", cek=bytes(range(0x40, 0x60)),
                                       iv=bytes(range(12)), eph_private=eph)
        self.assertEqual(kbs_crypto.jwe_json(members), (
            b'{"protected":"eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIsImVuYyI6IkEyNTZHQ00iLCJlcGsiOnsiY3J2I'
            b'joiUC0yNTYiLCJrdHkiOiJFQyIsIngiOiJRMndmb0FnbUZpcFlQWEZ2a1p5RzNua2JCeEtQRWlJQ2pwbHIx'
            b'VkY1X3hNIiwieSI6ImJuVTZHRVVsQmFiUWdqeS1pUUhKWHlWblU4N1FHSlowQzN6OEVPVkJsQVUifX0","en'
            b'crypted_key":"eSQw7ZSQz94rYcUOF-py6jzKn1W5mkRzI8zrEWic7djnch3p9xlygQ","iv":"AAECAwQF'
            b'BgcICQoL","ciphertext":"TmAfDFfvK862d-62","tag":"bsKQzrbv_GgUUnIN-ZU4BQ"}'))


class RealEvidenceTest(unittest.TestCase):
    def read(self, *parts):
        with open(os.path.join(FIXTURES, *parts), "rb") as handle:
            return handle.read()

    def test_tdx_quote_signatures(self):
        for name, version in (("trustee_quote_v4.dat", 4), ("quote_v5_sample.dat", 5)):
            with self.subTest(quote=name):
                quote = self.read("tdx", name)
                parsed = kbs_evidence.parse_tdx_quote(quote)
                self.assertEqual(parsed["version"], version)
                kbs_evidence.verify_tdx_quote_signature(parsed)
                tampered = bytearray(quote)
                tampered[parsed["body_offset"] + 520] ^= 1  # report_data byte
                with self.assertRaises(kbs_evidence.EvidenceError):
                    kbs_evidence.verify_tdx_quote_signature(
                        kbs_evidence.parse_tdx_quote(bytes(tampered)))
        with self.assertRaisesRegex(kbs_evidence.EvidenceError, "truncated at offset 48"):
            kbs_evidence.parse_tdx_quote(self.read("tdx", "trustee_quote_v4.dat")[:100])

    def test_azure_snp_vtpm_extra_data(self):
        evidence = json.loads(self.read("azure", "snp-vtpm", "evidence_v2.json"))
        nonce = bytes.fromhex("982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9a"
                              "a398f647caa2338748cd0fd9f5f819ef")
        claims = kbs_evidence.verify_primary("az-snp-vtpm", evidence, nonce)
        self.assertEqual(claims["report_data"], nonce.hex())
        with self.assertRaises(kbs_evidence.EvidenceError):
            kbs_evidence.verify_primary("az-snp-vtpm", evidence, hashlib.sha384(b"x").digest())


if __name__ == "__main__":
    unittest.main()
