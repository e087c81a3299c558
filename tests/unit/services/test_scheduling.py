"""Scheduling and managing posts (services/posts.py) on the fakes: the form, each member's own
posts, and approval as the admin saw the post."""

import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from chatdeck.domain.errors import Conflict, NotAllowed, NotFound, Refused
from chatdeck.domain.members import Member
from chatdeck.domain.outcomes import OutcomeUnknown
from chatdeck.domain.posts import FieldErrors, Post, PostStatus
from tests.unit.services.kit import ADMIN, NOW, OTHER_TEACHER, TEACHER, Kit

FORM = {
    "submission_id": "form-4f1c2a9b",
    "text": "Join #edtechchat tonight at 8 ET: feedback that works.",
    "local_date": "2026-11-05",
    "local_time": "19:00",
    "zone": "America/New_York",
}
DUE = datetime(2026, 11, 6, 0, 0, tzinfo=UTC)  # Thu 5 Nov 2026, 19:00 in New York


@pytest.fixture
def teacher(kit: Kit) -> Member:
    return kit.add_member(TEACHER, "Ana Rivera", zone="America/New_York")


@pytest.fixture
def other(kit: Kit) -> Member:
    return kit.add_member(OTHER_TEACHER, "Ngozi Okafor")


@pytest.fixture
def waiting(kit: Kit, teacher: Member) -> Post:
    """A member's post to the cohort's account, waiting for an admin."""
    kit.cohort_settings.set_require_approval(True)
    return kit.scheduling.schedule(teacher, FORM, NOW)


def edit_form(post: Post, **changes: str) -> dict[str, str]:
    values = {
        "text": post.text,
        "local_date": post.local_date.isoformat(),
        "local_time": f"{post.local_time:%H:%M}",
        "zone": post.zone,
    }
    return {**values, **changes}


# ----- the form ---------------------------------------------------------------------------------


def test_a_scheduled_post_is_queued_for_its_local_time(kit: Kit, teacher: Member) -> None:
    post = kit.scheduling.schedule(teacher, FORM, NOW)

    stored = kit.post(FORM["submission_id"])
    assert stored == post
    assert (stored.status, stored.due_utc, stored.targets[0].next_action_at) == (
        PostStatus.QUEUED,
        DUE,
        DUE,
    )
    assert (stored.author_email, stored.targets[0].account) == (TEACHER, "cohort")
    assert [j.post.id for j in kit.posts.due(DUE)] == [post.id]


def test_the_same_form_submitted_twice_makes_one_post(kit: Kit, teacher: Member) -> None:
    first = kit.scheduling.schedule(teacher, FORM, NOW)
    again = kit.scheduling.schedule(teacher, FORM, NOW + timedelta(seconds=2))

    assert again == first
    assert [p.id for p in kit.scheduling.queue(teacher, None).posts] == [first.id]


def test_another_members_form_id_is_refused(kit: Kit, teacher: Member, other: Member) -> None:
    kit.scheduling.schedule(teacher, FORM, NOW)

    with pytest.raises(Conflict):
        kit.scheduling.schedule(other, {**FORM, "text": "Mine now?"}, NOW)

    assert kit.post(FORM["submission_id"]).text == FORM["text"]
    assert kit.scheduling.queue(other, None).posts == []


def test_a_time_that_has_passed_names_the_field(kit: Kit, teacher: Member) -> None:
    with pytest.raises(FieldErrors) as refused:
        kit.scheduling.schedule(teacher, {**FORM, "local_date": "2026-11-01"}, NOW)

    assert set(refused.value.errors) == {"local_time"}
    assert kit.posts.page(None, 10).posts == []


# ----- each member's own posts ------------------------------------------------------------------


def test_members_see_and_manage_only_their_own_posts(
    kit: Kit, teacher: Member, other: Member
) -> None:
    post = kit.scheduling.schedule(teacher, FORM, NOW)
    theirs = kit.scheduling.schedule(
        other, {**FORM, "submission_id": "form-other-001", "text": "Mine."}, NOW
    )
    edit = edit_form(post, text="Taken over.")

    for attempt in (
        lambda: kit.scheduling.editable(other, post.id),
        lambda: kit.scheduling.edit(other, post.id, edit, NOW),
        lambda: kit.scheduling.cancel(other, post.id),
        lambda: kit.scheduling.form(other, post_id=post.id),
        lambda: kit.scheduling.cancel(other, "no-such-post"),
        lambda: kit.scheduling.cancel(other, "x" * 65),
    ):
        with pytest.raises(NotFound):
            attempt()

    assert kit.post(post.id) == post
    assert [p.id for p in kit.scheduling.queue(other, None).posts] == [theirs.id]
    assert {p.id for p in kit.scheduling.queue(kit.admin(), None).posts} == {post.id, theirs.id}


def test_a_member_edits_and_cancels_their_own_post(kit: Kit, teacher: Member) -> None:
    post = kit.scheduling.schedule(teacher, FORM, NOW)

    edited = kit.scheduling.edit(teacher, post.id, edit_form(post, local_time="20:00"), NOW)
    cancelled = kit.scheduling.cancel(teacher, post.id)

    assert edited.due_utc == DUE + timedelta(hours=1)
    assert cancelled.status is PostStatus.CANCELLED
    assert kit.posts.due(DUE + timedelta(days=1)) == []
    with pytest.raises(Conflict):
        kit.scheduling.edit(teacher, post.id, edit_form(post), NOW)


def test_a_post_that_started_can_no_longer_be_changed(kit: Kit, teacher: Member) -> None:
    post = kit.scheduling.schedule(teacher, FORM, NOW)
    kit.tick(DUE)
    assert kit.post(post.id).status is PostStatus.POSTED

    with pytest.raises(Conflict):
        kit.scheduling.cancel(teacher, post.id)
    with pytest.raises(Conflict):
        kit.scheduling.edit(teacher, post.id, edit_form(post, text="Too late."), NOW)
    assert kit.published_texts() == [post.text]


def test_a_post_whose_last_try_may_have_gone_out_is_not_changed_until_it_is_settled(
    kit: Kit, teacher: Member
) -> None:
    post = kit.scheduling.schedule(teacher, FORM, NOW)
    kit.network.script(OutcomeUnknown("The connection dropped before X answered."))
    kit.tick(DUE)  # not found on the account yet: tried again later, after looking once more
    assert kit.target(post.id).status is PostStatus.QUEUED

    with pytest.raises(Conflict) as editing:
        kit.scheduling.edit(teacher, post.id, edit_form(post, text="Changed meanwhile."), NOW)

    assert "could post it twice" in editing.value.message
    assert kit.post(post.id).text == post.text
    kit.tick(DUE + timedelta(hours=1))
    assert kit.published_texts() == [post.text]


def test_a_member_posts_to_their_own_connected_account_without_approval(
    kit: Kit, teacher: Member
) -> None:
    kit.cohort_settings.set_require_approval(True)
    with pytest.raises(FieldErrors) as not_connected:
        kit.scheduling.schedule(teacher, {**FORM, "account": "mine"}, NOW)
    connection = kit.connect_own_account(teacher)

    post = kit.scheduling.schedule(teacher, {**FORM, "account": "mine"}, NOW)
    kit.tick(DUE)

    assert set(not_connected.value.errors) == {"targets"}
    offered = [(c.value, c.label) for c in kit.scheduling.form(teacher).targets]
    assert ("x:mine", "My own X account (@rivera_teaches)") in offered
    assert connection.username == "rivera_teaches"
    assert (post.targets[0].account, post.status) == (f"member:{TEACHER}", PostStatus.QUEUED)
    [published] = kit.network.calls_to("publish")
    assert published == {"account": f"member:{TEACHER}", "text": FORM["text"]}


# ----- approval ---------------------------------------------------------------------------------


def test_with_approval_on_a_members_post_waits_for_an_admin(kit: Kit, waiting: Post) -> None:
    assert waiting.status is PostStatus.PENDING_APPROVAL
    assert kit.posts.due(DUE + timedelta(days=1)) == []

    kit.scheduling.approve(kit.admin(), waiting.id, str(waiting.version), {}, NOW)

    queued = kit.target(waiting.id)
    assert (queued.status, queued.next_action_at) == (PostStatus.QUEUED, DUE)
    kit.tick(DUE)
    assert kit.published_texts() == [waiting.text]


def test_only_an_admin_approves(kit: Kit, waiting: Post, teacher: Member) -> None:
    with pytest.raises(NotAllowed):
        kit.scheduling.approve(teacher, waiting.id, str(waiting.version), {}, NOW)
    assert kit.post(waiting.id).status is PostStatus.PENDING_APPROVAL


def test_a_post_edited_after_the_admin_looked_is_neither_approved_nor_declined_unseen(
    kit: Kit, waiting: Post, teacher: Member
) -> None:
    seen = str(waiting.version)  # on the admin's page
    kit.scheduling.edit(
        teacher, waiting.id, edit_form(waiting, text="Changed after the admin looked."), NOW
    )
    edited = kit.post(waiting.id)

    with pytest.raises(Conflict) as approving:
        kit.scheduling.approve(kit.admin(), waiting.id, seen, {}, NOW)
    with pytest.raises(Conflict):
        kit.scheduling.decline(kit.admin(), waiting.id, seen, "No.")

    assert "changed since you looked" in approving.value.message
    assert kit.post(waiting.id) == edited  # nothing changed
    assert (edited.status, edited.text) == (
        PostStatus.PENDING_APPROVAL,
        "Changed after the admin looked.",
    )
    assert kit.mailer.sent == []

    fresh = str(edited.version)
    approved = kit.scheduling.approve(kit.admin(), waiting.id, fresh, {}, NOW)
    assert approved.status is PostStatus.QUEUED
    assert kit.post(waiting.id).text == "Changed after the admin looked."


@pytest.mark.parametrize(
    "version", [None, "", "x", "-1", "²", "٣", pytest.param("9" * 5000, id="5000 digits")]
)
def test_approving_without_the_version_seen_changes_nothing(
    kit: Kit, waiting: Post, version: str | None
) -> None:
    with pytest.raises(Refused):
        kit.scheduling.approve(kit.admin(), waiting.id, version, {}, NOW)
    assert kit.post(waiting.id) == waiting


def test_a_post_approved_after_its_time_goes_out_at_once(kit: Kit, waiting: Post) -> None:
    late = DUE + timedelta(hours=3)

    kit.scheduling.approve(kit.admin(), waiting.id, str(waiting.version), {}, late)

    assert kit.target(waiting.id).next_action_at == late
    kit.tick(late)
    assert kit.published_texts() == [waiting.text]


def test_an_admin_approves_for_a_new_time(kit: Kit, waiting: Post) -> None:
    new_time = {"local_date": "2026-12-08", "local_time": "19:00", "zone": "America/New_York"}

    kit.scheduling.approve(kit.admin(), waiting.id, str(waiting.version), new_time, NOW)

    post = kit.post(waiting.id)
    assert post.status is PostStatus.QUEUED
    assert post.due_utc == post.targets[0].next_action_at == datetime(2026, 12, 9, 0, 0, tzinfo=UTC)
    assert post.text == waiting.text


def test_a_declined_post_tells_its_author_why_once(kit: Kit, waiting: Post) -> None:
    with pytest.raises(Refused):
        kit.scheduling.decline(kit.admin(), waiting.id, str(waiting.version), "  ")

    kit.scheduling.decline(kit.admin(), waiting.id, str(waiting.version), "Add the chat's hashtag.")

    declined = kit.post(waiting.id)
    assert (declined.status, declined.reason) == (PostStatus.DECLINED, "Add the chat's hashtag.")
    [mail] = kit.mailer.sent
    assert mail.to == [TEACHER]
    assert "was not approved" in mail.subject and "Add the chat's hashtag." in mail.text
    with pytest.raises(Conflict):
        kit.scheduling.decline(kit.admin(), waiting.id, str(declined.version), "Again.")
    assert len(kit.mailer.sent) == 1


def test_an_admins_own_posts_never_wait(kit: Kit) -> None:
    kit.cohort_settings.set_require_approval(True)

    post = kit.scheduling.schedule(kit.admin(), FORM, NOW)

    assert post.status is PostStatus.QUEUED
    assert post.author_email == ADMIN


# ----- several networks -------------------------------------------------------------------------


def test_the_form_offers_the_cohorts_accounts_connected_and_each_members_own(
    kit: Kit, teacher: Member
) -> None:
    assert [c.value for c in kit.scheduling.form(teacher).targets] == ["x:cohort"]

    kit.connect_own_account(teacher)

    offered = kit.scheduling.form(teacher).targets
    assert [c.value for c in offered] == ["x:cohort", "x:mine"]
    assert [c.rule.network for c in offered] == ["x", "x"]


def test_a_cohort_that_keeps_its_accounts_to_admins_refuses_members_posts_to_them(
    kit: Kit, teacher: Member
) -> None:
    kit.scheduling.set_members_post_to_cohort(kit.admin(), False)

    with pytest.raises(FieldErrors) as refused:
        kit.scheduling.schedule(teacher, {**FORM, "targets": "x:cohort"}, NOW)

    assert set(refused.value.errors) == {"targets"}
    assert kit.scheduling.form(teacher).targets == []
    assert [c.value for c in kit.scheduling.form(kit.admin()).targets] == ["x:cohort"]
    assert kit.posts.page(None, 10).posts == []
    with pytest.raises(NotAllowed):
        kit.scheduling.set_members_post_to_cohort(teacher, True)


def test_an_account_not_offered_is_refused_and_nothing_is_stored(kit: Kit, teacher: Member) -> None:
    for targets in ("bluesky:cohort", "x:mine", "x:cohort,myspace:cohort", ""):
        with pytest.raises(FieldErrors) as refused:
            kit.scheduling.schedule(
                teacher, {**FORM, "targets_shown": "1", "targets": targets}, NOW
            )
        assert set(refused.value.errors) == {"targets"}
    assert kit.posts.page(None, 10).posts == []


# ----- found by writing these tests -------------------------------------------------------------


def test_an_admins_edit_keeps_the_authors_own_account_when_the_admin_has_none(
    kit: Kit, teacher: Member
) -> None:
    kit.connect_own_account(teacher)
    post = kit.scheduling.schedule(teacher, {**FORM, "account": "mine"}, NOW)
    admin = kit.admin()  # no X account of their own: the edit page offers no choice
    form = kit.scheduling.form(admin, post_id=post.id)

    kit.scheduling.edit(admin, post.id, {**form.values, "account": "cohort"}, NOW)

    assert kit.target(post.id).account == f"member:{TEACHER}"


def test_an_admins_edit_never_moves_a_post_to_the_admins_own_account(
    kit: Kit, teacher: Member
) -> None:
    kit.connect_own_account(teacher)
    post = kit.scheduling.schedule(teacher, {**FORM, "account": "mine"}, NOW)
    admin = kit.admin()
    kit.connect_own_account(admin)
    kit.membership.remove(admin, TEACHER, cancel_queued=False)

    # Refusing the edit would do too: removal cancels posts to the member's own account.
    with contextlib.suppress(Refused, FieldErrors, Conflict):
        form = kit.scheduling.form(admin, post_id=post.id)  # as the admin's edit page shows it
        kit.scheduling.edit(admin, post.id, {**form.values, "local_time": "20:00"}, NOW)

    assert kit.target(post.id).account == f"member:{TEACHER}"


def test_a_post_carries_its_authors_language_to_every_network(kit: Kit, teacher: Member) -> None:
    kit.membership.update_profile(
        teacher, {"name": teacher.name, "zone": teacher.zone, "language": "pt-BR"}, NOW
    )
    author = kit.members.get(TEACHER)
    assert author is not None and author.language == "pt-BR"

    post = kit.scheduling.schedule(author, FORM, NOW)
    kit.tick(DUE)

    assert post.language == "pt-BR"
    assert [o.language for o in kit.network.outgoing] == ["pt-BR"]


def test_a_language_that_is_no_language_tag_is_refused_and_nothing_changes(
    kit: Kit, teacher: Member
) -> None:
    for bad in ("english!", "e", "en_US x", "<script>"):
        with pytest.raises(FieldErrors) as refused:
            kit.membership.update_profile(
                teacher, {"name": teacher.name, "zone": teacher.zone, "language": bad}, NOW
            )
        assert set(refused.value.errors) == {"language"}
    stored = kit.members.get(TEACHER)
    assert stored is not None and stored.language == "en"
