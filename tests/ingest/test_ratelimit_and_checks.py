import pytest
from django.test import override_settings

from core.ids import new_id
from ingest.checks import ingest_settings
from ingest.ratelimit import Rate, parse_rate, rate_limit_consume


@pytest.mark.parametrize(
    "text, rate",
    [("600/m", Rate(600, 60)), ("5/s", Rate(5, 1)), (" 100 / H ", Rate(100, 3600))],
)
def test_rates_parse(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "600", "0/m", "-1/m", "ten/m", "10/d", "1.5/s"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rate(text)


def test_a_window_allows_its_requests_then_says_how_long_to_wait() -> None:
    bucket, rate = new_id("bucket"), Rate(3, 60)
    minute = 1_800_000_000.0  # a multiple of 60: a window starts here
    answers = [rate_limit_consume(bucket=bucket, rate=rate, now=minute + i) for i in range(4)]
    assert answers == [None, None, None, 57]  # the 4th, 3 s in: wait for the window's end
    assert rate_limit_consume(bucket=bucket, rate=rate, now=minute + 60) is None


def test_settings_checks_pass_by_default() -> None:
    assert ingest_settings() == []


@override_settings(INGEST_RATE_LIMIT="lots", INGEST_BUFFER="kafka")
def test_settings_checks_name_each_mistake() -> None:
    assert [error.id for error in ingest_settings()] == ["ingest.E001", "ingest.E002"]


@override_settings(INGEST_BUFFER="redis", REDIS_URL="")
def test_the_redis_buffer_needs_redis() -> None:
    assert [error.id for error in ingest_settings()] == ["ingest.E003"]
