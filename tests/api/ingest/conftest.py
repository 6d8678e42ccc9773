"""The fixtures of the app's own tests, shared with the tests of its front door here."""

from tests.ingest.conftest import flaky_warehouse, ingest_client, redis_buffer  # noqa: F401
