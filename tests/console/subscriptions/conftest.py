"""The fixtures of the app's own tests, shared with the tests of its front door here."""

from tests.embeds.conftest import dashboard, embed_get, issue, seeded  # noqa: F401
from tests.subscriptions.conftest import subscribe  # noqa: F401
