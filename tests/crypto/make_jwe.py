#!/usr/bin/python3
"""Independent JWE encryptor for the agent/crypto tests (python3-jwcrypto, not our code).

  make_jwe.py generate OUTDIR   writes OUTDIR/<case>.json for every case below: a fresh private
                                key (PKCS#8 PEM), the plaintext (hex) and the flattened JSON JWE
                                {"protected","encrypted_key","iv","ciphertext","tag"}.
  make_jwe.py encrypt ALG JWK HEX
                                prints the flattened JSON JWE of the plaintext HEX encrypted to
                                the public JWK (JSON text) with ALG (tests use this to check that
                                our exported JWKs work with another implementation).
"""
import json
import os
import sys

from jwcrypto import jwe, jwk

CASES = [
    # name, key generation arguments, alg, extra protected members, plaintext
    ("p256", {"kty": "EC", "crv": "P-256"}, "ECDH-ES+A256KW", {}, b"p256 secret \x00\x01\xff"),
    ("p256-apu-apv", {"kty": "EC", "crv": "P-256"}, "ECDH-ES+A256KW",
     {"apu": "QWxpY2U", "apv": "Qm9i"}, b"party info"),
    ("p521", {"kty": "EC", "crv": "P-521"}, "ECDH-ES+A256KW", {}, os.urandom(4096)),
    ("rsa-oaep-256", {"kty": "RSA", "size": 2048}, "RSA-OAEP-256", {}, b'{"k":"v"}'),
    ("rsa1_5", {"kty": "RSA", "size": 2048}, "RSA1_5", {}, b"legacy padding"),
]


def encrypt(public_key, alg, plaintext, extra=None):
    header = {"alg": alg, "enc": "A256GCM"}
    header.update(extra or {})
    token = jwe.JWE(plaintext, protected=json.dumps(header, separators=(",", ":")),
                    algs=[alg, "A256GCM"])  # RSA1_5 is off by default
    token.add_recipient(public_key)
    # jwcrypto's flattened form puts "epk" in an unprotected per-recipient "header"; its compact
    # form moves everything into "protected" (re-encrypting), which is the shape Trustee sends.
    # Compact and flattened are the same five values, so split the compact form.
    parts = token.serialize(compact=True).split(".")
    names = ["protected", "encrypted_key", "iv", "ciphertext", "tag"]
    return json.dumps(dict(zip(names, parts)), separators=(",", ":"))


def generate(outdir):
    for name, params, alg, extra, plaintext in CASES:
        key = jwk.JWK.generate(**params)
        body = encrypt(key, alg, plaintext, extra)
        doc = {
            "alg": alg,
            "key_pem": key.export_to_pem(private_key=True, password=None).decode(),
            "plaintext_hex": plaintext.hex(),
            "jwe": body,
        }
        with open(os.path.join(outdir, name + ".json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "generate":
        generate(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "encrypt":
        key = jwk.JWK(**json.loads(sys.argv[3]))
        sys.stdout.write(encrypt(key, sys.argv[2], bytes.fromhex(sys.argv[4])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
