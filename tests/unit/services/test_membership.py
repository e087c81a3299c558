"""Membership on the fakes: a profile save and a role change, each made from a member read a
moment earlier, never undo what the other changed meanwhile."""

from collections.abc import Callable

import pytest

from chatdeck.domain.members import Member, Role
from tests.unit.services.kit import OTHER_TEACHER, TEACHER, Kit, a_chat

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


# ----- a removed member's data is deleted on removal (what is found by key) ---------------------


def test_removing_a_member_disconnects_their_own_x_account(kit: Kit) -> None:
    member = kit.add_member(TEACHER)
    kit.connect_own_account(member)
    assert kit.accounts.connection(member.own_account) is not None

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)

    assert kit.accounts.connection(member.own_account) is None
    stored = kit.connections.get(member.own_account)
    assert stored is not None and not stored.connected and stored.tokens is None
    assert kit.oauth.revoked  # revoked at X too, as far as X lets us


def test_removing_a_member_deletes_their_subscriptions_to_every_chat(kit: Kit) -> None:
    kit.add_member(TEACHER)
    kit.add_member(OTHER_TEACHER)
    first, second = kit.follow(a_chat("edtechchat")), kit.follow(a_chat("scichat"))
    for chat in (first, second):
        kit.subscribe(TEACHER, chat.id)
        kit.subscribe(OTHER_TEACHER, chat.id)

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)

    for chat in (first, second):
        assert kit.subscriptions.subscription(chat.id, TEACHER) is None
        assert [s.email for s in kit.subscriptions.subscribers(chat.id)] == [OTHER_TEACHER]


def test_removing_a_member_leaves_other_members_accounts_connected(kit: Kit) -> None:
    kit.add_member(TEACHER)
    other = kit.add_member(OTHER_TEACHER)
    kit.connect_own_account(other)

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)

    assert kit.accounts.connection(other.own_account) is not None
    assert kit.oauth.revoked == []


def test_removing_a_member_forgets_their_sign_in_link_requests(kit: Kit) -> None:
    kit.add_member(TEACHER)
    assert kit.signin_links.allow_request(TEACHER, 0, 600, 1)

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)

    assert kit.signin_links.allow_request(TEACHER, 1, 600, 1)  # the count is gone


def test_a_removal_that_fails_midway_can_be_finished_by_removing_again(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = kit.add_member(TEACHER)
    kit.connect_own_account(member)
    real_disconnect = kit.accounts.disconnect

    def outage(account: str) -> bool:
        raise ConnectionError("DynamoDB did not answer")

    monkeypatch.setattr(kit.accounts, "disconnect", outage)
    with pytest.raises(ConnectionError):
        kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)
    assert kit.membership.member(TEACHER) is not None  # still there, so the admin can retry

    monkeypatch.setattr(kit.accounts, "disconnect", real_disconnect)
    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)

    assert kit.membership.member(TEACHER) is None
    assert kit.accounts.connection(member.own_account) is None
