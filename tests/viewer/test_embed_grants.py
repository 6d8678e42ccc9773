"""List and range locked filters through every embed endpoint (issue 11, item 4): data of every
widget kind, drill-down, CSV export, filter values and the page config. A viewer can pick one
of a list's values, never one outside it (403), and never another tenant's rows. Tenant A has
gpt-4 /chat pro (tokens 100 and 200) and claude /embed free (tokens 50)."""

import json

import pytest

from embeds.tokens import EmbedPermissions
from tests.viewer.test_embed_data import assert_no_foreign_rows, widgets_by_id
from warehouse.query import NumericRange

pytestmark = pytest.mark.django_db
ALL_PERIODS = ("24h", "7d", "30d", "90d", "custom")


def granted(issue, **locked) -> str:
    return issue(
        permissions=EmbedPermissions(
            locked_filters=locked,
            allowed_periods=ALL_PERIODS,
            allow_drill_down=True,
        ),
        allow_export=True,
    )


def data(embed_get, dashboard, token, **filters):
    params = {"period": "7d"}
    if filters:
        params["filters"] = json.dumps(filters)
    return embed_get(f"/embed/{dashboard.pk}/data", token, **params)


def test_a_list_lock_shows_rows_of_any_listed_value_in_every_widget(
    issue, embed_get, dashboard, seeded
):
    token = granted(issue, model=("claude", "b-only-model", "other-org-model"))

    response = data(embed_get, dashboard, token)

    assert response.status_code == 200, response.content
    widgets = widgets_by_id(response.json())
    assert widgets["w_kpi"]["data"]["value"] == 1  # claude only: the others are not A's
    assert widgets["w_progress"]["data"]["value"] == 50
    assert {r["key"] for r in widgets["w_bars"]["data"]["rows"]} == {"claude"}
    assert widgets["w_table"]["data"]["rows"] == [["claude", "/embed", 1]]
    assert_no_foreign_rows(response.content.decode())


def test_a_viewer_may_narrow_a_list_lock_to_one_value_and_nothing_else(
    issue, embed_get, dashboard, seeded
):
    token = granted(issue, model=("gpt-4", "claude"))

    narrowed = data(embed_get, dashboard, token, model="gpt-4")
    outside = data(embed_get, dashboard, token, model="b-only-model")
    everything = data(embed_get, dashboard, token)

    assert widgets_by_id(narrowed.json())["w_kpi"]["data"]["value"] == 2
    assert widgets_by_id(everything.json())["w_kpi"]["data"]["value"] == 3
    assert outside.status_code == 403
    assert outside.json()["error"]["code"] == "filter_not_allowed"
    assert "widgets" not in outside.json()


def test_a_range_lock_keeps_rows_within_it_on_the_numeric_property(
    issue, embed_get, dashboard, seeded
):
    token = granted(issue, tokens=NumericRange(gte=100, lt=200))

    widgets = widgets_by_id(data(embed_get, dashboard, token).json())
    filtered = widgets_by_id(data(embed_get, dashboard, token, plan="free").json())

    assert widgets["w_kpi"]["data"]["value"] == 1  # tokens 100; 200 and 50 are outside
    assert widgets["w_progress"]["data"]["value"] == 100
    assert filtered["w_kpi"]["data"]["value"] == 0  # a viewer filter only narrows further


def test_drill_and_export_keep_list_and_range_locks(issue, embed_get, dashboard, seeded):
    token = granted(issue, model=("gpt-4", "claude"), tokens=NumericRange(gt=60))

    drill = embed_get(
        f"/embed/{dashboard.pk}/drill", token, period="7d", widget="w_bars", dimension="model",
        value="claude",
    )  # fmt: skip
    export = embed_get(f"/embed/{dashboard.pk}/export", token, period="7d", widget="w_table")
    outside = embed_get(
        f"/embed/{dashboard.pk}/export", token, period="7d", widget="w_table",
        filters=json.dumps({"model": "other-org-model"}),
    )  # fmt: skip

    assert drill.status_code == 200, drill.content
    assert drill.json()["rows"] == []  # claude's only call has 50 tokens: outside the range
    assert export.status_code == 200
    assert "gpt-4" in export.content.decode() and "claude" not in export.content.decode()
    assert outside.status_code == 403


def test_filter_values_of_a_list_locked_dimension_offer_only_its_values(
    issue, embed_get, dashboard, seeded
):
    listed = granted(issue, model=("claude", "llama"))
    single = granted(issue, model="claude")
    url = f"/embed/{dashboard.pk}/values"

    offered = embed_get(url, listed, dimension="model", period="7d")
    locked = embed_get(url, single, dimension="model", period="7d")

    assert offered.status_code == 200, offered.content
    assert [v["value"] for v in offered.json()["values"]] == ["claude"]
    assert locked.status_code == 403 and locked.json()["error"]["code"] == "filter_locked"


def test_the_page_config_offers_a_list_locks_values_and_shows_each_lock(
    issue, embed_get, dashboard
):
    token = granted(issue, model=("gpt-4", "claude"), plan="pro", tokens=NumericRange(lte=500))

    config = embed_get(f"/embed/{dashboard.pk}/config", token).json()

    assert config["locked_filters"] == {
        "model": ["gpt-4", "claude"],
        "plan": "pro",
        "tokens": {"lte": 500},
    }
    filters = {f["dimension"]: f for f in config["filters"]}
    assert filters["model"] == {
        "dimension": "model",
        "label": "Model",
        "locked": None,
        "choices": ["gpt-4", "claude"],
    }
    assert filters["plan"]["locked"] == "pro" and "choices" not in filters["plan"]
