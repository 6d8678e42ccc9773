"""What happens to buffered embed usage when the web process ends, with a real `serve` and real
signals (usage.recorder): SIGTERM (a clean stop) writes the buffer before the warehouse closes;
SIGKILL loses what was not flushed yet, and nothing else. The background flush is set to an
hour, so every row is still buffered when the signal arrives."""

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.ops.test_serve import ROOT, _embedded_env, _start, _stop

VIEWS = 3


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _call(url: str, *, key: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(  # noqa: S310 - our own test server
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.loads(response.read() or b"{}")


def _usage_rows(env: dict[str, str], org_id: str) -> int:
    code = (
        "from warehouse.reads import CompiledQuery, run\n"
        "from warehouse.scope import DangerousOrgWideScope\n"
        f"org = {org_id!r}\n"
        "sql = 'SELECT count() FROM usage_events FINAL WHERE org_id = {scope_org_id:String}'\n"
        "print('ROWS', run(CompiledQuery(sql, {'scope_org_id': org},"
        " DangerousOrgWideScope(org_id=org))).scalar())\n"
    )
    out = _manage(env, "shell", "-c", code)
    return int(out.rsplit("ROWS", 1)[1].split()[0])


def _serve_and_view(tmp_path: Path) -> tuple[dict[str, str], object, str]:
    env = _embedded_env(tmp_path, USAGE_FLUSH_SECONDS="3600")
    _manage(env, "migrate", "--noinput")
    _manage(env, "warehouse_migrate")
    created = json.loads(_manage(env, "createorg", "Usage Co", "--owner-email", "o@example.com"))
    served = _start(env)
    key = created["admin_key"]
    widget = {"id": "w_calls", "title": "Calls", "kind": "kpi", "chart": "stat"}
    widget.update(event_name="api.call", metric="count", layout={"x": 0, "y": 0, "w": 3, "h": 2})
    dashboard = _call(
        f"{served.url}/v1/dashboards", key=key, body={"name": "D", "widgets": [widget]}
    )
    _call(f"{served.url}/v1/dashboards/{dashboard['id']}/publish", key=key, body={})
    session = _call(
        f"{served.url}/v1/embed-sessions",
        key=key,
        body={"tenant_id": "acme", "dashboard_id": dashboard["id"], "user": "jane"},
    )
    page = session["embed_url"].replace("http://127.0.0.1:8000", served.url)
    page = page.replace("http://testserver", served.url)
    for _ in range(VIEWS):
        with urllib.request.urlopen(page, timeout=60) as response:  # noqa: S310
            assert response.status == 200
    return env, served, created["org_id"]


def test_a_clean_stop_writes_the_buffered_usage(tmp_path) -> None:
    env, served, org_id = _serve_and_view(tmp_path)
    assert _stop(served, signal.SIGTERM) == 0
    assert f"Wrote {VIEWS} buffered embed-usage rows." in "".join(served.lines)
    assert _usage_rows(env, org_id) == VIEWS


def test_a_killed_process_loses_only_its_unflushed_buffer(tmp_path) -> None:
    env, served, org_id = _serve_and_view(tmp_path)
    os.kill(served.process.pid, signal.SIGKILL)
    served.process.wait(timeout=30)
    assert _usage_rows(env, org_id) == 0  # the buffered views were lost with the process
