"""Start/stop the test KBS from Python tests (standard library only).

    from kbs_fixture import running_kbs
    with running_kbs(resources={"default/key/1": b"secret"}, policy="allow-all") as kbs:
        run attest-cli against kbs.base_url ...
        assert kbs.stats()["requests"]["auth"] == 1

See README.md for the full API.
"""

import contextlib
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
KBS_SCRIPT = os.path.join(HERE, "kbs.py")
sys.path.insert(0, HERE)
import kbs_python  # noqa: E402


class KbsStartError(RuntimeError):
    pass


class KbsProcess:
    """One kbs.py process on 127.0.0.1 with a free port, its own temp directory and log."""

    def __init__(self, *, resources=None, policy="default", faults=(), tls=None, mtls=False,
                 token_ttl=None, session_ttl=None, token_key=None, trust_token_keys=(),
                 extra_args=(), python=None, start_timeout=30.0):
        self._resources = dict(resources or {})
        self._policy = policy
        self._faults = list(faults)
        self.tls = tls              # dict from make_test_ca.make_test_pki(), or None
        self.mtls = mtls
        self._token_ttl, self._session_ttl = token_ttl, session_ttl
        self._token_key, self._trust = token_key, list(trust_token_keys)
        self._extra = list(extra_args)
        self._python = python or kbs_python.find_python()
        self._start_timeout = start_timeout
        self.workdir = None
        self.proc = None
        self.port = None

    # ------------------------------------------------------------ lifecycle ---
    def command(self) -> list:
        wd = self.workdir
        cmd = [self._python, KBS_SCRIPT, "--port", "0", "--port-file", os.path.join(wd, "port"),
               "--log", self.log_path, "--policy", self._policy]
        for index, (path, data) in enumerate(sorted(self._resources.items())):
            file_path = os.path.join(wd, "resource%d.bin" % index)
            with open(file_path, "wb") as handle:
                handle.write(data)
            cmd += ["--resource", "%s=@%s" % (path, file_path)]
        for fault in self._faults:
            cmd += ["--fault", fault]
        if self.tls:
            cmd += ["--tls-cert", self.tls["server_cert"], "--tls-key", self.tls["server_key"]]
            if self.mtls:
                cmd += ["--client-ca", self.tls["ca"]]
        if self._token_ttl is not None:
            cmd += ["--token-ttl", str(self._token_ttl)]
        if self._session_ttl is not None:
            cmd += ["--session-ttl", str(self._session_ttl)]
        if self._token_key:
            cmd += ["--token-key", self._token_key]
        for key in self._trust:
            cmd += ["--trust-token-key", key]
        return cmd + self._extra

    def start(self):
        self.workdir = tempfile.mkdtemp(prefix="testkbs-")
        self.log_path = os.path.join(self.workdir, "kbs.log")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        with open(os.path.join(self.workdir, "stderr"), "wb") as stderr:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        port_file = os.path.join(self.workdir, "port")
        deadline = time.monotonic() + self._start_timeout
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                text = self._read(os.path.join(self.workdir, "stderr"))
                self.stop()
                raise KbsStartError("test KBS did not start: " + text.strip())
            time.sleep(0.05)
        with open(port_file, encoding="ascii") as handle:
            self.port = int(handle.read().strip())
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.workdir and not os.environ.get("KBS_KEEP_WORKDIR"):
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()

    # ---------------------------------------------------------------- info ---
    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def base_url(self) -> str:
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    @staticmethod
    def _read(path) -> str:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def log_text(self) -> str:
        return self._read(self.log_path) if self.workdir else ""

    def ssl_context(self):
        """Client context trusting the test CA (with the client cert when mtls)."""
        if not self.tls:
            return None
        context = ssl.create_default_context(cafile=self.tls["ca"])
        if self.mtls:
            context.load_cert_chain(self.tls["client_cert"], self.tls["client_key"])
        return context

    # --------------------------------------------------------------- admin ---
    def request(self, method, path, body=None, headers=None):
        """Plain HTTP(S) request; returns (status, headers, body bytes)."""
        req = urllib.request.Request(self.base_url + path, data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30, context=self.ssl_context()) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, err.read()

    def _json(self, method, path, obj=None):
        body = None if obj is None else json.dumps(obj).encode()
        status, _, data = self.request(method, path, body)
        if status != 200:
            raise RuntimeError("%s %s -> %d %s" % (method, path, status, data[:200]))
        return json.loads(data)

    def set_faults(self, specs) -> list:
        return self._json("POST", "/test/faults", list(specs))["faults"]

    def faults(self) -> list:
        return self._json("GET", "/test/faults")["faults"]

    def stats(self) -> dict:
        return self._json("GET", "/test/stats")

    def reset(self):
        self._json("POST", "/test/reset", {})

    def set_policy(self, policy: str):
        self._json("POST", "/test/policy", {"policy": policy})

    def put_resource(self, path: str, data: bytes):
        status, _, body = self.request("POST", "/kbs/v0/resource/" + path, data,
                                       {"Content-Type": "application/octet-stream"})
        if status != 200:
            raise RuntimeError("set resource %s -> %d %s" % (path, status, body[:200]))

    def delete_resource(self, path: str) -> int:
        return self.request("DELETE", "/kbs/v0/resource/" + path)[0]

    def healthz(self) -> bool:
        return self.request("GET", "/healthz")[0] == 200


@contextlib.contextmanager
def running_kbs(**kwargs):
    """Context manager form of KbsProcess(**kwargs)."""
    kbs = KbsProcess(**kwargs).start()
    try:
        yield kbs
    finally:
        kbs.stop()
