"""Membership on the fakes: a profile save and a role change, each made from a member read a
moment earlier, never undo what the other changed meanwhile."""

from collections.abc import Callable

import pytest

from chatdeck.domain.members import Member, Role
from tests.unit.services.kit import TEACHER, Kit

PROFILE = {"name": "Ana Rivera-Lopez", "zone": "Europe/Madrid"}


@pytest.mark.parametrize(
    ("before", "after"), [(Role.ADMIN, Role.MEMBER), (Role.MEMBER, Role.ADMIN)]
)
def test_a_profile_save_keeps_a_role_change_made_after_the_member_was_read(
    kit: Kit, before: Role, after: Role
) -> None:
    kit.add_member(TEACHER, role=before)
    seen = kit.membership.member(TEACHER)  # the request's signed-in member, read at its start
    assert seen is not None and seen.role is before

    kit.membership.set_role(kit.admin(), TEACHER, after)  # an admin, meanwhile
    kit.membership.update_profile(seen, PROFILE, kit.clock.now())

    stored = kit.membership.member(TEACHER)
    assert stored is not None
    assert (stored.role, stored.name, stored.zone) == (after, PROFILE["name"], PROFILE["zone"])


def test_a_role_change_keeps_a_profile_saved_after_the_member_was_read(kit: Kit) -> None:
    kit.add_member(TEACHER)
    read = kit.members.get

    def profile_saved_right_after_the_read(email: str) -> Member | None:
        found = read(email)
        if email == TEACHER and not saved:  # the member saves their profile meanwhile, once
            saved.append(True)
            member = read(TEACHER)
            assert member is not None
            kit.membership.update_profile(member, PROFILE, kit.clock.now())
        return found

    saved: list[bool] = []
    interleaved: Callable[[str], Member | None] = profile_saved_right_after_the_read
    kit.members.get = interleaved  # type: ignore[method-assign]

    kit.membership.set_role(kit.admin(), TEACHER, Role.ADMIN)

    del kit.members.get
    stored = kit.membership.member(TEACHER)
    assert stored is not None
    assert (stored.role, stored.name, stored.zone) == (Role.ADMIN, PROFILE["name"], PROFILE["zone"])
