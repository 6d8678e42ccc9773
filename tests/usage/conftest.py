"""The embeds tests' builders (a published dashboard, two tenants' events, sessions), and a
clean usage buffer around every test (rows of one test never flush into another's)."""

import pytest

from tests.embeds.conftest import dashboard, embed_get, issue, seeded  # noqa: F401
from usage import recorder


@pytest.fixture(autouse=True)
def usage_buffer_empty():
    recorder.usage_discard()
    yield
    recorder.usage_discard()
