"""What a warehouse read may see. Every query the compiler emits takes one of these.

`Scope` is one tenant of one organization: the only kind an embed token can ever produce.
`DangerousOrgWideScope` spans every tenant of one organization; it exists for schema discovery
and for alert rules that evaluate per tenant, and its name is meant to stand out in review.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    org_id: str
    tenant_id: str

    def __post_init__(self) -> None:
        if not self.org_id or not self.tenant_id:
            raise ValueError("A Scope needs both org_id and tenant_id.")


@dataclass(frozen=True, slots=True)
class DangerousOrgWideScope:
    org_id: str
    tenant_id: str | None = None  # optional narrowing to one tenant (discovery per tenant)

    def __post_init__(self) -> None:
        if not self.org_id:
            raise ValueError("An org-wide scope still needs org_id.")


AnyScope = Scope | DangerousOrgWideScope


def scope_predicate(scope: AnyScope) -> tuple[str, dict[str, str]]:
    """The WHERE conjunct every events query starts with, and its parameters."""
    if isinstance(scope, Scope) or (isinstance(scope, DangerousOrgWideScope) and scope.tenant_id):
        return (
            "org_id = {scope_org_id:String} AND tenant_id = {scope_tenant_id:String}",
            {"scope_org_id": scope.org_id, "scope_tenant_id": scope.tenant_id or ""},
        )
    if isinstance(scope, DangerousOrgWideScope):
        return "org_id = {scope_org_id:String}", {"scope_org_id": scope.org_id}
    raise TypeError("Every warehouse read needs a Scope or a DangerousOrgWideScope.")
