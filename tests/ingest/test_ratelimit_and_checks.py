from django.test import override_settings

from ingest.checks import ingest_settings


def test_settings_checks_pass_by_default() -> None:
    assert ingest_settings() == []


@override_settings(INGEST_RATE_LIMIT="lots", INGEST_BUFFER="kafka")
def test_settings_checks_name_each_mistake() -> None:
    assert [error.id for error in ingest_settings()] == ["ingest.E001", "ingest.E002"]


@override_settings(INGEST_BUFFER="redis", REDIS_URL="")
def test_the_redis_buffer_needs_redis() -> None:
    assert [error.id for error in ingest_settings()] == ["ingest.E003"]
