"""RCAR protocol 0.4.0 endpoint logic (docs/kbs-protocol.md §1, §2): /auth, /attest and
the resource plugin. Functions take the parsed request and return a Reply; failures
raise KbsError carrying the exact Trustee ErrorInformation."""

import email.utils
import json
import logging
import re
import time
import tomllib

import kbs_crypto
import kbs_evidence
import kbs_token
from kbs_state import Session, new_nonce

LOG = logging.getLogger("kbs")
ERROR_TYPE_PREFIX = "https://github.com/confidential-containers/kbs/errors/"
TEES = ("tdx", "sgx", "snp", "az-snp-vtpm", "az-tdx-vtpm", "cca", "csv", "se", "tpm",
        "hygondcu", "nvidia", "sample", "sampledevice")
REQUIRED_VERSION = "0.4.0"
AUTH_FAILED = "Attestation error: RCAR handshake Auth failed: "
ATTEST_FAILED = "Attestation error: RCAR handshake Attest failed"
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                     r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
                     r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$")
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+[A-Za-z0-9_.-]*$")


class KbsError(Exception):
    def __init__(self, variant: str, detail: str, status: int = 401, cause: str = ""):
        super().__init__(detail)
        self.variant, self.detail, self.status, self.cause = variant, detail, status, cause

    def body(self) -> bytes:
        return json.dumps({"type": ERROR_TYPE_PREFIX + self.variant, "detail": self.detail},
                          separators=(",", ":")).encode("utf-8")


class Reply:
    def __init__(self, status: int, body: bytes = b"", headers=()):
        self.status, self.body, self.headers = status, body, list(headers)


def _json_reply(obj, headers=()) -> Reply:
    body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
    return Reply(200, body, [("Content-Type", "application/json")] + list(headers))


def _cookie_header(session: Session):
    stamp = email.utils.formatdate(session.cookie_expires, usegmt=True)
    return ("Set-Cookie", "kbs-session-id=%s; Expires=%s" % (session.id, stamp))


def _attest_error(cause: str) -> KbsError:
    return KbsError("AttestationError", ATTEST_FAILED, cause=cause)


def _parse_json(body: bytes):
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


# -------------------------------------------------------------------- auth ---

def handle_auth(app, body: bytes) -> Reply:
    req = _parse_json(body)
    if (not isinstance(req, dict) or not isinstance(req.get("version"), str)
            or req.get("tee") not in TEES or "extra-params" not in req):
        raise KbsError("AttestationError", AUTH_FAILED + "deserialize Request")
    version = req["version"]
    forced = app.state.fire("version-mismatch", "auth")
    match = _SEMVER.match(version)
    if forced is None and match is None:
        raise KbsError("AttestationError", AUTH_FAILED + "failed to parse KBS version")
    if forced is not None or match.group(1, 2, 3) != ("0", "4", "0") or match.group(4):
        expect = forced.value if forced is not None else REQUIRED_VERSION
        raise KbsError("AttestationError", AUTH_FAILED + "KBS Client Protocol Version Mismatch: "
                       "expect =%s while the request is %s" % (expect, version))
    extra, hash_alg = "", ("sha512" if req["tee"] == "se" else "sha384")
    selected = app.state.fire("bad-selected-hash", "auth")
    if selected is not None:
        hash_alg = selected.value.lower()
        extra = {"selected-hash-algorithm": selected.value}
    challenge = new_nonce()
    wrong = app.state.fire("wrong-nonce", "auth")
    session = Session(req["tee"], new_nonce() if wrong else challenge, challenge, hash_alg,
                      app.state.session_ttl_s)
    expired = app.state.fire("expired-session", "auth")
    if expired is not None:
        if expired.value == "attested":
            session.expire_when_attested = True
        else:
            session.expires = time.time() - 1  # server side only; the cookie looks valid
    app.state.add_session(session)
    LOG.info("auth: tee=%s session=%s hash=%s%s", session.tee, session.id, hash_alg,
             " (wrong nonce armed)" if wrong else "")
    return _json_reply({"nonce": challenge, "extra-params": extra}, [_cookie_header(session)])


# ------------------------------------------------------------------ attest ---

def _parse_attestation(req):
    if not isinstance(req, dict):
        raise _attest_error("body is not a JSON object")
    runtime, evidence = req.get("runtime-data"), req.get("tee-evidence")
    if not isinstance(runtime, dict) or not isinstance(runtime.get("nonce"), str):
        raise _attest_error("runtime-data.nonce missing")
    if not isinstance(evidence, dict) or "primary_evidence" not in evidence:
        raise _attest_error("tee-evidence.primary_evidence missing")
    if not isinstance(evidence.get("additional_evidence"), str):
        raise _attest_error("tee-evidence.additional_evidence is not a string")
    init_data = req.get("init-data")
    if init_data is not None and (not isinstance(init_data, dict)
                                  or not isinstance(init_data.get("body"), str)
                                  or init_data.get("format") != "toml"):
        raise _attest_error("init-data must be null or {format: toml, body: <text>}")
    try:
        pubkey = kbs_crypto.typed_tee_pubkey(runtime.get("tee-pubkey"))
    except kbs_crypto.KbsCryptoError as exc:
        raise _attest_error(str(exc)) from exc
    return runtime["nonce"], pubkey, evidence, _init_data_claims(init_data)


def _init_data_claims(init_data):
    """The init-data TOML's [data] table, as Trustee's AS passes it on as init_data_claims
    (attestation-service/src/lib.rs parse_init_data @78962cd4). None without init-data."""
    if init_data is None:
        return None
    try:
        parsed = tomllib.loads(init_data["body"])
    except tomllib.TOMLDecodeError as exc:
        raise _attest_error("init-data is not TOML: %s" % exc) from exc
    data = parsed.get("data", {})
    if not isinstance(data, dict):
        raise _attest_error("init-data [data] is not a table")
    return data


def _verify_devices(session, pubkey, additional: str) -> dict:
    if additional == "":
        return {}
    devices = _parse_json(additional.encode("utf-8"))
    if not isinstance(devices, dict):
        raise _attest_error("additional_evidence is not a JSON object text")
    digest = kbs_crypto.runtime_data_digest(session.hash_alg, session.nonce, pubkey)
    out = {}
    for tee, evidence in devices.items():
        try:
            out[tee] = kbs_evidence.verify_device(tee, evidence, digest)
        except (kbs_evidence.EvidenceError, ValueError, TypeError, KeyError) as exc:
            raise _attest_error(str(exc)) from exc
    return out


def handle_attest(app, session_id, body: bytes) -> Reply:
    if session_id is None:
        raise _attest_error("cookie not found")
    nonce, pubkey, evidence, init_data_claims = _parse_attestation(_parse_json(body))
    session = app.state.session(session_id)
    if session is None:
        raise _attest_error("session not found")
    if session.expired():
        raise _attest_error("session expired.")
    if session.token is not None:
        LOG.info("attest: session %s already attested, returning its token", session.id)
        return _json_reply({"token": session.token}, [_cookie_header(session)])
    if nonce != session.nonce:
        raise _attest_error("nonce mismatch")
    additional = evidence["additional_evidence"]
    devices = _verify_devices(session, pubkey, additional)
    digest = kbs_crypto.runtime_data_digest(session.hash_alg, session.nonce, pubkey, additional)
    try:
        claims = kbs_evidence.verify_primary(session.tee, evidence["primary_evidence"], digest)
    except (kbs_evidence.EvidenceError, ValueError, TypeError, KeyError, IndexError) as exc:
        # Garbage evidence must end as the generic 401, like Trustee, not as a crash.
        raise _attest_error("%s (%s digest %s)" % (exc, session.hash_alg, digest.hex())) from exc
    runtime_claims = {"nonce": session.nonce, "tee-pubkey": pubkey,
                      "additional-evidence": additional}
    expired = app.state.fire("expired-token", "attest") is not None
    token = kbs_token.issue_token(app.signing_key, session.tee, claims, runtime_claims,
                                  app.state.token_ttl_s, devices=devices, expired=expired,
                                  init_data_claims=init_data_claims)
    session.token = token
    if session.expire_when_attested:
        session.expires = time.time() - 1
    LOG.info("attest: session %s attested (tee %s)%s", session.id, session.tee,
             ", token already expired" if expired else "")
    return _json_reply({"token": token}, [_cookie_header(session)])


# ---------------------------------------------------------------- resource ---

def resource_path(segments):
    """Validate <repo>/<type>/<tag> (§1.6); None when malformed."""
    if len(segments) != 3 or not all(_SEGMENT.match(s) for s in segments):
        return None
    return "/".join(segments)


def _find_token(app, session_id, authorization):
    session = app.state.session(session_id) if session_id else None
    if session is not None and not session.expired() and session.token is not None:
        return session.token
    if authorization and authorization.startswith("Bearer "):
        return authorization[len("Bearer "):].strip()
    cause = "no cookie session" if session is None else "session not attested or expired"
    raise KbsError("TokenNotFound", "Attestation Token not found", cause=cause + " and no bearer")


def _verified_claims(app, session_id, authorization, plugin):
    token = _find_token(app, session_id, authorization)
    try:
        claims = kbs_token.verify_token(token, app.trusted_keys)
        pubkey = kbs_token.token_tee_pubkey(claims)
    except kbs_token.TokenError as exc:
        raise KbsError("TokenVerifierError", "Token Verifier error", cause=str(exc)) from exc
    if not kbs_token.policy_allows(app.state.policy, claims, plugin):
        raise KbsError("PolicyDeny", "Access denied by policy", cause="policy " + app.state.policy)
    return claims, pubkey


def handle_resource_get(app, segments, session_id, authorization) -> Reply:
    _, pubkey = _verified_claims(app, session_id, authorization, "resource")
    path = resource_path(segments)
    data = app.state.resource(path) if path else None
    if data is None:
        raise KbsError("PluginInternalError", "Plugin internal error",
                       cause="resource %s not found" % "/".join(segments))
    return _encrypted_reply(app, pubkey, path, data)


def handle_provisioner_get(app, segments, session_id, authorization) -> Reply:
    """Trustee's provisioner plugin, GET side (kbs/src/plugins/implementations/provisioner/
    mod.rs @78962cd4): the init-data claim trustee.kbs.resource must name exactly
    kbs+provisioner:///<path>, else the plugin fails (401 PluginInternalError)."""
    claims, pubkey = _verified_claims(app, session_id, authorization, "provisioner")
    path = "/".join(segments)
    annotated = claims.get("submods", {}).get("cpu0", {}).get("ear.veraison.annotated-evidence", {})
    init_data_claims = annotated.get("init_data_claims")
    if not isinstance(init_data_claims, dict):
        raise KbsError("PluginInternalError", "Plugin internal error",
                       cause="provisioner requires init_data for resource access")
    bound = init_data_claims.get("trustee.kbs.resource")
    if bound != "kbs+provisioner:///" + path:
        raise KbsError("PluginInternalError", "Plugin internal error",
                       cause="init_data resource mismatch: expected kbs+provisioner:///%s, got %s"
                       % (path, bound))
    data = app.state.resource("provisioner:" + path)
    if data is None:
        raise KbsError("PluginInternalError", "Plugin internal error",
                       cause="provisioner resource not found: " + path)
    return _encrypted_reply(app, pubkey, "provisioner:" + path, data)


def _encrypted_reply(app, pubkey, path, data) -> Reply:
    try:
        members = kbs_crypto.build_jwe(pubkey, data)
    except (kbs_crypto.KbsCryptoError, KeyError) as exc:
        raise KbsError("JweError", "JWE failed", cause=str(exc)) from exc
    pad = app.state.fire("padded-b64url", "resource") is not None
    corrupt = app.state.fire("corrupt-jwe-tag", "resource") is not None
    LOG.info("resource %s released (alg %s)", path, pubkey.get("alg"))
    return Reply(200, kbs_crypto.jwe_json(members, pad=pad, corrupt_tag=corrupt),
                 [("Content-Type", "application/json")])


def handle_resource_admin(app, method, segments, body: bytes) -> Reply:
    path = resource_path(segments)
    if path is None:
        raise KbsError("PluginInternalError", "Plugin internal error", cause="bad resource path")
    if method == "POST":
        app.state.set_resource(path, body)
        LOG.info("admin: resource %s set (%d bytes)", path, len(body))
    elif not app.state.delete_resource(path):
        raise KbsError("PluginInternalError", "Plugin internal error", cause="no resource " + path)
    return Reply(200, b"")
