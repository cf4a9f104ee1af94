#!/usr/bin/python3
"""Test Key Broker Service mimicking Trustee KBS protocol 0.4.0 (docs/kbs-protocol.md).

Run: python3 tests/kbs/kbs.py --port 0 --port-file F [options]   (see README.md)
Written independently of the C++ client: Python stdlib + python3-jwcrypto +
python3-cryptography only.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbs_python  # noqa: E402  (stdlib only)

kbs_python.ensure_packages()

import argparse
import http.server
import json
import logging
import select
import signal
import socket
import ssl
import threading
import time
import urllib.parse

import kbs_protocol  # noqa: E402
import kbs_token  # noqa: E402
from kbs_protocol import KbsError, Reply  # noqa: E402
from kbs_state import FaultSpecError, KbsState  # noqa: E402

LOG = logging.getLogger("kbs")
MAX_BODY = 2 * 1024 * 1024  # Trustee's default payload limit (§1.1)
DRAIN_LIMIT = 16 * 1024 * 1024
KBS_ENDPOINTS = ("auth", "attest", "resource")


class App:
    """Everything the handler threads share."""

    def __init__(self, state, signing_key, trusted_keys):
        self.state = state
        self.signing_key = signing_key
        self.trusted_keys = trusted_keys
        self.stop = threading.Event()


def classify(method: str, path: str) -> str:
    if path == "/healthz":
        return "healthz"
    if path.startswith("/test/"):
        return "test"
    if path == "/kbs/v0/auth" and method == "POST":
        return "auth"
    if path == "/kbs/v0/attest" and method == "POST":
        return "attest"
    if path.startswith("/kbs/v0/resource/"):
        return "resource" if method == "GET" else "admin-resource"
    return "other"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "attest-agent-test-kbs"
    timeout = 30  # idle keep-alive connections

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        LOG.debug("%s %s", self.address_string(), fmt % args)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    # ------------------------------------------------------------ plumbing ---
    @property
    def app(self) -> App:
        return self.server.app

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)  # ValueError: bad framing
        if length > MAX_BODY:
            # Drain a moderately oversized body so the client reads the 413 instead of
            # a reset; beyond DRAIN_LIMIT just close.
            while 0 < length <= DRAIN_LIMIT:
                got = len(self.rfile.read(min(length, 1 << 16)))
                length = length - got if got else 0
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, endpoint, status, body=b"", headers=()):
        # Count before writing: a client that reads the reply and then asks /test/stats
        # must see it counted.
        self.app.state.count_response(endpoint, status)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        LOG.info("%s %s -> %d", self.command, self.path, status)

    def _cookie_session(self):
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "kbs-session-id" and value:
                return value
        return None

    # ------------------------------------------------------------- routing ---
    def _dispatch(self, method):
        parsed = urllib.parse.urlsplit(self.path)
        path = parsed.path
        endpoint = classify(method, path)
        if endpoint != "test":
            self.app.state.count_request(endpoint)
            # One handler instance serves one connection (keep-alive included): count each
            # connection that carried protocol traffic once, so clients can prove reuse.
            if not getattr(self, "_connection_counted", False):
                self._connection_counted = True
                self.app.state.count_connection()
        try:
            body = self._read_body() if method in ("POST", "PUT") else b""
        except ValueError:
            self.close_connection = True
            self._send(endpoint, 400, b"bad request body framing")
            return
        if body is None:  # over the 2 MiB limit
            self.close_connection = True
            self._send(endpoint, 413, b"payload too large")
            return
        if endpoint in KBS_ENDPOINTS and self._pre_faults(endpoint):
            return
        try:
            reply = self._route(method, path, endpoint, body)
        except KbsError as err:
            LOG.info("%s %s failed: %s (%s)", method, path, err.variant, err.cause or err.detail)
            reply = Reply(err.status, err.body())
        except Exception:  # a bug in the test KBS: make it loud, never a silent hang-up
            LOG.exception("%s %s: internal error in the test KBS", method, path)
            reply = Reply(500, b"test KBS internal error (see its log)")
        if endpoint in KBS_ENDPOINTS and reply.status == 200 and self._body_faults(endpoint, reply):
            return
        self._send(endpoint, reply.status, reply.body, reply.headers)

    def _route(self, method, path, endpoint, body) -> Reply:
        if endpoint == "healthz":
            return Reply(200, b"")
        if endpoint == "test":
            return self._test_endpoint(method, path, body)
        if endpoint == "auth":
            return kbs_protocol.handle_auth(self.app, body)
        if endpoint == "attest":
            return kbs_protocol.handle_attest(self.app, self._cookie_session(), body)
        if not path.startswith("/kbs/v0/"):
            return Reply(404, b"")
        segments = path[len("/kbs/v0/"):].split("/")
        if segments[0] == "provisioner" and method == "GET":
            return kbs_protocol.handle_provisioner_get(self.app, segments[1:],
                                                       self._cookie_session(),
                                                       self.headers.get("Authorization"))
        if segments[0] != "resource":
            raise KbsError("PluginNotFound", "Plugin %s not found" % segments[0], status=404)
        if endpoint == "resource":
            return kbs_protocol.handle_resource_get(self.app, segments[1:], self._cookie_session(),
                                                    self.headers.get("Authorization"))
        if method in ("POST", "DELETE"):
            return kbs_protocol.handle_resource_admin(self.app, method, segments[1:], body)
        raise KbsError("PluginInternalError", "Plugin internal error", cause="method " + method)

    def _test_endpoint(self, method, path, body) -> Reply:
        state = self.app.state

        def ok(obj):
            return Reply(200, json.dumps(obj).encode(), [("Content-Type", "application/json")])

        try:
            if path == "/test/stats" and method == "GET":
                return ok(state.stats())
            if path == "/test/faults" and method == "GET":
                return ok({"faults": state.fault_list()})
            if path == "/test/faults" and method == "POST":
                specs = json.loads(body or b"[]")
                if not isinstance(specs, list):
                    raise FaultSpecError("body must be a JSON list of fault specs")
                state.set_faults(specs)
                LOG.info("faults set to %s", specs)
                return ok({"faults": state.fault_list()})
            if path == "/test/reset" and method == "POST":
                state.reset()
                return ok({})
            if path == "/test/policy" and method == "POST":
                policy = json.loads(body).get("policy")
                if policy not in kbs_token.POLICIES:
                    raise FaultSpecError("unknown policy %r" % policy)
                state.policy = policy
                return ok({"policy": policy})
        except (ValueError, AttributeError) as exc:
            return Reply(400, json.dumps({"error": str(exc)}).encode())
        return Reply(404, b"")

    # -------------------------------------------------------------- faults ---
    def _pre_faults(self, endpoint) -> bool:
        """Faults that replace or delay the response; True when already answered."""
        state = self.app.state
        fault = state.fire("hang", endpoint)
        if fault is not None:
            state.count_response(endpoint, "hung")
            self._hang(float(fault.value))
            return True
        if state.fire("drop-connection", endpoint) is not None:
            state.count_response(endpoint, "dropped")
            self._drop()
            return True
        fault = state.fire("slow-response", endpoint)
        if fault is not None:
            self.app.stop.wait(float(fault.value))
        if state.fire("http-500-once", endpoint) is not None:
            self._send(endpoint, 500, b"Internal Server Error")
            return True
        if state.fire("http-503-always", endpoint) is not None:
            self._send(endpoint, 503, b"Service Unavailable")
            return True
        fault = state.fire("http-429-retry-after", endpoint)
        if fault is not None:
            self._send(endpoint, 429, b"Too Many Requests", [("Retry-After", fault.value)])
            return True
        if endpoint == "resource" and state.fire("unauthorized-first-get", endpoint) is not None:
            err = KbsError("TokenNotFound", "Attestation Token not found")
            self._send(endpoint, 401, err.body())
            return True
        return False

    def _body_faults(self, endpoint, reply) -> bool:
        state = self.app.state
        fault = state.fire("oversized-body", endpoint)
        if fault is not None:
            self._stream_oversized(endpoint, int(fault.value))
            return True
        if state.fire("truncated-json", endpoint) is not None:
            reply.body = reply.body[:len(reply.body) // 2]
        elif state.fire("malformed-json", endpoint) is not None:
            reply.body = b'{nonce: "unquoted key", token: , }'
        elif state.fire("wrong-shape-json", endpoint) is not None:
            reply.body = {"auth": b'{"nonce":12345,"extra-params":""}',
                          "attest": b'{"token":12345}',
                          "resource": b'{"protected":1,"encrypted_key":[],"iv":null,'
                                      b'"ciphertext":{},"tag":true}'}[endpoint]
        return False

    def _hang(self, max_s):
        """Never answer: wait until the client closes, the server stops or max_s passes."""
        self.close_connection = True
        deadline = time.monotonic() + max_s
        sock = self.connection
        while not self.app.stop.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], 0.2)
            if readable:
                try:
                    if not sock.recv(4096):
                        return
                except ssl.SSLWantReadError:
                    continue
                except OSError:
                    return

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _stream_oversized(self, endpoint, size):
        self.app.state.count_response(endpoint, "oversized")
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        head = b'{"token":"'
        chunk = b"A" * 65536
        sent = 0
        try:
            self.wfile.write(head[:size])
            sent = min(len(head), size)
            while sent < size and not self.app.stop.is_set():
                part = chunk[:size - sent]
                self.wfile.write(part)
                sent += len(part)
        except OSError:
            pass
        LOG.info("%s %s -> 200 oversized (%d of %d bytes sent)", self.command, self.path,
                 sent, size)


class KbsServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, app, ssl_context=None):
        self.app = app
        self.ssl_context = ssl_context
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        # http.server writes the status line and headers, then the body, as two sends; with
        # Nagle's algorithm the body then waits for the client's delayed ACK (40 ms on Linux)
        # on every response. Real servers (Trustee's actix-web) write a response at once, so
        # this stall is an artefact of the test server that would hide the client's own costs.
        if request.family in (socket.AF_INET, socket.AF_INET6):
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        # TLS handshake per connection thread, so a stuck client cannot block accept().
        request.settimeout(10)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            LOG.info("TLS handshake with %s failed: %s", client_address[0], exc)
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()


def _parse_resource(spec: str):
    path, sep, value = spec.partition("=")
    plugin, colon, plugin_path = path.partition(":")
    if colon and plugin == "provisioner":
        valid = kbs_protocol.resource_path(plugin_path.split("/")) is not None
    else:
        valid = not colon and kbs_protocol.resource_path(path.split("/")) is not None
    if not sep or not valid:
        raise argparse.ArgumentTypeError("resource must be [provisioner:]repo/type/tag=@file "
                                         "or =hex: " + spec)
    if value.startswith("@"):
        with open(value[1:], "rb") as handle:
            return path, handle.read()
    try:
        return path, bytes.fromhex(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("resource value is not hex: " + spec) from exc


def parse_args(argv):
    p = argparse.ArgumentParser(description="Test KBS (Trustee protocol 0.4.0).")
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = any free)")
    p.add_argument("--port-file", help="write the bound port here once ready")
    p.add_argument("--tls-cert", help="server certificate chain PEM (enables HTTPS)")
    p.add_argument("--tls-key", help="server private key PEM")
    p.add_argument("--client-ca", help="require client certificates issued by this CA (mTLS)")
    p.add_argument("--resource", action="append", default=[], type=_parse_resource,
                   metavar="REPO/TYPE/TAG=@FILE|=HEX")
    p.add_argument("--policy", choices=kbs_token.POLICIES, default="default")
    p.add_argument("--fault", action="append", default=[], metavar="NAME[=VALUE][@SCOPE][*COUNT]")
    p.add_argument("--token-ttl", type=int, default=300, help="token lifetime, seconds")
    p.add_argument("--session-ttl", type=float, default=300, help="session lifetime, seconds")
    p.add_argument("--token-key",
                   help="EC P-256 private key PEM to sign tokens (default: ephemeral)")
    p.add_argument("--trust-token-key", action="append", default=[], metavar="PEM",
                   help="also accept Bearer tokens signed by this key (passport mode)")
    p.add_argument("--log", help="append the log here instead of stderr")
    p.add_argument("--verbose", action="store_true", help="also log every HTTP request line")
    args = p.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if args.client_ca and not args.tls_cert:
        p.error("--client-ca needs --tls-cert/--tls-key")
    return args


def build_server(args) -> KbsServer:
    state = KbsState(args.policy, args.session_ttl, args.token_ttl)
    state.set_faults(args.fault)
    for path, data in args.resource:
        state.set_resource(path, data)
    signing_key = (kbs_token.load_key(args.token_key) if args.token_key
                   else kbs_token.new_signing_key())
    trusted = [signing_key] + [kbs_token.load_key(p) for p in args.trust_token_key]
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(args.client_ca)
    return KbsServer(("127.0.0.1", args.port), App(state, signing_key, trusted), context)


def _write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as handle:
        handle.write("%d\n" % port)
    os.replace(tmp, path)  # readers never see a partial file


def main(argv=None) -> int:
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        logging.basicConfig(filename=args.log,
                            level=logging.DEBUG if args.verbose else logging.INFO,
                            format="%(asctime)s kbs[%(process)d] %(message)s")
        server = build_server(args)
    except (FaultSpecError, OSError, ValueError) as exc:
        print("kbs.py: " + str(exc), file=sys.stderr)
        return 2

    def stop(_signum, _frame):
        server.app.stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = server.server_address[1]
    LOG.info("listening on %s://127.0.0.1:%d policy=%s faults=%s",
             "https" if server.ssl_context else "http", port, args.policy, args.fault)
    if args.port_file:
        _write_port_file(args.port_file, port)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    LOG.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
