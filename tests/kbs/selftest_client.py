"""Independent RCAR client and evidence builders used by test_kbs_selftest.py.

Deliberately shares no code with the KBS modules (kbs_*.py): canonical JSON is
json.dumps(sort_keys=True), JWE decryption is jwcrypto's, quotes are built here.
"""

import base64
import hashlib
import http.client
import json
import os
import ssl
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from jwcrypto import jwe, jwk

JWE_ALGS = ["ECDH-ES+A256KW", "RSA-OAEP-256", "RSA1_5", "A256GCM"]


def canonical(obj) -> bytes:
    """ASCII-only inputs: sorted keys + compact separators equals RFC 8785."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(nonce, pubkey, additional="", alg="sha384", device=False):
    obj = {"nonce": nonce, "tee-pubkey": pubkey}
    if not device:
        obj["additional-evidence"] = additional
    return hashlib.new(alg, canonical(obj)).digest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def pad64(data: bytes) -> bytes:
    return data + bytes(64 - len(data))


class TeeKey:
    """The client's ephemeral TEE key and its wire JWK."""

    def __init__(self, kind="P-256"):
        self.kind = kind
        if kind in ("P-256", "P-521"):
            self.key = jwk.JWK.generate(kty="EC", crv=kind)
            pub = self.key.export_public(as_dict=True)
            self.pubkey = {"kty": "EC", "crv": kind, "alg": "ECDH-ES+A256KW",
                           "x": pub["x"], "y": pub["y"]}
        else:  # "RSA-OAEP-256" or "RSA1_5"
            self.key = jwk.JWK.generate(kty="RSA", size=2048)
            pub = self.key.export_public(as_dict=True)
            self.pubkey = {"kty": "RSA", "alg": kind, "n": pub["n"], "e": pub["e"]}

    def decrypt(self, body: bytes) -> bytes:
        token = jwe.JWE(algs=JWE_ALGS)
        token.deserialize(body.decode(), key=self.key)
        return token.payload


# ------------------------------------------------------------ evidence ---

def sample_evidence(digest):
    return {"svn": "1", "report_data": b64(digest)}


def _sign_p256(key, data: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def tdx_quote(report_data: bytes, version=4, corrupt_signature=False) -> bytes:
    """A structurally valid TDX quote signed by a fresh attestation key (no QE/PCK)."""
    header = struct.pack("<HHI", version, 2, 0x81) + bytes(40)
    body = bytearray(584 if version == 4 else 648)
    body[136:184] = b"\x11" * 48  # mr_td
    body[520:584] = report_data
    signed = header + (struct.pack("<HI", 3, len(body)) if version == 5 else b"") + bytes(body)
    key = ec.generate_private_key(ec.SECP256R1())
    sig = bytearray(_sign_p256(key, signed))
    if corrupt_signature:
        sig[5] ^= 0xFF
    nums = key.public_key().public_numbers()
    sig_data = bytes(sig) + nums.x.to_bytes(32, "big") + nums.y.to_bytes(32, "big") + bytes(16)
    return signed + struct.pack("<I", len(sig_data)) + sig_data


def tdx_evidence(digest, **kw):
    return {"cc_eventlog": None, "quote": b64(tdx_quote(pad64(digest), **kw))}


def snp_evidence(digest):
    report = {"version": 3, "guest_svn": 0, "policy": 196608, "vmpl": 0,
              "report_data": list(pad64(digest)), "measurement": [0x22] * 48,
              "signature": {"r": [0] * 72, "s": [0] * 72}}
    return {"attestation_report": report, "cert_chain": None}


def cca_evidence(digest):
    return {"token": list(b"\xd9\x01\x8f" + b"\x00" * 20 + pad64(digest) + b"\x01" * 30)}


def tpms_attest(extra_data: bytes, pcrs) -> bytes:
    pcr_digest = hashlib.sha256(b"".join(pcrs)).digest()
    signer = b"\x00\x0b" + b"\x5a" * 32
    return (struct.pack(">IH", 0xFF544347, 0x8018) + struct.pack(">H", len(signer)) + signer
            + struct.pack(">H", len(extra_data)) + extra_data
            + struct.pack(">QIIB", 1234, 1, 0, 1) + struct.pack(">Q", 0x2000000000000)
            + struct.pack(">IHB", 1, 0x000B, 3) + b"\xff\xff\xff"
            + struct.pack(">H", len(pcr_digest)) + pcr_digest)


def tpm_evidence(digest, ak="rsa", corrupt_signature=False):
    pcrs = [bytes([i]) * 32 for i in range(24)]
    message = tpms_attest(digest[:32], pcrs)
    if ak == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        raw = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        signature = struct.pack(">HHH", 0x0014, 0x000B, len(raw)) + raw
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        signature = (struct.pack(">HHH", 0x0018, 0x000B, 32) + r.to_bytes(32, "big")
                     + struct.pack(">H", 32) + s.to_bytes(32, "big"))
    if corrupt_signature:
        signature = signature[:-1] + bytes([signature[-1] ^ 1])
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"ak_public": b64(spki),
            "tpm_quote": {"signature": b64(signature), "message": b64(message),
                          "pcrs": [p.hex() for p in pcrs]}}


def azure_evidence(digest):
    pcrs = [bytes(32)] * 24
    return {"version": 2,
            "tpm_quote": {"signature": "00", "message": tpms_attest(digest, pcrs).hex(),
                          "pcrs": [p.hex() for p in pcrs]},
            "hcl_report": "", "vcek": ""}


BUILDERS = {"sample": sample_evidence, "tdx": tdx_evidence, "snp": snp_evidence,
            "cca": cca_evidence, "tpm": tpm_evidence, "az-snp-vtpm": azure_evidence,
            "az-tdx-vtpm": azure_evidence}


# -------------------------------------------------------------- client ---

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name)


class Client:
    """Minimal RCAR client over http.client; one connection per request."""

    def __init__(self, port, ssl_context=None, timeout=30):
        self.port, self.ssl_context, self.timeout = port, ssl_context, timeout
        self.cookie = None

    def request(self, method, path, body=None, headers=None, read_body=True):
        if self.ssl_context is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=self.timeout,
                                               context=self.ssl_context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
            hdrs = dict(headers or {})
            if data is not None:
                hdrs.setdefault("Content-Type", "application/json")
            chunked = hdrs.get("Transfer-Encoding") == "chunked"
            if chunked:
                del hdrs["Transfer-Encoding"]
            conn.request(method, path, body=data, headers=hdrs, encode_chunked=chunked)
            resp = conn.getresponse()
            if not read_body:
                return resp, conn
            return Response(resp.status, resp.headers, resp.read())
        finally:
            if read_body:
                conn.close()

    def auth(self, tee="sample", version="0.4.0", extra=None):
        resp = self.request("POST", "/kbs/v0/auth", {
            "version": version, "tee": tee,
            "extra-params": extra if extra is not None else
            {"supported-hash-algorithms": ["sha256", "sha384", "sha512"]}})
        cookie = resp.header("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return resp

    def attest(self, nonce, pubkey, evidence, additional="", cookie=True, init_data=None):
        headers = {"Cookie": self.cookie} if cookie and self.cookie else {}
        return self.request("POST", "/kbs/v0/attest", {
            "init-data": init_data, "runtime-data": {"nonce": nonce, "tee-pubkey": pubkey},
            "tee-evidence": {"primary_evidence": evidence, "additional_evidence": additional}},
            headers)

    def get_resource(self, path, cookie=True, bearer=None):
        headers = {}
        if cookie and self.cookie:
            headers["Cookie"] = self.cookie
        if bearer:
            headers["Authorization"] = "Bearer " + bearer
        return self.request("GET", "/kbs/v0/resource/" + path, headers=headers)

    def handshake(self, tee="sample", key=None, hash_alg=None, builder_kw=None):
        """auth + attest with correct evidence; returns (key, attest response)."""
        key = key or TeeKey()
        challenge = self.auth(tee)
        if challenge.status != 200:
            return key, challenge
        body = challenge.json()
        selected = body["extra-params"]
        if hash_alg is None:
            hash_alg = selected.get("selected-hash-algorithm", "sha384").lower() \
                if isinstance(selected, dict) else "sha384"
        digest = digest_of(body["nonce"], key.pubkey, "", hash_alg)
        evidence = BUILDERS[tee](digest, **(builder_kw or {}))
        return key, self.attest(body["nonce"], key.pubkey, evidence)


def token_parts(token: str):
    def dec(part):
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    header, payload, _ = token.split(".")
    return dec(header), dec(payload)


def write_ec_key_pair(directory, stem):
    """P-256 signing key as PKCS#8 private PEM + SPKI public PEM; returns both paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    priv = os.path.join(directory, stem + ".key")
    pub = os.path.join(directory, stem + ".pub.pem")
    with open(priv, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    with open(pub, "wb") as handle:
        handle.write(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return priv, pub


def client_tls_context(cafile=None, certfile=None, keyfile=None):
    context = ssl.create_default_context(cafile=cafile)
    if certfile:
        context.load_cert_chain(certfile, keyfile)
    return context
