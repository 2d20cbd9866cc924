"""`make install` builds the venv on the system's own Python when there is one of 3.11
or newer that can make a venv (Debian's: built with profile-guided and link-time
optimisation, a sale 15% less of the app's CPU than on a pyenv build; pos/README.md,
"Which Python"), else on python3 from PATH; PYTHON=... chooses another."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYSTEM = Path("/usr/bin/python3")


def _venv_command(**env) -> str:
    """The command `make install` would make the venv with (dry run: nothing is made)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "MAKEFLAGS")}
    environ.update(env)
    out = subprocess.run(
        ["make", "-n", "-B", "-s", ".venv/.installed"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return next(line for line in out.splitlines() if " -m venv " in line)


def _system_python_fits() -> bool:
    if not SYSTEM.exists():
        return False
    check = "import sys, ensurepip; sys.exit(sys.version_info < (3, 11))"
    return subprocess.run([str(SYSTEM), "-c", check], capture_output=True).returncode == 0


def test_the_venv_is_made_by_the_systems_python_when_it_fits():
    expected = str(SYSTEM) if _system_python_fits() else "python3"
    assert _venv_command() == f"{expected} -m venv .venv"


def test_python_given_is_the_one_used():
    assert _venv_command(PYTHON="python3.11") == "python3.11 -m venv .venv"
