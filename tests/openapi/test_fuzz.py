"""Schemathesis against a live Sightline (pytest-django's live_server), from the document the
server itself serves: for every operation, generated requests (positive and negative) with an
admin key: the server never answers 5xx, and every answer (2xx and errors) matches the
documented response of its status. Bounded and deterministic: a fixed number of
examples per operation, derandomized, no example database."""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from dashboards.services import dashboard_create, dashboard_publish
from tests.factories import spec, widget

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES_PER_OPERATION = 6  # × 2 modes × ~36 operations ≈ 430 requests
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def test_no_operation_answers_5xx(live_server, org):
    dashboard = dashboard_create(
        organization=org.organization, spec=spec("Fuzzed", widgets=[widget("w_kpi")])
    )
    dashboard_publish(dashboard=dashboard)
    document = requests.get(f"{live_server.url}/v1/openapi.json", timeout=30).json()
    schema = schemathesis.openapi.from_dict(document)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {org.admin_key.secret}"
    failures: list[str] = []
    statuses: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35

    for operation in operations:
        for mode in MODES:

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case) -> None:
                response = case.call(base_url=live_server.url, session=session, timeout=30)
                statuses.append(response.status_code)
                try:  # the answer, success or error, has the documented shape
                    case.operation.validate_response(response)
                except Exception as error:  # noqa: BLE001 - schemathesis' failure kinds vary
                    label = f"{case.method} {case.formatted_path} -> {response.status_code}"
                    failures.append(f"{label} does not match the document: {str(error)[:300]}")
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} query={case.query} "
                        f"body={case.body!r:.200} -> {response.status_code}"
                    )

            check()

    session.close()
    assert not failures, "\n".join(failures[:20])
    assert len(statuses) >= 300  # it really sent requests
    assert any(200 <= s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)
