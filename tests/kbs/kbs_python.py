"""Interpreter selection: the test KBS needs Debian's python3-jwcrypto and
python3-cryptography, which a pyenv/venv python3 earlier in PATH does not see.
Standard library only, so it can be imported before those packages."""

import os
import subprocess
import sys

SYSTEM_PYTHON = "/usr/bin/python3"
_PROBE = "import jwcrypto, cryptography"


def has_packages(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", _PROBE], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=30, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def find_python() -> str:
    """An interpreter that can run kbs.py: this one if it can, else /usr/bin/python3."""
    try:
        import cryptography  # noqa: F401
        import jwcrypto  # noqa: F401
        return sys.executable
    except ImportError:
        return SYSTEM_PYTHON


def ensure_packages():
    """Re-exec the running script under /usr/bin/python3 when the packages are missing."""
    try:
        import cryptography  # noqa: F401
        import jwcrypto  # noqa: F401
        return
    except ImportError:
        pass
    if os.path.exists(SYSTEM_PYTHON) and not os.environ.get("KBS_REEXEC"):
        os.environ["KBS_REEXEC"] = "1"
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
    sys.exit("%s: python3-jwcrypto/python3-cryptography not importable by %s"
             % (os.path.basename(sys.argv[0]), sys.executable))
