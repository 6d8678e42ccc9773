"""The layout is checked, not only described: `lint-imports` runs the contracts of
pyproject.toml ([tool.importlinter]: the floors, no app importing another app's models, no
import cycles, one package per app in each front door) as part of the test run.

The contracts must also bite: on a copy of the source with one forbidden import added, each
breaks (so a contract that silently matches nothing would fail here)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
    "root_packages"
]


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin", "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_are_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("layout")
    shutil.copy(ROOT / "pyproject.toml", copy)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("*.pyc"))
    return copy


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("warehouse/compiler.py", "import dashboards.spec", "Floors"),
        ("core/ids.py", "import warehouse.scope", "Floors"),
        ("dashboards/data.py", "import embeds.queries", "Floors"),
        ("api/embeds/views.py", "import console.access", "Floors"),
        ("embeds/tokens.py", "import dashboards.models", "Apps talk through services"),
        ("ops/views.py", "import embeds.models", "Apps talk through services"),
        ("alerts/delivery.py", "import alerts.evaluation", "No import cycles"),
        ("console/embeds/views.py", "import console.dashboards.views", "One package per app"),
    ],
)
def test_each_contract_breaks_on_a_forbidden_import(
    source_copy: Path, module: str, line: str, contract: str
) -> None:
    path = source_copy / module
    original = path.read_text()
    path.write_text(f"{original}\n{line}  # noqa\n")
    try:
        result = lint_imports(source_copy)
    finally:
        path.write_text(original)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert len(broken) == 1 and broken[0].startswith(contract), result.stdout
