"""Confirming a sign-in link when a store fails midway, on the fakes: the link is used up only
once the session is written, so a failed write leaves it usable (the member is told to try again,
tests/integration/test_fault_injection_web.py), and a link used up meanwhile signs nobody in and
leaves no session behind."""

import pytest

from chatdeck.domain.errors import InvalidLink, Unavailable
from chatdeck.services.membership import _hash as link_hash
from tests.unit.services.kit import TEACHER, Kit

LINK = "unit-fault-link-0001"


class Throttled(Unavailable):
    pass


def a_link(kit: Kit) -> None:
    kit.add_member(TEACHER)
    epoch = int(kit.clock.now().timestamp())
    kit.membership.links.add(link_hash(LINK), TEACHER, epoch + 900)


def test_a_failed_session_write_leaves_the_link_usable(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_link(kit)
    real_add = kit.sessions.add

    def throttled(*args: object) -> None:
        raise Throttled

    monkeypatch.setattr(kit.sessions, "add", throttled)
    with pytest.raises(Unavailable):
        kit.membership.sign_in(LINK, kit.clock.now())
    monkeypatch.setattr(kit.sessions, "add", real_add)

    signed = kit.membership.sign_in(LINK, kit.clock.now())
    assert kit.membership.member_for_session(signed.session_token, kit.clock.now()) is not None
    with pytest.raises(InvalidLink):  # and used once
        kit.membership.sign_in(LINK, kit.clock.now())


def test_a_link_used_up_between_its_check_and_its_use_leaves_no_session(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two confirms of one link at once: the one that loses the use ends its own session."""
    a_link(kit)
    links = kit.membership.links
    real_use = links.use

    def used_by_another(token_hash: str, now: int) -> str | None:
        real_use(token_hash, now)  # the other confirm got there first
        return real_use(token_hash, now)

    monkeypatch.setattr(links, "use", used_by_another)
    sessions_before = dict(kit.sessions._sessions)
    with pytest.raises(InvalidLink):
        kit.membership.sign_in(LINK, kit.clock.now())
    assert kit.sessions._sessions == sessions_before
