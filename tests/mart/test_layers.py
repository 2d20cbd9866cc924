"""The layers of docs/ARCHITECTURE.md hold, and the lint contract catches a break.

``make lint`` runs import-linter with the contract in pyproject.toml. These tests run
it on the repository (kept) and on a copy with one upward import added (broken), so a
contract that cannot fail would fail here.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mart", "books", "printers", "inventory", "members", "pos", "rollup")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.single_pass


def _lint_imports(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy_sources(to: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", to / "pyproject.toml")
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            target = to / source.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target)


def test_the_repository_keeps_its_layers():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("inventory/models.py", "import pos.models"),
        ("mart/audit.py", "import members.models"),
        ("printers/layout.py", "import inventory"),
        ("pos/services/returns.py", "import rollup.branch"),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    _copy_sources(tmp_path)
    path = tmp_path / module
    path.write_text(path.read_text() + f"\n{upward}  # added by the test\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert upward.split()[1].split(".")[0] in result.stdout
