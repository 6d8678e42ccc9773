"""The React host page of the JS clients' browser tests (tests/browser/react_app, built once by
Vite), served from another origin than live_server, and the helpers its tests share."""

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from embeds.services import Actor, SessionRequest, embed_session_create
from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import TENANT_A, publish

ALL_PERIODS = ("24h", "7d", "30d", "90d", "custom")
ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "tests" / "browser" / "react_app"
BUILD_LIMIT = 180  # seconds; bounds a hung build on a busy machine, not a speed assertion


@pytest.fixture(scope="session")
def react_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("react_app")
    subprocess.run(
        [
            "node",
            "node_modules/vite/bin/vite.js",
            "build",
            "--config",
            str(APP / "vite.config.mjs"),
            "--outDir",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        timeout=BUILD_LIMIT,
        capture_output=True,
    )
    return out


@pytest.fixture
def host_app(react_build, other_origin, org, live_server) -> dict[str, Any]:
    origin, directory = other_origin
    for path in react_build.rglob("*"):
        if path.is_file():
            target = directory / path.relative_to(react_build)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    org.organization.allowed_embed_origins = [origin]
    org.organization.save()
    from tests.browser.test_embed import seed_demo_events  # imports this package's conftest

    seed_demo_events(org.organization.pk)
    return {"origin": origin, "server": live_server.url, "dashboard": publish(org.organization)}


def session(org: Any, dashboard_id: str, **extra: Any) -> Any:
    permissions = extra.pop(
        "permissions", EmbedPermissions(allowed_periods=ALL_PERIODS, allow_drill_down=True)
    )
    request = SessionRequest(
        dashboard_id=dashboard_id,
        tenant_id=TENANT_A,
        expires_in=extra.pop("expires_in", 3600),
        permissions=permissions,
        **extra,
    )
    return embed_session_create(organization=org.organization, request=request, actor=Actor())


def open_app(page: Any, app: dict[str, Any], **scenario: Any) -> None:
    scenario.setdefault("host", app["server"])
    scenario.setdefault("dashboardId", app["dashboard"].pk)
    page.goto(f"{app['origin']}/index.html#{json.dumps(scenario)}")


def events_of(page: Any, kind: str) -> list[dict[str, Any]]:
    return page.evaluate(f"window.events.filter(e => e.type === {kind!r}).map(e => e.payload)")


def wait_for_event(page: Any, kind: str, count: int = 1) -> dict[str, Any]:
    page.wait_for_function(f"window.events.filter(e => e.type === {kind!r}).length >= {count}")
    return events_of(page, kind)[-1]
