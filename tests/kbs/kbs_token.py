"""EAR-like attestation token (ES256 JWT with a header jwk, docs/kbs-protocol.md §4)
and the resource policies of the test KBS."""

import json
import time

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

EAR_PROFILE = "tag:github.com,2024:confidential-containers/Trustee"
ISSUER = "attest-agent-test-kbs"
EXP_LEEWAY_S = 60  # jsonwebtoken's default leeway, which Trustee keeps (§4.3)
TEE_PUBKEY_PATHS = (
    ("submods", "cpu0", "ear.veraison.annotated-evidence", "runtime_data_claims", "tee-pubkey"),
    ("customized_claims", "runtime_data", "tee-pubkey"),
    ("tee-pubkey",),
)
POLICIES = ("default", "allow-all", "deny-all")


class TokenError(Exception):
    """The token does not verify, is expired or lacks a tee-pubkey."""


def load_key(path: str) -> jwk.JWK:
    with open(path, "rb") as handle:
        return jwk.JWK.from_pem(handle.read())


def new_signing_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="EC", crv="P-256")


def public_jwk(key: jwk.JWK) -> dict:
    pub = key.export_public(as_dict=True)
    return {"kty": pub["kty"], "crv": pub["crv"], "x": pub["x"], "y": pub["y"], "alg": "ES256"}


def issue_token(key: jwk.JWK, tee: str, tee_claims: dict, runtime_data_claims: dict,
                ttl_s: int, *, devices=None, now=None, expired=False,
                init_data_claims=None) -> str:
    """Sign the EAR payload; expired=True backdates exp beyond the verifier leeway."""
    now = int(time.time()) if now is None else now
    iat = now - ttl_s - 10 * EXP_LEEWAY_S if expired else now
    annotated = {tee: tee_claims, "report_data": tee_claims.get("report_data"),
                 "runtime_data_claims": runtime_data_claims,
                 "init_data": None, "init_data_claims": init_data_claims}
    submods = {"cpu0": _appraisal(annotated)}
    for index, (name, claims) in enumerate(sorted((devices or {}).items())):
        submods["gpu%d" % index] = _appraisal({name: claims})
    payload = {"eat_profile": EAR_PROFILE, "iat": iat, "exp": iat + ttl_s, "iss": ISSUER,
               "ear.verifier-id": {"build": "test-kbs", "developer": "attest-agent"},
               "submods": submods}
    header = {"alg": "ES256", "typ": "JWT", "jwk": public_jwk(key)}
    token = jws.JWS(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    token.add_signature(key, alg="ES256", protected=json.dumps(header, separators=(",", ":")))
    return token.serialize(compact=True)


def _appraisal(annotated: dict) -> dict:
    return {"ear.status": "affirming",
            "ear.trustworthiness-vector": {"configuration": 2, "executables": 3, "hardware": 2},
            "ear.appraisal-policy-id": "default",
            "ear.veraison.annotated-evidence": annotated}


def verify_token(token: str, trusted_keys, now=None) -> dict:
    """Verify signature (any trusted key), exp (with leeway) and return the claims."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise TokenError("token is not a compact JWS")
    verified = None
    for key in trusted_keys:
        candidate = jws.JWS()
        try:
            candidate.deserialize(token)
            candidate.allowed_algs = ["ES256", "ES384", "RS256", "PS256"]
            candidate.verify(key)
            verified = candidate
            break
        except (JWException, ValueError, TypeError):
            continue
    if verified is None:
        raise TokenError("token signature does not verify with any trusted key")
    try:
        claims = json.loads(verified.payload)
    except ValueError as exc:
        raise TokenError("token payload is not JSON") from exc
    now = int(time.time()) if now is None else now
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise TokenError("token has no integer exp")
    if exp + EXP_LEEWAY_S < now:
        raise TokenError("token expired")
    return claims


def token_tee_pubkey(claims: dict) -> dict:
    for path in TEE_PUBKEY_PATHS:
        node = claims
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, dict):
            return node
    raise TokenError("no tee-pubkey in the token claims")


def policy_allows(policy: str, claims: dict, plugin: str) -> bool:
    """The shipped Trustee policies: default denies the sample TEE (§4.1)."""
    if policy == "allow-all":
        return True
    if policy == "deny-all":
        return False
    cpu0 = claims.get("submods", {}).get("cpu0", {}) if isinstance(claims, dict) else {}
    annotated = cpu0.get("ear.veraison.annotated-evidence", {}) if isinstance(cpu0, dict) else {}
    return plugin == "resource" and not (isinstance(annotated, dict) and "sample" in annotated)
