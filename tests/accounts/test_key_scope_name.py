"""Two words for two things: an API key's `KeyScope` (what it may do) and the warehouse's
`Scope` (the tenant a read is confined to)."""

import accounts.models
from accounts.models import KeyScope
from warehouse.scope import Scope


def test_the_api_key_scope_and_the_tenant_scope_have_different_names() -> None:
    assert not hasattr(accounts.models, "Scope")
    assert KeyScope is not Scope
    assert set(KeyScope.values) == {"admin", "ingest", "read"}
