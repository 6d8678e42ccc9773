"""The designer role through the embed endpoints: saving a variant, what it shows, and every
way a designer could try to see more than the token allows (issue 11's security list)."""

import json
from typing import Any

import pytest

from dashboards.models import DashboardVariant
from dashboards.services import dashboard_publish, dashboard_update
from embeds.tokens import EmbedPermissions
from tests.embeds.conftest import TENANT_A, TENANT_B
from tests.factories import widget

pytestmark = pytest.mark.django_db

ALL_PERIODS = ("24h", "7d", "30d", "90d", "custom")


def designer(**extra: Any) -> EmbedPermissions:
    return EmbedPermissions(allowed_periods=ALL_PERIODS, role="designer", **extra)


def viewer(**extra: Any) -> EmbedPermissions:
    return EmbedPermissions(allowed_periods=ALL_PERIODS, **extra)


def by_model(widget_id: str = "w_my_models", **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "My models",
        "kind": "breakdown",
        "chart": "bar",
        "group_by": ["model"],
        "limit": 10,
        "layout": {"x": 0, "y": 0, "w": 6, "h": 4},
        **extra,
    }
    return widget(widget_id, **fields)


@pytest.fixture
def put(client):
    def send(dashboard_id: str, token: str, body: Any, *, raw: bytes | None = None) -> Any:
        return client.put(
            f"/embed/{dashboard_id}/variant",
            raw if raw is not None else json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    return send


def config_of(embed_get, dashboard, token) -> dict[str, Any]:
    response = embed_get(f"/embed/{dashboard.pk}/config", token)
    assert response.status_code == 200, response.content
    return response.json()


def data_of(embed_get, dashboard, token, **params) -> dict[str, Any]:
    response = embed_get(f"/embed/{dashboard.pk}/data", token, **params)
    assert response.status_code == 200, response.content
    return {w["id"]: w for w in response.json()["widgets"]}


def test_a_designer_saves_a_widget_its_tenant_sees_with_its_own_data_only(
    issue, embed_get, put, dashboard, seeded
):
    token = issue(tenant_id=TENANT_A, user="jane", permissions=designer())

    response = put(dashboard.pk, token, {"widgets": [by_model()], "revision": 0})

    assert response.status_code == 200, response.content
    config = response.json()["config"]
    assert "w_my_models" in [w["id"] for w in config["widgets"]]
    assert config["variant"]["own"] == ["w_my_models"]
    stored = DashboardVariant.objects.get()
    assert (stored.tenant_id, stored.scope, stored.user) == (TENANT_A, "user", "jane")
    rows = data_of(embed_get, dashboard, token, period="7d")["w_my_models"]["data"]["rows"]
    assert {r["key"]: r["value"] for r in rows} == {"gpt-4": 2, "claude": 1}
    # The same user name at another tenant has no variant: the published dashboard.
    other = issue(tenant_id=TENANT_B, user="jane", permissions=designer())
    assert "w_my_models" not in [w["id"] for w in config_of(embed_get, dashboard, other)["widgets"]]
    assert "w_my_models" not in data_of(embed_get, dashboard, other)


def test_a_variant_widget_cannot_read_another_tenant(issue, embed_get, put, dashboard, seeded):
    """A filter named tenant_id is a property filter: the token's tenant is the scope."""
    token = issue(tenant_id=TENANT_A, user="jane", permissions=designer())
    sneaky = widget("w_my_b", title="B?", filters={"tenant_id": TENANT_B})
    assert put(dashboard.pk, token, {"widgets": [sneaky]}).status_code == 200

    body = embed_get(f"/embed/{dashboard.pk}/data", token, period="7d")

    assert {w["id"]: w for w in body.json()["widgets"]}["w_my_b"]["data"]["value"] == 0
    assert "b-only-model" not in body.content.decode()


def test_an_event_outside_allowed_events_is_refused(issue, put, dashboard, seeded):
    login = widget("w_my_logins", event_name="login")
    default = issue(user="jane", permissions=designer())  # default: the dashboard's events

    refused = put(dashboard.pk, default, {"widgets": [login]})

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "event_not_allowed"
    assert refused.json()["error"]["details"][0]["field"] == "widgets[0].event_name"
    assert not DashboardVariant.objects.exists()
    narrow = issue(user="jane", permissions=designer(allowed_events=("login",)))
    assert put(dashboard.pk, narrow, {"widgets": [widget("w_my_calls")]}).status_code == 403
    assert put(dashboard.pk, narrow, {"widgets": [login]}).status_code == 200


def test_a_locked_filter_cannot_be_lifted(issue, embed_get, put, dashboard, seeded):
    locked = issue(user="jane", permissions=designer(locked_filters={"plan": "pro"}))
    free = widget("w_my_free", filters={"plan": "free"})

    refused = put(dashboard.pk, locked, {"widgets": [free]})

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "filter_locked"
    # A tenant's shared view made without the lock: a viewer under the lock does not get the
    # widget that filters on the locked key at all (the same check as a save), and the others
    # are read under the viewer's own lock (test_the_data_cache_is_keyed_by_…).
    shared = issue(user="ann", permissions=designer(variant_scope="tenant"))
    assert put(dashboard.pk, shared, {"widgets": [free]}).status_code == 200
    assert data_of(embed_get, dashboard, shared, period="7d")["w_my_free"]["data"]["value"] == 1
    reader = issue(permissions=viewer(variant_scope="tenant", locked_filters={"plan": "pro"}))
    assert "w_my_free" not in data_of(embed_get, dashboard, reader, period="7d")
    assert "w_my_free" not in [w["id"] for w in config_of(embed_get, dashboard, reader)["widgets"]]


def test_a_hidden_widget_stays_hidden(issue, embed_get, put, dashboard, seeded):
    token = issue(user="jane", permissions=designer(hidden_widgets=("w_secret",)))
    box = {"x": 0, "y": 0, "w": 3, "h": 2}

    referenced = put(dashboard.pk, token, {"layout": [{"id": "w_secret", **box}]})
    reused_id = put(dashboard.pk, token, {"widgets": [widget("w_secret", metric="count")]})
    copied = put(
        dashboard.pk,
        token,
        {"widgets": [widget("w_my_margin", title="Mine", metric="sum", prop="cost", layout=box)]},
    )

    assert referenced.status_code == 400
    assert referenced.json()["error"]["details"][0]["field"] == "layout[0].id"
    assert reused_id.status_code == 400
    assert copied.status_code == 403 and copied.json()["error"]["code"] == "widget_hidden"
    assert not DashboardVariant.objects.exists()
    # A tenant view laid out by a designer who sees w_secret does not show it to one who
    # may not: the token's hidden widgets apply to the variant like to the dashboard.
    sees_all = issue(user="ann", permissions=designer(variant_scope="tenant"))
    layout = [{"id": "w_secret", **box}, {"id": "w_kpi", **box}]
    twin = widget("w_my_margin", metric="sum", prop="cost", layout=box)
    assert put(dashboard.pk, sees_all, {"layout": layout, "widgets": [twin]}).status_code == 200
    hidden = issue(permissions=viewer(variant_scope="tenant", hidden_widgets=("w_secret",)))
    ids = [w["id"] for w in config_of(embed_get, dashboard, hidden)["widgets"]]
    assert "w_secret" not in ids and "w_my_margin" not in ids and "w_kpi" in ids
    assert {"w_secret", "w_my_margin"}.isdisjoint(data_of(embed_get, dashboard, hidden))


def test_the_owner_comes_from_the_token_never_from_the_body(issue, put, dashboard, seeded):
    token = issue(tenant_id=TENANT_A, user="jane", permissions=designer())

    for key, value in (("tenant_id", TENANT_B), ("user", "bob"), ("scope", "tenant")):
        response = put(dashboard.pk, token, {key: value, "widgets": [by_model()]})
        assert response.status_code == 400, key
        assert response.json()["error"]["details"][0]["field"] == key

    assert not DashboardVariant.objects.exists()
    assert put(dashboard.pk, token, {"widgets": [by_model()]}).status_code == 200
    bob = issue(tenant_id=TENANT_A, user="bob", permissions=designer())
    assert put(dashboard.pk, bob, {"widgets": []}).status_code == 200
    owners = sorted(DashboardVariant.objects.values_list("tenant_id", "user", "revision"))
    assert owners == [(TENANT_A, "bob", 1), (TENANT_A, "jane", 1)]


def test_a_variant_widget_stays_within_the_tokens_periods(issue, embed_get, put, dashboard, seeded):
    token = issue(
        user="jane",
        permissions=EmbedPermissions(
            role="designer", allowed_periods=("24h", "7d", "custom"), max_date_range_days=7
        ),
    )
    assert put(dashboard.pk, token, {"widgets": [by_model()]}).status_code == 200

    too_long = embed_get(f"/embed/{dashboard.pk}/data", token, period="30d")
    too_wide = embed_get(
        f"/embed/{dashboard.pk}/data",
        token,
        period="custom",
        **{"from": "2026-01-01", "to": "2026-02-01"},
    )

    assert too_long.status_code == 403 and too_long.json()["error"]["code"] == "period_not_allowed"
    assert too_wide.status_code == 403
    assert too_wide.json()["error"]["code"] == "date_range_not_allowed"
    assert "w_my_models" in data_of(embed_get, dashboard, token, period="24h")


def test_a_viewer_token_cannot_save_reset_or_open_edit_mode(
    issue, embed_get, put, client, dashboard, seeded
):
    token = issue(user="jane", permissions=viewer())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    saved = put(dashboard.pk, token, {"widgets": [by_model()]})
    reset = client.delete(f"/embed/{dashboard.pk}/variant", **auth)
    opened = embed_get(f"/embed/{dashboard.pk}/variant", token)

    for response in (saved, reset, opened):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_designer"
    assert not DashboardVariant.objects.exists()
    assert config_of(embed_get, dashboard, token)["designer"] is False


def test_a_tenant_view_reaches_only_sessions_issued_for_it(
    issue, embed_get, put, dashboard, seeded
):
    personal = issue(user="jane", permissions=designer())
    assert put(dashboard.pk, personal, {"widgets": [by_model("w_my_personal")]}).status_code == 200
    shared = issue(user="jane", permissions=designer(variant_scope="tenant"))
    assert put(dashboard.pk, shared, {"widgets": [by_model("w_my_shared")]}).status_code == 200

    def ids(token: str) -> set[str]:
        return {w["id"] for w in config_of(embed_get, dashboard, token)["widgets"]}

    assert "w_my_personal" in ids(personal) and "w_my_shared" not in ids(personal)
    assert "w_my_shared" in ids(issue(user="bob", permissions=viewer(variant_scope="tenant")))
    assert not {"w_my_shared", "w_my_personal"} & ids(issue(user="bob", permissions=viewer()))
    assert not {"w_my_shared", "w_my_personal"} & ids(
        issue(tenant_id=TENANT_B, permissions=viewer(variant_scope="tenant"))
    )


def test_invalid_views_are_clear_400s_and_change_nothing(issue, put, dashboard, seeded):
    token = issue(user="jane", permissions=designer())

    malformed = put(dashboard.pk, token, None, raw=b"{not json")
    bad_kind = put(dashboard.pk, token, {"widgets": [by_model(kind="pie")]})
    twice = put(
        dashboard.pk,
        token,
        {"layout": [{"id": "w_kpi", "x": 0, "y": 0, "w": 3, "h": 2}] * 2},
    )
    hide_published = put(dashboard.pk, token, {"hidden": ["w_kpi"]})

    assert malformed.json()["error"]["code"] == "malformed_json"
    assert bad_kind.json()["error"]["details"][0]["field"] == "widgets[0].kind"
    assert twice.json()["error"]["details"][0] == {
        "field": "layout[1].id",
        "message": "Listed twice.",
    }
    assert hide_published.json()["error"]["details"][0]["field"] == "hidden[0]"
    assert {r.status_code for r in (malformed, bad_kind, twice, hide_published)} == {400}
    assert not DashboardVariant.objects.exists()


def test_a_stale_save_is_a_409(issue, put, dashboard, seeded):
    token = issue(user="jane", permissions=designer())
    assert put(dashboard.pk, token, {"widgets": [], "revision": 0}).status_code == 200

    stale = put(dashboard.pk, token, {"widgets": [by_model()], "revision": 0})

    assert stale.status_code == 409 and stale.json()["error"]["code"] == "variant_changed"
    assert DashboardVariant.objects.get().widgets == []


def test_saves_are_rate_limited_per_session(issue, embed_get, put, dashboard, seeded, settings):
    settings.EMBED_VARIANT_RATE_LIMIT = "2/m"
    token = issue(user="jane", permissions=designer())

    answers = [put(dashboard.pk, token, {"widgets": []}).status_code for _ in range(3)]
    opened = embed_get(f"/embed/{dashboard.pk}/variant", token)

    assert answers == [200, 200, 429]
    assert opened.status_code == 429 and opened["Retry-After"]
    assert DashboardVariant.objects.get().revision == 2
    other = issue(user="bob", permissions=designer())
    assert put(dashboard.pk, other, {"widgets": []}).status_code == 200


def test_a_new_version_keeps_own_widgets_and_says_once_what_was_removed(
    issue, embed_get, put, client, dashboard, seeded
):
    token = issue(user="jane", permissions=designer())
    box = {"x": 0, "y": 0, "w": 6, "h": 4}
    layout = [{"id": "w_bars", **box}, {"id": "w_list", **box}, {"id": "w_my_models", **box}]
    assert put(dashboard.pk, token, {"widgets": [by_model()], "layout": layout}).status_code == 200
    widgets = [w for w in dashboard.draft_spec["widgets"] if w["id"] not in ("w_bars", "w_list")]
    dashboard_update(dashboard=dashboard, changes={"widgets": widgets})
    dashboard_publish(dashboard=dashboard)
    fresh = issue(user="jane", permissions=designer())

    first = config_of(embed_get, dashboard, fresh)
    second = config_of(embed_get, dashboard, fresh)

    assert first["notice"] == "2 widgets of your view were removed by the dashboard's owner."
    assert second["notice"] is None
    ids = [w["id"] for w in second["widgets"]]
    assert ids[0] == "w_my_models" and "w_bars" not in ids and "w_kpi" in ids
    assert [entry["id"] for entry in DashboardVariant.objects.get().layout] == ["w_my_models"]


def test_the_data_cache_is_keyed_by_the_variants_revision_and_the_grant(
    issue, embed_get, put, dashboard, seeded
):
    from embeds.selectors import embed_session_verify
    from embeds.variants import session_view

    token = issue(user="jane", permissions=designer(variant_scope="tenant"))
    assert put(dashboard.pk, token, {"widgets": [by_model()]}).status_code == 200
    locked = issue(permissions=viewer(variant_scope="tenant", locked_filters={"plan": "pro"}))

    def key(of: str) -> str:
        return session_view(embed_session_verify(token=of, dashboard_id=dashboard.pk)).version_key

    before = key(token)
    assert put(dashboard.pk, token, {"widgets": [by_model(title="Renamed")]}).status_code == 200
    assert key(token) != before and ":r2:" in key(token)
    assert key(locked) != key(token)
    # The locked viewer's data under the shared widget is its own: gpt-4 (pro) only.
    rows = data_of(embed_get, dashboard, locked, period="7d")["w_my_models"]["data"]["rows"]
    assert {r["key"]: r["value"] for r in rows} == {"gpt-4": 2}


def test_edit_state_offers_the_tenants_own_keys_and_the_builders_choices(
    issue, embed_get, dashboard, seeded
):
    token = issue(tenant_id=TENANT_A, user="jane", permissions=designer())

    response = embed_get(f"/embed/{dashboard.pk}/variant", token)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["revision"] == 0 and body["widgets"] == []
    assert body["schema"]["events"] == ["api.call"]
    assert "model" in body["schema"]["string_keys"]
    assert set(body["schema"]["top_values"]["model"]) == {"gpt-4", "claude"}
    assert [k["value"] for k in body["choices"]["kinds"]] == [
        "kpi",
        "timeseries",
        "breakdown",
        "table",
        "funnel",
    ]  # the console builder's kinds and metrics, funnel and ratio included
    assert "ratio" in [m["value"] for m in body["choices"]["metrics"]]
    assert "ratio" not in body["choices"]["part_metrics"]
    assert body["choices"]["funnel"] == {"max_steps": 8, "window_minutes": 1440}
    sum_props = next(m for m in body["choices"]["metrics"] if m["value"] == "sum")["properties"]
    assert ["tokens", "tokens"] in sum_props and ["model", "model"] not in sum_props
    assert "b-only-model" not in response.content.decode()
    assert [entry["id"] for entry in body["layout"]][:2] == ["w_kpi", "w_progress"]


def test_reset_goes_back_to_the_published_dashboard(
    issue, embed_get, put, client, dashboard, seeded
):
    token = issue(user="jane", permissions=designer())
    assert put(dashboard.pk, token, {"widgets": [by_model()]}).status_code == 200

    response = client.delete(f"/embed/{dashboard.pk}/variant", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json()["config"]["variant"] is None
    assert not DashboardVariant.objects.exists()
