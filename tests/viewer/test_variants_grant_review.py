"""A second look at the designer's grant (issue 11's security list): ways to see more than
the token allows that the first tests did not try."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dashboards.models import DashboardVariant
from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import TENANT_A, TENANT_B
from tests.factories import event, insert, widget
from warehouse.query import locked_value

pytestmark = pytest.mark.django_db

ALL_PERIODS = ("24h", "7d", "30d", "90d", "custom")
BOX = {"x": 0, "y": 0, "w": 6, "h": 4}


def designer(**extra: Any) -> EmbedPermissions:
    return EmbedPermissions(allowed_periods=ALL_PERIODS, role="designer", **extra)


@pytest.fixture
def put(client):
    def send(dashboard_id: str, token: str, body: Any) -> Any:
        return client.put(
            f"/embed/{dashboard_id}/variant",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return send


@pytest.mark.parametrize(
    "shape",
    [
        {"kind": "timeseries", "chart": "line", "bucket": "day"},
        {"kind": "breakdown", "chart": "bar", "group_by": ["model"], "limit": 10},
    ],
    ids=["over-time", "by-model"],
)
def test_a_hidden_widget_cannot_be_copied_in_another_shape(issue, put, dashboard, seeded, shape):
    """w_secret (sum of cost over api.call) is hidden: the same numbers as a series or a
    breakdown are the hidden widget again."""
    token = issue(user="jane", permissions=designer(hidden_widgets=("w_secret",)))
    twin = widget("w_my_cost", title="Mine", metric="sum", prop="cost", layout=BOX, **shape)

    response = put(dashboard.pk, token, {"widgets": [twin]})

    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "widget_hidden"
    assert not DashboardVariant.objects.exists()


def test_what_a_visible_widget_computes_stays_chartable_in_any_shape(issue, put, dashboard, seeded):
    """The count of api.call is visible (w_kpi): hiding w_secret does not forbid it."""
    token = issue(user="jane", permissions=designer(hidden_widgets=("w_secret",)))
    counts = widget(
        "w_my_counts", kind="breakdown", chart="bar", group_by=["plan"], limit=5, layout=BOX
    )

    assert put(dashboard.pk, token, {"widgets": [counts]}).status_code == 200


def test_edit_state_never_offers_values_from_outside_the_lock(issue, embed_get, dashboard, seeded):
    """The schema is read under the session's locks: a designer locked to plan=pro is offered
    the values and keys of pro rows only (tenant A: gpt-4 on /chat), never claude or /embed
    (plan=free rows), even when an unlocked session of the same tenant asked first (the cache)."""
    free = issue(user="ann", permissions=designer())
    locked = issue(user="jane", permissions=designer(locked_filters={"plan": "pro"}))

    first = embed_get(f"/embed/{dashboard.pk}/variant", free).json()["schema"]
    second = embed_get(f"/embed/{dashboard.pk}/variant", locked)

    assert "claude" in first["top_values"]["model"]  # only ever on plan=free rows
    assert second.status_code == 200, second.content
    values = second.json()["schema"]["top_values"]
    assert values["model"] == ["gpt-4"] and values["endpoint"] == ["/chat"]
    assert "claude" not in second.content.decode() and "/embed" not in second.content.decode()


@pytest.mark.parametrize(
    "lock",
    [["free"], {"tokens": {"lt": 100}}],
    ids=["list", "range"],
)
def test_edit_state_under_a_list_or_range_lock_offers_only_its_rows(
    issue, embed_get, dashboard, seeded, org, lock
):
    """A key carried only by rows outside the lock is not offered either (its name is data)."""
    insert(
        [
            event(
                org_id=org.organization.pk,
                tenant_id=TENANT_A,
                timestamp=datetime.now(UTC) - timedelta(hours=1),
                string_props={"model": "gpt-4", "plan": "pro", "pro_only_flag": "yes"},
                numeric_props={"tokens": 500, "pro_only_score": 7},
            )
        ]
    )
    locks = {"plan": tuple(lock)} if isinstance(lock, list) else lock
    token = issue(user="jane", permissions=designer(locked_filters=locks_of(locks)))

    response = embed_get(f"/embed/{dashboard.pk}/variant", token)

    assert response.status_code == 200, response.content
    schema = response.json()["schema"]
    assert schema["top_values"]["model"] == ["claude"]  # the one free / tokens < 100 row
    assert "pro_only_flag" not in schema["string_keys"]
    assert "pro_only_score" not in schema["numeric_keys"]
    assert "gpt-4" not in response.content.decode()


def locks_of(raw: dict[str, Any]) -> dict[str, Any]:
    return {key: locked_value(value) for key, value in raw.items()}


def data_of(embed_get, dashboard, token) -> dict[str, Any]:
    response = embed_get(f"/embed/{dashboard.pk}/data", token, period="7d")
    assert response.status_code == 200, response.content
    return {w["id"]: w for w in response.json()["widgets"]}


@pytest.mark.parametrize("key", ["Plan", "PLAN"])
def test_a_filter_key_differing_in_case_does_not_lift_the_lock(
    issue, embed_get, put, dashboard, seeded, key
):
    """Keys are case-sensitive properties: `Plan=free` is another property, ANDed with the
    locked `plan=pro`, so it can only narrow (tenant A: 2 pro calls, 1 free)."""
    token = issue(user="jane", permissions=designer(locked_filters={"plan": "pro"}))
    sneaky = widget("w_my_free", filters={key: "free"}, layout=BOX)

    response = put(dashboard.pk, token, {"widgets": [sneaky]})

    if response.status_code == 200:
        assert data_of(embed_get, dashboard, token)["w_my_free"]["data"]["value"] == 0
    else:
        assert response.status_code in (400, 403), response.content


@pytest.mark.parametrize("key", ["plan ", " plan", "pl an", "plan\u200b"])
def test_a_filter_key_with_whitespace_or_invisible_characters_is_refused(
    issue, put, dashboard, seeded, key
):
    token = issue(user="jane", permissions=designer(locked_filters={"plan": "pro"}))

    response = put(dashboard.pk, token, {"widgets": [widget("w_my_free", filters={key: "free"})]})

    assert response.status_code == 400, response.content
    assert not DashboardVariant.objects.exists()


def test_a_single_widget_designer_session_cannot_save(issue, put, embed_get, dashboard, seeded):
    token = issue(user="jane", permissions=designer(widget_id="w_kpi"))

    saved = put(dashboard.pk, token, {"widgets": [widget("w_my_calls", layout=BOX)]})
    state = embed_get(f"/embed/{dashboard.pk}/variant", token)

    assert saved.status_code == 403 and saved.json()["error"]["code"] == "not_designer"
    assert state.status_code == 403
    assert not DashboardVariant.objects.exists()


def test_a_widget_spec_string_is_a_parameter_never_sql(issue, embed_get, put, dashboard, seeded):
    """SQL and unicode in property names and values: refused by the key pattern, or bound."""
    token = issue(user="jane", permissions=designer())
    injected = put(
        dashboard.pk,
        token,
        {"widgets": [widget("w_my_x", metric="sum", prop="cost']) OR 1=1 --", layout=BOX)]},
    )
    value = widget("w_my_v", filters={"model": "x' OR '1'='1 — ünï ☃"}, layout=BOX)

    assert injected.status_code == 400
    assert put(dashboard.pk, token, {"widgets": [value]}).status_code == 200
    assert data_of(embed_get, dashboard, token)["w_my_v"]["data"]["value"] == 0


def test_a_tenant_view_never_shows_a_reshaped_hidden_widget_to_whom_it_is_hidden(
    issue, embed_get, put, dashboard, seeded
):
    sees_all = issue(user="ann", permissions=designer(variant_scope="tenant"))
    series = widget(
        "w_my_cost", kind="timeseries", chart="line", bucket="day", metric="sum", prop="cost"
    )
    assert put(dashboard.pk, sees_all, {"widgets": [{**series, "layout": BOX}]}).status_code == 200
    assert "w_my_cost" in data_of(embed_get, dashboard, sees_all)

    hidden = issue(
        permissions=EmbedPermissions(
            allowed_periods=ALL_PERIODS, variant_scope="tenant", hidden_widgets=("w_secret",)
        )
    )

    assert "w_my_cost" not in data_of(embed_get, dashboard, hidden)
    config = embed_get(f"/embed/{dashboard.pk}/config", hidden).json()
    assert "w_my_cost" not in [w["id"] for w in config["widgets"]]


def test_owner_ids_in_the_query_string_are_ignored_and_a_reset_is_the_sessions_own(
    issue, put, client, dashboard, seeded
):
    jane = issue(tenant_id=TENANT_A, user="jane", permissions=designer())
    bob = issue(tenant_id=TENANT_A, user="bob", permissions=designer())
    b_ann = issue(tenant_id=TENANT_B, user="ann", permissions=designer())
    assert put(dashboard.pk, bob, {"widgets": []}).status_code == 200
    assert put(dashboard.pk, b_ann, {"widgets": []}).status_code == 200

    sneaky = client.put(
        f"/embed/{dashboard.pk}/variant?tenant_id={TENANT_B}&user=ann&scope=tenant",
        json.dumps({"widgets": [widget("w_my_calls", layout=BOX)]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {jane}",
    )
    reset = client.delete(
        f"/embed/{dashboard.pk}/variant?user=bob&tenant_id={TENANT_B}",
        HTTP_AUTHORIZATION=f"Bearer {jane}",
    )

    assert sneaky.status_code == 200 and reset.status_code == 200
    owners = sorted(DashboardVariant.objects.values_list("tenant_id", "user", "widgets"))
    assert owners == [(TENANT_A, "bob", []), (TENANT_B, "ann", [])]  # jane's own, reset


def test_edit_state_offers_no_values_seen_only_on_events_outside_the_grant(
    issue, embed_get, dashboard, seeded, org
):
    """`model` is also carried by `billing.invoice`, which the session may not chart: a value
    seen only there is not offered (the top values are counted per key over every event)."""
    insert(
        [
            event(
                org_id=org.organization.pk,
                tenant_id=TENANT_A,
                event_name="billing.invoice",
                user_id="alice",
                timestamp=datetime.now(UTC) - timedelta(hours=1),
                string_props={"model": "invoice-only-model"},
            )
        ]
    )
    token = issue(user="jane", permissions=designer())  # may chart api.call only

    response = embed_get(f"/embed/{dashboard.pk}/variant", token)

    assert response.status_code == 200, response.content
    assert response.json()["schema"]["events"] == ["api.call"]
    assert "invoice-only-model" not in response.content.decode()


def test_a_funnel_step_outside_the_allowed_events_is_refused(issue, put, dashboard, seeded):
    token = issue(user="jane", permissions=designer(allowed_events=("api.call",)))
    funnel = widget(
        "w_my_funnel",
        kind="funnel",
        chart="funnel",
        metric="count_unique",
        steps=["api.call", "billing.invoice"],
        layout=BOX,
    )

    response = put(dashboard.pk, token, {"widgets": [funnel]})

    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "event_not_allowed"
    assert not DashboardVariant.objects.exists()


def test_a_ratio_part_cannot_filter_on_a_locked_key(issue, put, embed_get, dashboard, seeded):
    """A numerator filtered on plan=free would read the locked-out rows: refused; the same
    ratio on an unlocked key is saved and read under the lock (tenant A: 2 pro calls)."""
    token = issue(user="jane", permissions=designer(locked_filters={"plan": "pro"}))

    def ratio_widget(part_filters: dict[str, str]) -> dict[str, Any]:
        return widget(
            "w_my_share",
            metric="ratio",
            ratio={
                "numerator": {"metric": "count", "filters": part_filters},
                "denominator": {"metric": "count"},
            },
            layout=BOX,
        )

    refused = put(dashboard.pk, token, {"widgets": [ratio_widget({"plan": "free"})]})
    saved = put(dashboard.pk, token, {"widgets": [ratio_widget({"model": "gpt-4"})]})

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "filter_locked"
    assert saved.status_code == 200, saved.content
    assert data_of(embed_get, dashboard, token)["w_my_share"]["data"]["value"] == 1.0
