"""What a warehouse read may see. Every query the compiler emits takes one of these.

`Scope` is one tenant of one organization: the only kind an embed token can ever produce.
`DangerousOrgWideScope` spans every tenant of one organization; it exists for schema discovery
and for alert rules that evaluate per tenant, and its name is meant to stand out in review.
`TenantsScope` is a fixed list of tenants of one organization read in ONE grouped statement
whose rows carry `tenant_id` first and are split per tenant (`warehouse.grouped`): built only by
the server from tenant Scopes it was handed (digests, concurrent dashboards), never from a token.

Either may carry `since`, the oldest moment it may see: the organization's retention. It is part
of the scope predicate, so no read of the scope - widget data, drill-down, export, discovery,
alerts - returns an older event, whatever window it asks for.
"""

from dataclasses import dataclass
from datetime import datetime

from warehouse.params import ParamValue


@dataclass(frozen=True, slots=True)
class Scope:
    org_id: str
    tenant_id: str
    since: datetime | None = None  # aware; None: no bound but the warehouse's own TTL

    def __post_init__(self) -> None:
        if not self.org_id or not self.tenant_id:
            raise ValueError("A Scope needs both org_id and tenant_id.")


@dataclass(frozen=True, slots=True)
class DangerousOrgWideScope:
    org_id: str
    tenant_id: str | None = None  # optional narrowing to one tenant (discovery per tenant)
    since: datetime | None = None

    def __post_init__(self) -> None:
        if not self.org_id:
            raise ValueError("An org-wide scope still needs org_id.")


@dataclass(frozen=True, slots=True)
class TenantsScope:
    org_id: str
    tenant_ids: tuple[str, ...]  # distinct, non-empty ids, in the order they were given
    since: datetime | None = None

    def __post_init__(self) -> None:
        if not self.org_id or not self.tenant_ids or not all(self.tenant_ids):
            raise ValueError("A TenantsScope needs org_id and at least one tenant id.")
        if not isinstance(self.tenant_ids, tuple) or len(set(self.tenant_ids)) != len(
            self.tenant_ids
        ):
            raise ValueError("A TenantsScope's tenant ids are a tuple of distinct ids.")

    @classmethod
    def of(cls, scopes: "list[Scope] | tuple[Scope, ...]") -> "TenantsScope":
        """The tenants of several Scopes of one organization and one retention bound."""
        if len({(scope.org_id, scope.since) for scope in scopes}) != 1:
            raise ValueError("Only scopes of one organization and one `since` are grouped.")
        ids = tuple(dict.fromkeys(scope.tenant_id for scope in scopes))
        return cls(org_id=scopes[0].org_id, tenant_ids=ids, since=scopes[0].since)


AnyScope = Scope | DangerousOrgWideScope
ReadScope = AnyScope | TenantsScope  # what a compiled read may carry (warehouse.reads)


def scope_predicate(scope: ReadScope) -> tuple[str, dict[str, ParamValue]]:
    """The WHERE conjunct every events query starts with, and its parameters."""
    if isinstance(scope, Scope) or (isinstance(scope, DangerousOrgWideScope) and scope.tenant_id):
        predicate = "org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}"
        params: dict[str, ParamValue] = {
            "scope_org_id": scope.org_id,
            "scope_tenant_id": scope.tenant_id or "",
        }
    elif isinstance(scope, TenantsScope):
        predicate = (
            "org_id = {scope_org_id:String} AND tenant_id IN {scope_tenant_ids:Array(String)}"
        )
        params = {"scope_org_id": scope.org_id, "scope_tenant_ids": list(scope.tenant_ids)}
    elif isinstance(scope, DangerousOrgWideScope):
        predicate, params = "org_id = {scope_org_id:String}", {"scope_org_id": scope.org_id}
    else:
        raise TypeError("Every warehouse read needs a Scope or a DangerousOrgWideScope.")
    if scope.since is not None:
        predicate += " AND timestamp >= {scope_since:DateTime64(3, 'UTC')}"
        params["scope_since"] = scope.since
    return predicate, params
