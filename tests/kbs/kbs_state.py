"""Mutable state of the test KBS: sessions, resources, fault injection and request
statistics. All access goes through one lock; the HTTP handler threads share it."""

import base64
import os
import threading
import time
import uuid

# name -> (default value, default scope, default count). count -1 = every time.
FAULTS = {
    "version-mismatch": ("0.4.0", "auth", -1),
    "wrong-nonce": (None, "auth", -1),
    "expired-session": ("auth", "auth", -1),
    "expired-token": (None, "attest", -1),
    "bad-selected-hash": ("sha512", "auth", -1),
    "unauthorized-first-get": (None, "resource", 1),
    "http-500-once": (None, "any", 1),
    "http-503-always": (None, "any", -1),
    "http-429-retry-after": ("1", "any", 1),
    "slow-response": ("2", "any", -1),
    "hang": ("3600", "any", -1),
    "drop-connection": (None, "any", -1),
    "truncated-json": (None, "any", -1),
    "malformed-json": (None, "any", -1),
    "wrong-shape-json": (None, "any", -1),
    "oversized-body": (str(100 * 1024 * 1024), "any", -1),
    "corrupt-jwe-tag": (None, "resource", -1),
    "padded-b64url": (None, "resource", -1),
}
SCOPES = ("auth", "attest", "resource", "any")
# Faults whose scope is fixed by what they do.
_FIXED_SCOPE = {"version-mismatch", "wrong-nonce", "expired-session", "expired-token",
                "bad-selected-hash", "unauthorized-first-get", "corrupt-jwe-tag", "padded-b64url"}


class FaultSpecError(ValueError):
    pass


_NUMERIC = {"slow-response": float, "hang": float, "http-429-retry-after": int,
            "oversized-body": int}
_CHOICES = {"bad-selected-hash": ("sha256", "sha384", "sha512"),
            "expired-session": ("auth", "attested")}


def _check_value(name, value):
    """Reject bad values when the spec is set, not when the fault fires."""
    if name in _NUMERIC:
        try:
            ok = _NUMERIC[name](value) >= 0
        except ValueError:
            ok = False
        if not ok:
            raise FaultSpecError("fault %s: value %r is not a non-negative number" % (name, value))
    if name in _CHOICES and value.lower() not in _CHOICES[name]:
        raise FaultSpecError("fault %s: value must be one of %s" % (name, "/".join(_CHOICES[name])))


class Fault:
    """One armed fault: NAME[=VALUE][@SCOPE][*COUNT]."""

    def __init__(self, spec: str):
        if not isinstance(spec, str) or not spec:
            raise FaultSpecError("fault spec must be a non-empty string")
        self.spec = spec
        rest, count = spec, None
        if "*" in rest:
            rest, count = rest.rsplit("*", 1)
        scope = None
        if "@" in rest:
            rest, scope = rest.rsplit("@", 1)
        name, _, value = rest.partition("=")
        if name not in FAULTS:
            raise FaultSpecError("unknown fault " + repr(name))
        default_value, default_scope, default_count = FAULTS[name]
        if scope is not None and (scope not in SCOPES or name in _FIXED_SCOPE):
            raise FaultSpecError("fault %s: scope %r not allowed" % (name, scope))
        self.name = name
        self.value = value if value else default_value
        _check_value(name, self.value)
        self.scope = scope or default_scope
        try:
            self.remaining = int(count) if count is not None else default_count
        except ValueError as exc:
            raise FaultSpecError("fault %s: bad count %r" % (name, count)) from exc
        self.fired = 0

    def matches(self, endpoint: str) -> bool:
        return self.remaining != 0 and self.scope in ("any", endpoint)

    def describe(self) -> dict:
        return {"spec": self.spec, "name": self.name, "value": self.value, "scope": self.scope,
                "remaining": self.remaining, "fired": self.fired}


class Session:
    def __init__(self, tee: str, nonce: str, challenge_nonce: str, hash_alg: str, ttl_s: float):
        self.id = uuid.uuid4().hex
        self.tee = tee
        self.nonce = nonce                  # what /attest compares against
        self.challenge_nonce = challenge_nonce  # what the client was given
        self.hash_alg = hash_alg
        self.expires = time.time() + ttl_s
        self.cookie_expires = self.expires
        self.token = None
        self.expire_when_attested = False

    def expired(self) -> bool:
        return time.time() >= self.expires


def new_nonce() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


class KbsState:
    def __init__(self, policy: str, session_ttl_s: float, token_ttl_s: int):
        self.lock = threading.Lock()
        self.policy = policy
        self.session_ttl_s = session_ttl_s
        self.token_ttl_s = token_ttl_s
        self.sessions = {}
        self.resources = {}
        self.faults = []
        self.requests = {}
        self.responses = {}
        self.connections = 0

    # -- faults
    def set_faults(self, specs):
        faults = [Fault(s) for s in specs]  # parse all first: all or nothing
        with self.lock:
            self.faults = faults

    def fire(self, name: str, endpoint: str):
        """Return the matching armed fault (consuming one use) or None."""
        with self.lock:
            for fault in self.faults:
                if fault.name == name and fault.matches(endpoint):
                    if fault.remaining > 0:
                        fault.remaining -= 1
                    fault.fired += 1
                    return fault
        return None

    def fault_list(self):
        with self.lock:
            return [f.describe() for f in self.faults]

    # -- stats
    def count_request(self, endpoint: str):
        with self.lock:
            self.requests[endpoint] = self.requests.get(endpoint, 0) + 1

    def count_connection(self):
        with self.lock:
            self.connections += 1

    def count_response(self, endpoint: str, status):
        with self.lock:
            per = self.responses.setdefault(endpoint, {})
            per[str(status)] = per.get(str(status), 0) + 1

    def stats(self) -> dict:
        with self.lock:
            return {"requests": dict(self.requests),
                    "responses": {k: dict(v) for k, v in self.responses.items()},
                    "sessions": len(self.sessions),
                    "attested_sessions": sum(1 for s in self.sessions.values() if s.token),
                    "connections": self.connections,
                    "policy": self.policy}

    def reset(self):
        """Clear statistics, sessions and faults (resources and keys stay)."""
        with self.lock:
            self.requests, self.responses, self.sessions, self.faults = {}, {}, {}, []
            self.connections = 0

    # -- sessions
    def add_session(self, session: Session):
        with self.lock:
            now = time.time()
            self.sessions = {k: s for k, s in self.sessions.items() if s.expires > now - 600}
            self.sessions[session.id] = session

    def session(self, session_id):
        with self.lock:
            return self.sessions.get(session_id)

    # -- resources
    def set_resource(self, path: str, data: bytes):
        with self.lock:
            self.resources[path] = bytes(data)

    def delete_resource(self, path: str) -> bool:
        with self.lock:
            return self.resources.pop(path, None) is not None

    def resource(self, path: str):
        with self.lock:
            return self.resources.get(path)
