"""Two builder tabs editing different widgets of one draft at the same moment both keep their
edit. The test holds the dashboard's row lock while both requests arrive, so both have read the
draft before either writes - the interleaving that loses an edit when a view writes back the
widget list it read outside the lock."""

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test import Client

from dashboards.models import Dashboard
from dashboards.services import dashboard_create
from tests.console.dashboards.test_builder import kpi, widget_post

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction caches the statistics
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def interleaved(dashboard: Dashboard, *requests: Callable[[], int]) -> list[int]:
    """Runs each request in its own thread (own connection) while this connection holds the
    dashboard's row lock; releases it once every request waits on it. Returns the statuses."""
    statuses: list[int] = []

    def run(request: Callable[[], int]) -> None:
        try:
            statuses.append(request())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    with transaction.atomic():
        Dashboard.objects.select_for_update().get(pk=dashboard.pk)
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while waiting_on_locks() < len(threads) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_on_locks() == len(threads), "every request should wait on the row lock"
    for thread in threads:
        thread.join(timeout=30)
    return statuses


@pytest.fixture
def two_widgets(org) -> Dashboard:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    b = kpi("w_b", title="B", layout={"x": 3, "y": 0, "w": 3, "h": 2})
    return dashboard_create(
        organization=org.organization, spec={"name": "Usage", "widgets": [kpi("w_a"), b]}
    )


SECOND_EDITS = {
    "replace": ("/widgets/w_b", widget_post(title="B edited", x=3)),
    "add": ("/widgets", {"kind": "kpi"}),
    "duplicate": ("/widgets/w_b/duplicate", {}),
    "remove": ("/widgets/w_b/remove", {}),
    "move": ("/widgets/w_b/move", {"direction": "up"}),
    "layout": ("/layout", {"layout": '[{"id": "w_b", "x": 0, "y": 2, "w": 4, "h": 3}]'}),
}


@pytest.mark.parametrize("second", SECOND_EDITS)
def test_an_edit_of_another_widget_at_the_same_moment_keeps_both(
    admin_user, two_widgets, second
) -> None:
    base = f"/app/dashboards/{two_widgets.pk}"
    tab_a, tab_b = Client(), Client()
    tab_a.force_login(admin_user)
    tab_b.force_login(admin_user)
    path, data = SECOND_EDITS[second]

    statuses = interleaved(
        two_widgets,
        lambda: tab_a.post(f"{base}/widgets/w_a", widget_post(title="A edited")).status_code,
        lambda: tab_b.post(base + path, data).status_code,
    )

    assert sorted(statuses) == [302, 302]
    widgets = Dashboard.objects.get(pk=two_widgets.pk).draft_spec["widgets"]
    titles = {w["id"]: w["title"] for w in widgets}
    assert titles["w_a"] == "A edited"  # the first tab's edit survived the second's
    if second == "replace":
        assert titles["w_b"] == "B edited"
    elif second == "add":
        assert len(widgets) == 3 and set(titles) > {"w_a", "w_b"}
    elif second == "duplicate":
        assert sorted(titles.values()) == ["A edited", "B", "B (copy)"]
    elif second == "remove":
        assert list(titles) == ["w_a"]
    elif second == "layout":
        assert widgets[1]["layout"] == {"x": 0, "y": 2, "w": 4, "h": 3}
    else:
        assert list(titles) == ["w_b", "w_a"]
