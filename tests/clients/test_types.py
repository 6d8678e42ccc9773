"""The JS packages' hand-written .d.ts files compile, strict, against the documented usage
(tests/clients/types/usage.tsx, the README's examples): a wrong or missing type fails here."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TSC_LIMIT = 180  # seconds; bounds a hung compiler on a busy machine, not a speed assertion


def test_the_type_declarations_describe_the_documented_usage():
    result = subprocess.run(
        ["node", "node_modules/typescript/bin/tsc", "-p", "tests/clients/types"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TSC_LIMIT,
    )

    assert result.returncode == 0, result.stdout + result.stderr
