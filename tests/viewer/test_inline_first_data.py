"""The embed page carries its first data inline (no second round trip before the first
paint): the default period's widgets, exactly what the data endpoint answers, admitted by the
same limits; a page whose limits are used up carries none (its script asks the endpoint)."""

import json

import pytest
from django.test import override_settings

from embeds.tokens import EmbedPermissions

pytestmark = pytest.mark.django_db


def page_config(response) -> dict:
    page = response.content.decode()
    opening = '<script id="sl-config" type="application/json">'
    start = page.index(opening) + len(opening)
    return json.loads(page[start : page.index("</script>", start)])


def test_the_page_carries_what_the_data_endpoint_answers(
    client, issue, dashboard, seeded, embed_get
):
    token = issue(
        permissions=EmbedPermissions(allowed_periods=("7d", "30d"), hidden_widgets=("w_secret",))
    )
    config = page_config(client.get(f"/embed/{dashboard.pk}", {"token": token}))
    answered = embed_get(f"/embed/{dashboard.pk}/data", token).json()
    assert config["data"]["period"]["name"] == config["period"] == "7d"
    assert config["data"]["widgets"] == answered["widgets"]
    ids = [w["id"] for w in config["data"]["widgets"]]
    assert "w_secret" not in ids and ids
    kpi = next(w for w in config["data"]["widgets"] if w["id"] == "w_kpi")
    assert kpi["data"]["value"] == seeded.a_calls  # the token's tenant only


@override_settings(EMBED_SESSION_RATE_LIMIT="1/m")
def test_a_page_over_its_limits_carries_no_data(client, issue, dashboard, seeded, embed_get):
    token = issue()
    assert embed_get(f"/embed/{dashboard.pk}/data", token).status_code == 200  # the one allowed
    response = client.get(f"/embed/{dashboard.pk}", {"token": token})
    assert response.status_code == 200
    assert page_config(response)["data"] is None


def test_hashed_chunks_are_cached_for_a_year_and_unhashed_entry_files_are_not(client):
    from pathlib import Path

    from django.conf import settings

    chunks = sorted((Path(settings.BASE_DIR) / "static/vendor/sightline/chunks").glob("*.js"))
    assert chunks, "run npm run build"
    chunk = client.get(f"/static/vendor/sightline/chunks/{chunks[0].name}")
    assert chunk.status_code == 200
    assert "immutable" in chunk["Cache-Control"] and "max-age=315360000" in chunk["Cache-Control"]
    entry = client.get("/static/vendor/sightline/preview.js")  # the console's, not hashed
    assert entry.status_code == 200
    assert "immutable" not in entry.get("Cache-Control", "")


def test_the_head_is_sent_before_the_first_data_is_read(client, issue, dashboard):
    """The page streams: its first part names the stylesheet, the module and the preloads
    (the browser fetches and compiles them while the tenant's widgets are read) and carries
    no configuration or data; the rest is the page's configuration with the data."""
    response = client.get(f"/embed/{dashboard.pk}", {"token": issue()})
    assert response.streaming and response.status_code == 200
    parts = iter(response.streaming_content)

    head = next(parts).decode()
    assert '<script type="module" src="/static/vendor/sightline/embed-' in head
    assert '<link rel="modulepreload"' in head and head.rstrip().endswith("</head>")
    assert "sl-config" not in head and '"widgets"' not in head
    rest = b"".join(parts).decode()
    assert '<script id="sl-config" type="application/json">' in rest
    assert '"data": {' in rest and '"widgets": [' in rest
