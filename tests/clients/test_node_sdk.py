"""@sightline/node's own tests (node's test runner) against a live Sightline: pytest-django's
live_server, a fresh organization and its admin key. Node's TAP summary must show every test
passed and none skipped, so the live tests cannot silently not run."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "clients" / "js" / "node"
NODE_LIMIT = 300  # seconds; bounds a hung run on a busy machine, not a speed assertion

pytestmark = pytest.mark.django_db(transaction=True)


def run_node_tests(env: dict[str, str]) -> str:
    node = shutil.which("node")
    assert node, "Node 20+ is required for the JS clients' tests"
    result = subprocess.run(
        [node, "--test", "--test-reporter=tap", "test/"],
        cwd=PACKAGE,
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_LIMIT,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


def summary(output: str, name: str) -> int:
    match = re.search(rf"^# {name} (\d+)$", output, re.M)
    assert match, output[-3000:]
    return int(match.group(1))


def test_the_node_sdk_passes_its_tests_against_a_live_server(live_server, org):
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "SIGHTLINE_HOST": live_server.url,
        "SIGHTLINE_API_KEY": org.admin_key.secret,
    }

    output = run_node_tests(env)

    assert summary(output, "fail") == 0
    assert summary(output, "skipped") == 0
    assert summary(output, "pass") >= 9, output[-3000:]
    assert "ok" in output and "10,000 events" in output
