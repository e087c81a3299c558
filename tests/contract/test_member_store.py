"""MemberStore: the cohort's members, in order of email address."""

from datetime import UTC, datetime, timedelta

import pytest

from chatdeck.domain.members import Member, Role
from chatdeck.ports import MemberStore
from tests.contract.backends import Backend

NOW = datetime(2026, 11, 2, 20, 0, 0, 123_456, tzinfo=UTC)


def a_member(email: str = "rivera@school.example", **fields: object) -> Member:
    values: dict[str, object] = {"email": email, "name": "Ana Rivera", "zone": "America/Chicago"}
    return Member.model_validate({**values, **fields})


@pytest.fixture
def store(backend: Backend) -> MemberStore:
    return backend.members()


def test_an_added_member_reads_back_with_when_they_joined(store: MemberStore) -> None:
    member = a_member(role=Role.ADMIN)
    assert store.add(member, NOW)
    found = store.get(member.email)
    assert found == member.model_copy(update={"joined_at": NOW})
    assert found is not None and found.joined_at == NOW


def test_an_address_that_is_a_member_already_is_not_added_again(store: MemberStore) -> None:
    store.add(a_member(), NOW)
    assert not store.add(a_member(name="Someone Else"), NOW + timedelta(days=1))
    assert store.get("rivera@school.example") == a_member(joined_at=NOW)


def test_an_unknown_member_is_none(store: MemberStore) -> None:
    assert store.get("nobody@school.example") is None


def every_page(store: MemberStore, limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    after: str | None = None
    while True:
        members, after = store.page(after, limit)
        pages.append([member.email for member in members])
        if after is None:
            return pages
        assert len(pages) < 20, "the pages go round in circles"


EMAILS = ["adams@school.example", "mbeki@school.example", "okafor@school.example"]
EMAILS += ["rivera@school.example", "zhou@school.example"]


def test_members_are_paged_in_order_of_email(store: MemberStore) -> None:
    for email in reversed(EMAILS):
        store.add(a_member(email), NOW)
    pages = every_page(store, 2)
    assert [email for page in pages for email in page] == EMAILS
    assert all(len(page) == 2 for page in pages[:-1])  # (DynamoDB may end on an empty page)
    assert store.page(None, 10) == ([a_member(e, joined_at=NOW) for e in EMAILS], None)


def test_a_page_after_an_address_that_is_no_member_starts_after_it(store: MemberStore) -> None:
    for email in EMAILS:
        store.add(a_member(email), NOW)
    members, _ = store.page("n@school.example", 2)
    assert [member.email for member in members] == EMAILS[2:4]


def test_no_members_is_one_empty_page(store: MemberStore) -> None:
    assert store.page(None, 10) == ([], None)


def test_a_saved_profile_and_role_keep_when_they_joined(store: MemberStore) -> None:
    store.add(a_member(), NOW)
    assert store.save_profile("rivera@school.example", "Ana Rivera-Lopez", "Europe/Madrid")
    assert store.save_role("rivera@school.example", Role.ADMIN)
    changed = a_member(name="Ana Rivera-Lopez", zone="Europe/Madrid", role=Role.ADMIN)
    found = store.get(changed.email)
    assert found == changed.model_copy(update={"joined_at": NOW})
    assert found is not None and found.joined_at == NOW


def test_a_profile_save_keeps_a_demotion_made_after_the_member_was_read(
    store: MemberStore,
) -> None:
    # The member's request read them as an admin; an admin demotes them; their profile is saved.
    store.add(a_member(role=Role.ADMIN), NOW)
    seen = store.get("rivera@school.example")
    assert seen is not None and seen.is_admin
    assert store.save_role(seen.email, Role.MEMBER)

    assert store.save_profile(seen.email, "Ana R.", "Europe/Madrid")

    assert store.get(seen.email) == a_member(name="Ana R.", zone="Europe/Madrid", joined_at=NOW)


def test_a_role_change_keeps_a_profile_saved_after_the_member_was_read(
    store: MemberStore,
) -> None:
    store.add(a_member(), NOW)
    seen = store.get("rivera@school.example")
    assert seen is not None
    assert store.save_profile(seen.email, "Ana R.", "Europe/Madrid")

    assert store.save_role(seen.email, Role.ADMIN)

    expected = a_member(name="Ana R.", zone="Europe/Madrid", role=Role.ADMIN, joined_at=NOW)
    assert store.get(seen.email) == expected


def test_a_removed_member_is_gone_and_can_join_again(store: MemberStore) -> None:
    store.add(a_member(), NOW)
    assert store.remove("rivera@school.example")
    assert store.get("rivera@school.example") is None
    assert not store.remove("rivera@school.example")
    later = NOW + timedelta(days=3)
    assert store.add(a_member(), later)
    assert store.get("rivera@school.example") == a_member(joined_at=later)


def test_saving_a_member_removed_meanwhile_does_not_bring_them_back(store: MemberStore) -> None:
    # A profile save (or a role change) that read the member just before an admin removed them
    # must not re-create them: without their join time, their old sessions would work again.
    store.add(a_member(), NOW)
    seen = store.get("rivera@school.example")
    assert seen is not None
    store.remove("rivera@school.example")

    assert not store.save_profile(seen.email, "Ana R.", seen.zone)
    assert not store.save_role(seen.email, Role.ADMIN)
    assert store.get("rivera@school.example") is None
    assert store.page(None, 10) == ([], None)


def test_saving_an_address_that_never_was_a_member_stores_nothing(store: MemberStore) -> None:
    assert not store.save_profile("nobody@school.example", "Nobody", "UTC")
    assert not store.save_role("nobody@school.example", Role.ADMIN)
    assert store.page(None, 10) == ([], None)
