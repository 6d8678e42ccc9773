"""The one role check behind the console guard, the services and `Membership.can_edit`."""

import pytest

from accounts.models import Membership, Role, role_allows

CASES = [
    (Role.MEMBER, Role.MEMBER, True),
    (Role.MEMBER, Role.ADMIN, False),
    (Role.MEMBER, Role.OWNER, False),
    (Role.ADMIN, Role.MEMBER, True),
    (Role.ADMIN, Role.ADMIN, True),
    (Role.ADMIN, Role.OWNER, False),
    (Role.OWNER, Role.ADMIN, True),
    (Role.OWNER, Role.OWNER, True),
]


@pytest.mark.parametrize(("role", "needed", "allowed"), CASES)
def test_owners_outrank_admins_who_outrank_members(role: str, needed: str, allowed: bool) -> None:
    assert role_allows(role, needed) is allowed


@pytest.mark.parametrize("role", [None, "", "superuser", "OWNER"])
def test_an_unknown_role_may_do_nothing(role: str | None) -> None:
    assert not role_allows(role, Role.MEMBER)


@pytest.mark.parametrize("role", list(Role))
def test_who_may_edit_is_the_admin_check(role: str) -> None:
    assert Membership(role=role).can_edit is role_allows(role, Role.ADMIN)
