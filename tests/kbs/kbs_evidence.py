"""Report-data binding checks per TEE (docs/kbs-protocol.md §2.3, §6).

Each verifier takes the primary_evidence JSON value and the runtime-data digest
and returns the claims for the token, or raises EvidenceError naming the reason.
What is (and is not) verified cryptographically is listed in README.md.
"""

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

import kbs_crypto


class EvidenceError(Exception):
    """The evidence is malformed or does not bind the runtime data."""


def regularize(data: bytes, size: int) -> bytes:
    """Zero-pad on the right or truncate to size bytes (§2.3)."""
    return data[:size] + bytes(max(0, size - len(data)))


def _field(obj, name, kind):
    if not isinstance(obj, dict) or not isinstance(obj.get(name), kind):
        raise EvidenceError("evidence member %s missing or of wrong type" % name)
    return obj[name]


def _std_b64(obj, name) -> bytes:
    try:
        return kbs_crypto.b64std_decode_strict(_field(obj, name, str))
    except kbs_crypto.KbsCryptoError as exc:
        raise EvidenceError("evidence member %s is not standard base64" % name) from exc


def _hex(text, what) -> bytes:
    try:
        return bytes.fromhex(text)
    except (TypeError, ValueError) as exc:
        raise EvidenceError(what + " is not hex") from exc


def _int_array(value, what) -> bytes:
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in value):
        raise EvidenceError(what + " is not an array of byte values")
    return bytes(value)


class _Reader:
    """Bounds-checked big/little-endian reader over bytes."""

    def __init__(self, data: bytes, what: str):
        self.data, self.pos, self.what = data, 0, what

    def take(self, count: int) -> bytes:
        if count < 0 or len(self.data) - self.pos < count:
            raise EvidenceError("%s truncated at offset %d" % (self.what, self.pos))
        out = self.data[self.pos:self.pos + count]
        self.pos += count
        return out

    def be(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def le(self, size: int) -> int:
        return int.from_bytes(self.take(size), "little")

    def tpm2b(self) -> bytes:
        return self.take(self.be(2))


def _require(ok: bool, message: str):
    if not ok:
        raise EvidenceError(message)


# ------------------------------------------------------------------ sample ---

def verify_sample(ev, digest):
    report_data = _std_b64(ev, "report_data")
    _require(report_data == digest, "sample report_data does not match the runtime data digest")
    return {"svn": ev.get("svn"), "report_data": ev["report_data"], "launch_digest": "abcde",
            "platform_version": {"major": 1, "minor": 4}, "debug": False}


# --------------------------------------------------------------------- tdx ---

TDX_BODY_MEASUREMENTS = (("mr_td", 136), ("mr_config_id", 184), ("rtmr0", 328),
                         ("rtmr1", 376), ("rtmr2", 424), ("rtmr3", 472))


def parse_tdx_quote(quote: bytes) -> dict:
    """Locate the TD report body, report_data and the quote's own ECDSA signature
    (Intel TDX DCAP quote v4/v5: 48-byte header, v5 adds type u16 + size u32)."""
    rd = _Reader(quote, "TDX quote")
    version = rd.le(2)
    att_key_type = rd.le(2)
    tee_type = rd.le(4)
    _require(att_key_type == 2,
             "TDX quote attestation key type %d is not ECDSA-P256" % att_key_type)
    _require(tee_type == 0x81, "TDX quote tee_type 0x%x is not TDX" % tee_type)
    rd.take(40)
    if version == 4:
        body_size = 584
    elif version == 5:
        rd.le(2)  # body type: 2 = TDX 1.0, 3 = TDX 1.5
        body_size = rd.le(4)
        _require(body_size >= 584, "TDX quote v5 body size %d too small" % body_size)
    else:
        raise EvidenceError("TDX quote version %d unsupported" % version)
    body_off = rd.pos
    body = rd.take(body_size)
    signed_end = rd.pos
    sig_data = rd.take(rd.le(4))
    _require(len(sig_data) >= 128, "TDX quote signature data shorter than 128 bytes")
    return {"version": version, "body": body, "body_offset": body_off,
            "report_data": body[520:584], "signed": quote[:signed_end],
            "signature": sig_data[0:64], "attestation_key": sig_data[64:128]}


def verify_tdx_quote_signature(parsed: dict):
    """ECDSA-P256/SHA-256 over header+body with the attestation key carried in the
    quote (the QE report and PCK chain are NOT checked)."""
    key = parsed["attestation_key"]
    try:
        pub = ec.EllipticCurvePublicNumbers(int.from_bytes(key[:32], "big"),
                                            int.from_bytes(key[32:], "big"),
                                            ec.SECP256R1()).public_key()
        sig = parsed["signature"]
        pub.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                        int.from_bytes(sig[32:], "big")),
                   parsed["signed"], ec.ECDSA(hashes.SHA256()))
    except (ValueError, InvalidSignature) as exc:
        raise EvidenceError("TDX quote signature does not verify with its attestation key") from exc


def verify_tdx(ev, digest):
    parsed = parse_tdx_quote(_std_b64(ev, "quote"))
    _require(parsed["report_data"] == regularize(digest, 64),
             "TDX report_data does not match the runtime data digest")
    verify_tdx_quote_signature(parsed)
    claims = {"quote": {"header": {"version": parsed["version"]}},
              "report_data": parsed["report_data"].hex()}
    for name, off in TDX_BODY_MEASUREMENTS:
        claims[name] = parsed["body"][off:off + 48].hex()
    return claims


def verify_sgx(ev, digest):
    quote = _std_b64(ev, "quote")
    # SGX quote v3: 48-byte header + 384-byte report body, report_data at body+320.
    _require(len(quote) >= 432, "SGX quote shorter than header+body")
    _require(quote[368:432] == regularize(digest, 64),
             "SGX report_data does not match the runtime data digest")
    return {"report_data": quote[368:432].hex(), "mr_enclave": quote[112:144].hex()}


# --------------------------------------------------------------------- snp ---

def verify_snp(ev, digest):
    """Checks report_data of the JSON report only: the report is not rebuilt and its
    VCEK signature is not verified (see README)."""
    report = _field(ev, "attestation_report", dict)
    report_data = _int_array(report.get("report_data"), "snp report_data")
    _require(len(report_data) == 64, "snp report_data is not 64 bytes")
    _require(report_data == regularize(digest, 64),
             "SNP report_data does not match the runtime data digest")
    claims = {"report_data": report_data.hex()}
    if "measurement" in report:
        claims["measurement"] = _int_array(report["measurement"], "snp measurement").hex()
    for name in ("version", "vmpl", "policy", "guest_svn"):
        if name in report:
            claims[name] = report[name]
    return claims


# --------------------------------------------------------------------- cca ---

def verify_cca(ev, digest):
    """Lenient: the challenge (digest zero-padded to 64) must occur in the token."""
    token = _int_array(ev.get("token") if isinstance(ev, dict) else None, "cca token")
    _require(regularize(digest, 64) in token, "CCA token does not contain the runtime data digest")
    return {"token_size": len(token)}


# --------------------------------------------------------------------- TPM ---

TPM_GENERATED = 0xFF544347
TPM_ST_ATTEST_QUOTE = 0x8018
_TPM_HASHES = {0x000B: hashes.SHA256, 0x000C: hashes.SHA384, 0x000D: hashes.SHA512}


def parse_tpms_attest(message: bytes) -> dict:
    """TPMS_ATTEST of a quote (TPM 2.0 Part 2 §10.12)."""
    rd = _Reader(message, "TPMS_ATTEST")
    magic, st_type = rd.be(4), rd.be(2)
    _require(magic == TPM_GENERATED, "TPMS_ATTEST magic 0x%08x is not TPM_GENERATED" % magic)
    _require(st_type == TPM_ST_ATTEST_QUOTE, "TPMS_ATTEST type 0x%04x is not a quote" % st_type)
    signer = rd.tpm2b()
    extra = rd.tpm2b()
    rd.take(17 + 8)  # clockInfo, firmwareVersion
    selections = []
    for _ in range(rd.be(4)):
        alg = rd.be(2)
        selections.append((alg, rd.take(rd.take(1)[0])))
    return {"qualified_signer": signer, "extra_data": extra, "pcr_select": selections,
            "pcr_digest": rd.tpm2b()}


def verify_tpmt_signature(public_key, signature: bytes, message: bytes):
    """Marshalled TPMT_SIGNATURE (RSASSA / RSAPSS / ECDSA) over message."""
    rd = _Reader(signature, "TPMT_SIGNATURE")
    sig_alg, hash_alg = rd.be(2), rd.be(2)
    _require(hash_alg in _TPM_HASHES, "TPMT_SIGNATURE hash 0x%04x unsupported" % hash_alg)
    chosen = _TPM_HASHES[hash_alg]()
    try:
        if sig_alg in (0x0014, 0x0016) and isinstance(public_key, rsa.RSAPublicKey):
            pad = (padding.PKCS1v15() if sig_alg == 0x0014 else
                   padding.PSS(mgf=padding.MGF1(chosen), salt_length=padding.PSS.AUTO))
            public_key.verify(rd.tpm2b(), message, pad, chosen)
        elif sig_alg == 0x0018 and isinstance(public_key, ec.EllipticCurvePublicKey):
            r, s = int.from_bytes(rd.tpm2b(), "big"), int.from_bytes(rd.tpm2b(), "big")
            public_key.verify(encode_dss_signature(r, s), message, ec.ECDSA(chosen))
        else:
            raise EvidenceError("TPMT_SIGNATURE algorithm 0x%04x does not fit the AK" % sig_alg)
    except InvalidSignature as exc:
        raise EvidenceError("TPM quote signature does not verify with the AK") from exc


def _pcr_values(quote) -> bytes:
    pcrs = _field(quote, "pcrs", list)
    return b"".join(_hex(p, "tpm_quote.pcrs entry") for p in pcrs)


def verify_tpm(ev, digest):
    try:
        ak = serialization.load_der_public_key(_std_b64(ev, "ak_public"))
    except ValueError as exc:
        raise EvidenceError("ak_public is not a DER SubjectPublicKeyInfo") from exc
    quote = _field(ev, "tpm_quote", dict)
    message = _std_b64(quote, "message")
    attest = parse_tpms_attest(message)
    _require(attest["extra_data"] == regularize(digest, 32),
             "TPM quote extraData does not match the runtime data digest")
    _require(attest["pcr_digest"] == hashlib.sha256(_pcr_values(quote)).digest(),
             "TPM quote pcrDigest does not match the listed PCR values")
    verify_tpmt_signature(ak, _std_b64(quote, "signature"), message)
    return {"report_data": attest["extra_data"].hex(),
            "pcrs": [p.lower() for p in quote["pcrs"]]}


def verify_azure_vtpm(ev, digest):
    """az-snp-vtpm / az-tdx-vtpm: TPM quote extraData == raw digest. Neither the quote
    signature (AK from the HCL report) nor the HCL report are verified (README)."""
    quote = _field(ev, "tpm_quote", dict)
    attest = parse_tpms_attest(_hex(_field(quote, "message", str), "tpm_quote.message"))
    _require(attest["extra_data"] == digest,
             "vTPM quote extraData does not match the runtime data digest")
    return {"version": ev.get("version"), "report_data": attest["extra_data"].hex()}


VERIFIERS = {"sample": verify_sample, "tdx": verify_tdx, "sgx": verify_sgx, "snp": verify_snp,
             "cca": verify_cca, "tpm": verify_tpm, "az-snp-vtpm": verify_azure_vtpm,
             "az-tdx-vtpm": verify_azure_vtpm}


def verify_primary(tee: str, evidence, digest: bytes) -> dict:
    verifier = VERIFIERS.get(tee)
    if verifier is None:
        raise EvidenceError("no verifier for tee " + tee)
    return verifier(evidence, digest)


def verify_device(tee: str, evidence, digest: bytes) -> dict:
    """Additional (device) evidence: only sampledevice is understood."""
    if tee != "sampledevice":
        raise EvidenceError("no verifier for device " + tee)
    report_data = _std_b64(evidence, "report_data")
    _require(report_data == digest, "sampledevice report_data does not match its digest")
    return {"svn": evidence.get("svn"), "report_data": evidence["report_data"]}

