"""A revocation is effective at once in every process, although each process caches the
organization's revocations and signing keys: the cache is keyed by the revocation version that
every revocation bumps, and every verification reads that version.

The second process is real (its own interpreter, caches and database connection), started on
the test database; the test commits (transaction=True) so the other process sees the rows."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from embeds.services import Actor, embed_signing_key_rotate
from tests.embeds.conftest import TENANT_A, TENANT_B

pytestmark = pytest.mark.django_db(transaction=True)
VERIFIER = Path(__file__).with_name("verifier_process.py")


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


class Verifier:
    def __init__(self, env: dict[str, str] | None = None) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **(env or {}),
        }
        self.process = subprocess.Popen(
            [sys.executable, str(VERIFIER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout.readline().strip() == "ready"

    def verify(self, dashboard_id: str, token: str) -> str:
        self.process.stdin.write(f"{dashboard_id} {token}\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def other_process():
    if connection.vendor == "sqlite" and ":memory:" in connection.settings_dict["NAME"]:
        pytest.skip("an in-memory SQLite test database cannot be shared with another process")
    verifier = Verifier()
    yield verifier
    verifier.close()


def test_a_revoked_session_is_refused_at_once_by_a_process_that_cached_the_state(
    api, issue, dashboard, other_process
):
    token, kept = issue(), issue()
    assert other_process.verify(dashboard.pk, token) == "ok"  # state loaded and cached there
    assert other_process.verify(dashboard.pk, token) == "ok"
    session = api.post(f"/v1/embed-sessions/{_jti(token)}/revoke")
    assert session.status_code == 200, session.content
    assert other_process.verify(dashboard.pk, token) == "token_revoked"
    assert other_process.verify(dashboard.pk, kept) == "ok"


def test_tenant_and_organization_revocations_reach_the_other_process(
    api, issue, dashboard, other_process
):
    a, b = issue(tenant_id=TENANT_A), issue(tenant_id=TENANT_B)
    assert [other_process.verify(dashboard.pk, t) for t in (a, b)] == ["ok", "ok"]
    assert (
        api.post("/v1/embed-sessions/revoke", {"tenant_id": TENANT_A}, format="json").status_code
        == 200
    )
    assert [other_process.verify(dashboard.pk, t) for t in (a, b)] == ["token_revoked", "ok"]
    assert api.post("/v1/embed-sessions/revoke", {"all": True}, format="json").status_code == 200
    assert other_process.verify(dashboard.pk, b) == "token_revoked"
    fresh = issue(tenant_id=TENANT_A)  # issued after the revocations: works again
    assert other_process.verify(dashboard.pk, fresh) == "ok"


def test_a_retired_signing_key_and_an_unpublished_dashboard_reach_the_other_process(
    api, org, issue, dashboard, other_process
):
    old = issue()
    assert other_process.verify(dashboard.pk, old) == "ok"
    embed_signing_key_rotate(organization=org.organization, actor=Actor())
    new = issue()
    assert other_process.verify(dashboard.pk, new) == "ok"
    kid = _kid(old)
    assert api.post(f"/v1/embed-keys/{kid}/retire").status_code == 200
    assert other_process.verify(dashboard.pk, old) == "token_revoked"
    assert other_process.verify(dashboard.pk, new) == "ok"
    unpublished = api.post(f"/v1/dashboards/{dashboard.pk}/unpublish")
    assert unpublished.status_code == 200, unpublished.content
    assert other_process.verify(dashboard.pk, new) == "dashboard_unpublished"


def _jti(token: str) -> str:
    import jwt

    return jwt.decode(token, options={"verify_signature": False})["jti"]


def _kid(token: str) -> str:
    import jwt

    return jwt.get_unverified_header(token)["kid"]
