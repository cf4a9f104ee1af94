"""Interpreter selection: the test KBS needs Debian's python3-jwcrypto and
python3-cryptography, which a pyenv/venv python3 earlier in PATH does not see.
Standard library only, so it can be imported before those packages."""

import importlib.util
import os
import sys

SYSTEM_PYTHON = "/usr/bin/python3"
_PROBE = "import jwcrypto, cryptography"


def packages_importable() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("jwcrypto", "cryptography"))


def find_python() -> str:
    """An interpreter that can run kbs.py: this one if it can, else /usr/bin/python3."""
    return sys.executable if packages_importable() else SYSTEM_PYTHON


def ensure_packages():
    """Re-exec the running script under /usr/bin/python3 when the packages are missing."""
    if packages_importable():
        return
    if os.path.exists(SYSTEM_PYTHON) and not os.environ.get("KBS_REEXEC"):
        os.environ["KBS_REEXEC"] = "1"
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
    sys.exit("%s: python3-jwcrypto/python3-cryptography not importable by %s"
             % (os.path.basename(sys.argv[0]), sys.executable))


def require_packages():
    """For test modules: fail with a clear message instead of re-executing."""
    if not packages_importable():
        raise ImportError("python3-jwcrypto/python3-cryptography not importable by "
                          + sys.executable + "; run the tests with /usr/bin/python3")
