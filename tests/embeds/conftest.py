"""Builders for the embeds tests: a published dashboard with every widget kind, events for
two tenants of one organization and the same tenant id in another organization, and sessions."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accounts.services import NewOrganization
from dashboards.models import Dashboard
from dashboards.services import dashboard_create, dashboard_publish
from embeds.services import Actor, SessionRequest, embed_session_create
from embeds.tokens import EmbedPermissions
from tests.factories import event, insert, spec, widget

TENANT_A, TENANT_B = "tenant_a", "tenant_b"


def all_kinds_spec() -> dict[str, Any]:
    """One widget of every kind and chart, plus a widget the tests hide."""
    return spec(
        "All kinds",
        default_period="7d",
        filters=[{"dimension": "model", "label": "Model"}, {"dimension": "plan", "label": "Plan"}],
        widgets=[
            widget("w_kpi", title="Calls", layout={"x": 0, "y": 0, "w": 3, "h": 2}),
            widget(
                "w_progress",
                title="Tokens",
                chart="progress",
                metric="sum",
                prop="tokens",
                target=1000,
                layout={"x": 3, "y": 0, "w": 3, "h": 2},
            ),
            widget(
                "w_series",
                title="Calls over time",
                kind="timeseries",
                chart="area",
                bucket="day",
                layout={"x": 0, "y": 2, "w": 6, "h": 5},
            ),
            widget(
                "w_split",
                title="Calls by model",
                kind="timeseries",
                chart="bar",
                bucket="day",
                group_by=["model"],
                layout={"x": 6, "y": 2, "w": 6, "h": 5},
            ),
            widget(
                "w_bars",
                title="Top models",
                kind="breakdown",
                chart="bar",
                group_by=["model"],
                limit=5,
                layout={"x": 0, "y": 7, "w": 6, "h": 5},
            ),
            widget(
                "w_list",
                title="Top endpoints",
                kind="breakdown",
                chart="list",
                group_by=["endpoint"],
                limit=5,
                layout={"x": 6, "y": 7, "w": 6, "h": 5},
            ),
            widget(
                "w_table",
                title="Calls by model and endpoint",
                kind="table",
                chart="table",
                group_by=["model", "endpoint"],
                limit=20,
                layout={"x": 0, "y": 12, "w": 12, "h": 5},
            ),
            widget(
                "w_secret",
                title="Internal margin",
                metric="sum",
                prop="cost",
                layout={"x": 6, "y": 0, "w": 3, "h": 2},
            ),
        ],
    )


def publish(organization: Any, raw_spec: dict[str, Any] | None = None) -> Dashboard:
    dashboard = dashboard_create(organization=organization, spec=raw_spec or all_kinds_spec())
    return dashboard_publish(dashboard=dashboard).dashboard


@dataclass(frozen=True)
class TenantData:
    """What each tenant sent: tenant A has 3 calls (gpt-4 x2 on /chat, claude x1 on /embed),
    tenant B has 5 calls on model 'b-only-model', and the other organization's tenant with
    A's id has 7 calls on 'other-org-model'."""

    a_calls: int = 3
    b_calls: int = 5
    other_org_calls: int = 7


def seed_events(org_id: str, other_org_id: str) -> TenantData:
    now = datetime.now(UTC)
    rows = [
        event(
            org_id=org_id,
            tenant_id=TENANT_A,
            user_id="alice",
            timestamp=now - timedelta(hours=2),
            string_props={"model": "gpt-4", "endpoint": "/chat", "plan": "pro"},
            numeric_props={"tokens": 100, "cost": 1},
        ),
        event(
            org_id=org_id,
            tenant_id=TENANT_A,
            user_id="alice",
            timestamp=now - timedelta(hours=30),
            string_props={"model": "gpt-4", "endpoint": "/chat", "plan": "pro"},
            numeric_props={"tokens": 200, "cost": 2},
        ),
        event(
            org_id=org_id,
            tenant_id=TENANT_A,
            user_id="bob",
            timestamp=now - timedelta(hours=3),
            string_props={"model": "claude", "endpoint": "/embed", "plan": "free"},
            numeric_props={"tokens": 50, "cost": 3},
        ),
    ]
    rows += [
        event(
            org_id=org_id,
            tenant_id=TENANT_B,
            user_id=f"b_user_{i}",
            timestamp=now - timedelta(hours=1 + i),
            string_props={"model": "b-only-model", "endpoint": "/b-secret", "plan": "pro"},
            numeric_props={"tokens": 1000, "cost": 9},
        )
        for i in range(5)
    ]
    rows += [
        event(
            org_id=other_org_id,
            tenant_id=TENANT_A,
            user_id=f"other_{i}",
            timestamp=now - timedelta(hours=1 + i),
            string_props={"model": "other-org-model", "endpoint": "/other-org", "plan": "pro"},
            numeric_props={"tokens": 5000, "cost": 99},
        )
        for i in range(7)
    ]
    insert(rows)
    return TenantData()


@pytest.fixture
def dashboard(org: NewOrganization) -> Dashboard:
    return publish(org.organization)


@pytest.fixture
def seeded(org: NewOrganization, other_org: NewOrganization) -> TenantData:
    return seed_events(org.organization.pk, other_org.organization.pk)


IssueToken = Callable[..., str]


@pytest.fixture
def issue(org: NewOrganization, dashboard: Dashboard) -> IssueToken:
    """issue(tenant_id=…, permissions=EmbedPermissions(…), …) -> a token for `dashboard`."""

    def make(
        *,
        tenant_id: str = TENANT_A,
        dashboard_id: str | None = None,
        organization: Any = None,
        expires_in: int = 3600,
        permissions: EmbedPermissions | None = None,
        **extra: Any,
    ) -> str:
        request = SessionRequest(
            dashboard_id=dashboard_id or dashboard.pk,
            tenant_id=tenant_id,
            expires_in=expires_in,
            permissions=permissions
            or EmbedPermissions(allowed_periods=("24h", "7d", "30d", "90d", "custom")),
            **extra,
        )
        issued = embed_session_create(
            organization=organization or org.organization,
            request=request,
            actor=Actor(api_key=org.admin_key.key),
        )
        return issued.token

    return make


@pytest.fixture
def embed_get(client: Any) -> Callable[..., Any]:
    """embed_get(path, token, **params) -> a GET with the token as bearer."""

    def get(path: str, token: str | None, **params: Any) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
        return client.get(path, params, **headers)

    return get
