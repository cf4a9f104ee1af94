#!/usr/bin/python3
"""Generate a throw-away test PKI for the test KBS:

    python3 tests/kbs/make_test_ca.py OUTDIR

writes ca.pem/ca.key (test CA), server.pem/server.key (127.0.0.1 + localhost,
serverAuth) and client.pem/client.key (clientAuth, for --client-ca mTLS tests).
All keys are EC P-256, PKCS#8 PEM, unencrypted. Never use outside tests.
"""

import datetime
import ipaddress
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbs_python  # noqa: E402  (stdlib only)

kbs_python.ensure_packages()

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "attest-agent tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject, issuer, public_key, days):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days)))


def _write(outdir, stem, cert, key):
    with open(os.path.join(outdir, stem + ".pem"), "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    path = os.path.join(outdir, stem + ".key")
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def _leaf(ca_cert, ca_key, common_name, usage, san, days):
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (_builder(_name(common_name), ca_cert.subject, key.public_key(), days)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(True, False, False, False, True, False, False,
                                            False, False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   ca_key.public_key()), critical=False))
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def make_test_pki(outdir: str, days: int = 30) -> dict:
    """Create the files; returns {"ca","server_cert","server_key","client_cert","client_key"}."""
    os.makedirs(outdir, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (_builder(_name("attest-agent test CA"), _name("attest-agent test CA"),
                        ca_key.public_key(), days)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                            False, False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                              critical=False)
               .sign(ca_key, hashes.SHA256()))
    _write(outdir, "ca", ca_cert, ca_key)
    san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = _leaf(ca_cert, ca_key, "localhost", ExtendedKeyUsageOID.SERVER_AUTH, san, days)
    _write(outdir, "server", *server)
    client = _leaf(ca_cert, ca_key, "attest-agent test client", ExtendedKeyUsageOID.CLIENT_AUTH,
                   None, days)
    _write(outdir, "client", *client)
    join = lambda name: os.path.join(outdir, name)  # noqa: E731
    return {"ca": join("ca.pem"), "ca_key": join("ca.key"),
            "server_cert": join("server.pem"), "server_key": join("server.key"),
            "client_cert": join("client.pem"), "client_key": join("client.key")}


def main(argv):
    if len(argv) != 2:
        print("usage: make_test_ca.py OUTDIR", file=sys.stderr)
        return 2
    for name, path in sorted(make_test_pki(argv[1]).items()):
        print("%s=%s" % (name, path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
