"""A burst of cold tenants opening one dashboard at once (real threads, chDB): the reads that
queue behind a busy backend are one grouped statement (warehouse.coalesce), and every tenant's
answer is exactly its own dashboard_data, cached under its own keys."""

import threading

import pytest

from core.ids import new_id
from dashboards.data import dashboard_data, parse_data_request
from tests.dashboards.test_correctness import SPEC, assert_close, world  # noqa: F401
from tests.dashboards.test_grouped_reads import Recording, fresh_cache  # noqa: F401
from tests.warehouse.test_coalesce import run_queued
from warehouse.backends import get_backend, set_backend
from warehouse.coalesce import coalescer
from warehouse.scope import Scope

TENANTS = ("t_main", "t_other", "t_nobody")


@pytest.fixture
def recording():
    real = get_backend()
    if not real.prefers_one_statement:
        pytest.skip("a server backend runs reads concurrently: nothing is coalesced there")
    backend = Recording(real)
    set_backend(backend)
    yield backend
    set_backend(real)


def test_a_burst_of_tenants_is_one_grouped_statement_each_its_own_answer(
    world,  # noqa: F811
    recording,
    fresh_cache,  # noqa: F811
):
    request = parse_data_request({"period": "30d", "tz": "Asia/Kolkata"}, default_period="7d")
    scopes = [Scope(world.org_id, tenant) for tenant in TENANTS]
    alone = [
        dashboard_data(spec=SPEC, scope=scope, request=request, version_key=new_id("v"))
        for scope in scopes
    ]
    version = new_id("v")
    answers: list = [None] * len(scopes)

    def one(index: int) -> None:
        answers[index] = dashboard_data(
            spec=SPEC, scope=scopes[index], request=request, version_key=version
        )

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(scopes))]
    del recording.statements[:], recording.params[:]
    run_queued(coalescer, threads)
    assert len(recording.params) == 1
    assert sorted(recording.params[0]["scope_tenant_ids"]) == sorted(TENANTS)
    for scope, answer, own in zip(scopes, answers, alone, strict=True):
        assert_close(answer, own, scope.tenant_id)
    del recording.statements[:], recording.params[:]
    again = [
        dashboard_data(spec=SPEC, scope=scope, request=request, version_key=version)
        for scope in scopes
    ]
    assert recording.params == [] and again == answers  # each tenant's own cache entries
