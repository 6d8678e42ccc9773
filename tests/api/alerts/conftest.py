"""The fixtures of the app's own tests, shared with the tests of its front door here."""

from tests.alerts.conftest import allow_private_webhooks, clock, dashboard, make_rule, receiver  # noqa: F401
