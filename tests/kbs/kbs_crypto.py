"""Canonical JSON (RFC 8785), base64 helpers, the typed TEE public key and the
Trustee-compatible JWE builder of the test KBS.

Written from the protocol notes (docs/kbs-protocol.md §2.2, §3); shares no code
with the C++ client.
"""

import base64
import binascii
import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap


class KbsCryptoError(Exception):
    """A malformed key, an unsupported algorithm or bad encoding."""


# ---------------------------------------------------------------- base64 ---

def b64url_nopad(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode_strict(text: str) -> bytes:
    """Decode base64url WITHOUT padding; padding or foreign characters fail,
    as Trustee's JWK decoder does (§3.1)."""
    if not isinstance(text, str) or "=" in text or len(text) % 4 == 1:
        raise KbsCryptoError("not unpadded base64url")
    for ch in text:
        if not (ch.isascii() and (ch.isalnum() or ch in "-_")):
            raise KbsCryptoError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KbsCryptoError("not unpadded base64url") from exc


def b64std_decode_strict(text: str) -> bytes:
    """Standard base64 with padding (nonce, sample report_data, TDX quote)."""
    if not isinstance(text, str):
        raise KbsCryptoError("not a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KbsCryptoError("not standard base64") from exc


# ------------------------------------------------------------ RFC 8785 JCS ---

_JCS_SHORT_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r",
                      0x22: '\\"', 0x5C: "\\\\"}


def _jcs_string(text: str) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if code in _JCS_SHORT_ESCAPES:
            out.append(_JCS_SHORT_ESCAPES[code])
        elif code < 0x20:
            out.append("\\u%04x" % code)  # RFC 8785 §3.2.2.2: lowercase hex
        elif 0xD800 <= code <= 0xDFFF:
            raise KbsCryptoError("lone surrogate in string")
        else:
            out.append(ch)  # '/', '+', '=', DEL and non-ASCII stay raw
    out.append('"')
    return "".join(out)


def _utf16_key(key: str) -> bytes:
    # RFC 8785 §3.2.3: property names sorted by their UTF-16 code units.
    return key.encode("utf-16-be", "surrogatepass")


def jcs_text(value) -> str:
    """Canonical JSON text of a str/int/bool/None/list/dict value."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise KbsCryptoError("non-finite number")
        if value.is_integer() and abs(value) < 2 ** 53:
            return str(int(value))
        return json.dumps(value)  # close to ECMAScript for our inputs (none use floats)
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(jcs_text(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: _utf16_key(kv[0]))
        return "{" + ",".join(_jcs_string(k) + ":" + jcs_text(v) for k, v in items) + "}"
    raise KbsCryptoError("value not representable in JSON: " + type(value).__name__)


def jcs_bytes(value) -> bytes:
    return jcs_text(value).encode("utf-8")


HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def runtime_data_digest(hash_alg: str, nonce: str, tee_pubkey: dict, additional=None) -> bytes:
    """§2.2: H(JCS({"additional-evidence": A, "nonce": N, "tee-pubkey": JWK})); device
    evidence omits additional-evidence (pass additional=None)."""
    obj = {"nonce": nonce, "tee-pubkey": tee_pubkey}
    if additional is not None:
        obj["additional-evidence"] = additional
    return HASHES[hash_alg](jcs_bytes(obj)).digest()


# ------------------------------------------------------- typed TEE pubkey ---

_TYPED_MEMBERS = {"EC": ("kty", "crv", "alg", "x", "y"),
                  "RSA": ("kty", "alg", "n", "e"),
                  "AKP": ("kty", "alg", "pub")}


def typed_tee_pubkey(jwk) -> dict:
    """Rebuild the JWK from its typed members only, like kbs-types TeePubKey:
    extra members are dropped, missing or non-string ones fail."""
    if not isinstance(jwk, dict) or jwk.get("kty") not in _TYPED_MEMBERS:
        raise KbsCryptoError("tee-pubkey: kty must be EC, RSA or AKP")
    out = {}
    for name in _TYPED_MEMBERS[jwk["kty"]]:
        if not isinstance(jwk.get(name), str):
            raise KbsCryptoError("tee-pubkey: missing string member " + name)
        out[name] = jwk[name]
    return out


# -------------------------------------------------------------------- JWE ---

_CURVES = {"P-256": (ec.SECP256R1, 32), "P-521": (ec.SECP521R1, 66)}
_KW_ALG = "ECDH-ES+A256KW"


def concat_kdf_a256kw(z: bytes) -> bytes:
    """RFC 7518 §4.6.2 Concat KDF, SHA-256, one round, no apu/apv, 256-bit output."""
    alg = _KW_ALG.encode("ascii")
    other = (len(alg).to_bytes(4, "big") + alg + (0).to_bytes(4, "big")
             + (0).to_bytes(4, "big") + (256).to_bytes(4, "big"))
    return hashlib.sha256((1).to_bytes(4, "big") + z + other).digest()


def _ec_wrap(jwk: dict, cek: bytes, eph_private):
    curve_cls, size = _CURVES.get(jwk.get("crv"), (None, 0))
    if curve_cls is None:
        raise KbsCryptoError("unsupported curve")
    x = b64url_decode_strict(jwk["x"])
    y = b64url_decode_strict(jwk["y"])
    if len(x) != size or len(y) != size:
        raise KbsCryptoError("EC coordinate length")
    try:
        peer = ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve_cls()).public_key()
    except ValueError as exc:
        raise KbsCryptoError("EC point not on curve") from exc
    if eph_private is None:
        eph_private = ec.generate_private_key(curve_cls())
    z = eph_private.exchange(ec.ECDH(), peer)
    enc_key = aes_key_wrap(concat_kdf_a256kw(z), cek)
    nums = eph_private.public_key().public_numbers()
    # Trustee's exact header bytes: alg, enc, epk{crv,kty,x,y}, compact (§3.2).
    header = ('{"alg":"' + _KW_ALG + '","enc":"A256GCM","epk":{"crv":"' + jwk["crv"]
              + '","kty":"EC","x":"' + b64url_nopad(nums.x.to_bytes(size, "big"))
              + '","y":"' + b64url_nopad(nums.y.to_bytes(size, "big")) + '"}}')
    return header, enc_key


def _rsa_wrap(jwk: dict, cek: bytes):
    n = int.from_bytes(b64url_decode_strict(jwk["n"]), "big")
    e = int.from_bytes(b64url_decode_strict(jwk["e"]), "big")
    try:
        key = rsa.RSAPublicNumbers(e, n).public_key()
    except ValueError as exc:
        raise KbsCryptoError("bad RSA key") from exc
    if jwk["alg"] == "RSA-OAEP-256":
        pad = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    else:
        pad = padding.PKCS1v15()
    return '{"alg":"' + jwk["alg"] + '","enc":"A256GCM"}', key.encrypt(cek, pad)


def build_jwe(tee_pubkey: dict, plaintext: bytes, *, cek=None, iv=None, eph_private=None) -> dict:
    """Encrypt plaintext to the TEE key; returns the five members in Trustee's order.
    cek/iv/eph_private are for deterministic test vectors only."""
    cek = cek if cek is not None else os.urandom(32)
    iv = iv if iv is not None else os.urandom(12)
    kty, alg = tee_pubkey.get("kty"), tee_pubkey.get("alg")
    if kty == "EC" and alg == _KW_ALG:
        header, enc_key = _ec_wrap(tee_pubkey, cek, eph_private)
    elif kty == "RSA" and alg in ("RSA-OAEP-256", "RSA1_5"):
        header, enc_key = _rsa_wrap(tee_pubkey, cek)
    else:
        raise KbsCryptoError("unsupported key type/alg %s/%s" % (kty, alg))
    protected = b64url_nopad(header.encode("utf-8"))
    sealed = AESGCM(cek).encrypt(iv, plaintext, protected.encode("ascii"))
    return {"protected": protected, "encrypted_key": b64url_nopad(enc_key),
            "iv": b64url_nopad(iv), "ciphertext": b64url_nopad(sealed[:-16]),
            "tag": b64url_nopad(sealed[-16:])}


def jwe_json(members: dict, *, pad: bool = False, corrupt_tag: bool = False) -> bytes:
    """Serialize compactly in member order; pad/corrupt_tag implement test faults."""
    out = dict(members)
    if corrupt_tag:
        tag = bytearray(b64url_decode_strict(out["tag"]))
        tag[0] ^= 0x01
        out["tag"] = b64url_nopad(bytes(tag))
    if pad:
        out = {k: v + "=" * (-len(v) % 4) for k, v in out.items()}
    return json.dumps(out, separators=(",", ":")).encode("ascii")
