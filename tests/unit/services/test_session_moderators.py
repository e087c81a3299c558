"""An admin corrects who moderated a past session, on the fakes: the page's digest is rebuilt with
them, the emailed digest uses them when it has not gone out yet and is not sent again when it
has, and a choice that names someone who did not post (or nobody) is refused, keeping nothing."""

from datetime import timedelta

import pytest

from chatdeck.domain.archive import ArchivedPost
from chatdeck.domain.errors import NotAllowed, NotFound
from chatdeck.services.session_moderators import (
    ModeratorChoiceRefused,
    chosen_moderators,
    session_authors,
)
from tests.unit.services.kit import START, TEACHER, WINDOW_END, Kit, a_tweet

SESSION = "20261103T0100Z"  # START, as the session page's address has it
GUEST = "dee"  # moderates this week; the chat's configured moderator only says hello


def a_guest_session() -> list[ArchivedPost]:
    return [
        a_tweet(1, "Welcome to #edtechchat! Dee moderates tonight.", by="edtechmod", minute=0),
        a_tweet(2, "Q1 What makes feedback land? #edtechchat", by=GUEST, minute=2),
        a_tweet(3, "A1 Feedback they can act on today #edtechchat", by="ana", minute=4, likes=9),
        a_tweet(4, "A1 Talking, not marking #edtechchat", by="ben", minute=5, likes=2),
        a_tweet(5, "Q2 And peer feedback? #edtechchat", by=GUEST, minute=20),
        a_tweet(6, "A2 Sentence starters help #edtechchat", by="eve", minute=22, likes=4),
        a_tweet(7, "RT @ana: A1 Feedback they can act on today", by="cy", minute=6),
    ]


@pytest.fixture
def archived(kit: Kit) -> Kit:
    """The session polled through its window and counted, its digest not sent yet."""
    kit.follow()
    kit.add_member(TEACHER, "Ana Rivera")
    kit.subscribe(TEACHER)
    kit.network.stage(*a_guest_session())
    for minutes in range(-15, 105, 15):
        kit.poller.poll(START + timedelta(minutes=minutes))
    kit.poller.poll(WINDOW_END + timedelta(minutes=1))
    kit.poller.refresh_counts(WINDOW_END + timedelta(minutes=2))
    return kit


def page_of(kit: Kit):  # type: ignore[no-untyped-def]
    _, page = kit.calendar.session("edtechchat", SESSION)
    assert page is not None
    return page


def test_the_page_lists_the_sessions_authors_to_tick_most_posts_first(archived: Kit) -> None:
    authors = page_of(archived).authors
    assert [(a.handle, a.posts) for a in authors][:2] == [(GUEST, 2), ("ana", 1)]
    assert "cy" not in {a.handle for a in authors}  # only reposted: asked nothing
    assert page_of(archived).archive.moderator_override is None


def test_an_admins_correction_is_kept_and_the_pages_digest_rebuilt_with_it(archived: Kit) -> None:
    kit = archived
    # inferred: Dee asked, the configured edtechmod ran the welcome
    assert page_of(kit).digest.moderators == (GUEST, "edtechmod")
    kit.calendar.correct_moderators(
        kit.admin(), "edtechchat", SESSION, {"moderators": "@Dee", "action": "save"}
    )
    page = page_of(kit)
    assert page.archive.moderator_override == (GUEST,)
    assert page.digest.moderators == (GUEST,)
    asked = [h.question.post.text for h in page.digest.questions if h.question.post]
    assert asked == [
        "Q1 What makes feedback land? #edtechchat",
        "Q2 And peer feedback? #edtechchat",
    ]
    assert [a.author_handle for a in page.digest.questions[0].best_answers] == ["ana", "ben"]
    assert GUEST not in {voice.handle for voice in page.digest.voices}


def test_inferring_again_clears_the_correction(archived: Kit) -> None:
    kit = archived
    kit.calendar.correct_moderators(kit.admin(), "edtechchat", SESSION, {"moderators": GUEST})
    kit.calendar.correct_moderators(kit.admin(), "edtechchat", SESSION, {"action": "infer"})
    assert page_of(kit).archive.moderator_override is None


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({"moderators": "dee,somebody_else"}, "@somebody_else posted nothing in this session"),
        ({"moderators": ""}, "Tick at least one moderator"),
        ({"moderators": " , "}, "Tick at least one moderator"),
        ({"moderators": "dee", "action": "delete"}, "Choose “Save moderators”"),
    ],
)
def test_a_choice_naming_a_stranger_or_nobody_is_refused_and_keeps_nothing(
    archived: Kit, values: dict[str, str], said: str
) -> None:
    with pytest.raises(ModeratorChoiceRefused, match=said) as refused:
        archived.calendar.correct_moderators(archived.admin(), "edtechchat", SESSION, values)
    assert refused.value.status == 422
    assert page_of(archived).archive.moderator_override is None


def test_only_an_admin_corrects_moderators(archived: Kit) -> None:
    teacher = archived.membership.member(TEACHER)
    assert teacher is not None
    with pytest.raises(NotAllowed):
        archived.calendar.correct_moderators(teacher, "edtechchat", SESSION, {"moderators": GUEST})
    assert page_of(archived).archive.moderator_override is None


def test_a_session_without_an_archive_cannot_be_corrected(kit: Kit) -> None:
    kit.follow()
    with pytest.raises(NotFound, match="no archive yet"):
        kit.calendar.correct_moderators(kit.admin(), "edtechchat", SESSION, {"moderators": GUEST})


def test_a_digest_not_sent_yet_goes_out_with_the_correction_and_is_not_sent_again(
    archived: Kit,
) -> None:
    kit = archived
    kit.calendar.correct_moderators(kit.admin(), "edtechchat", SESSION, {"moderators": GUEST})
    assert kit.digests.send_ready(WINDOW_END + timedelta(minutes=3)) == 1  # the one subscriber
    (email,) = kit.emails_to(TEACHER)
    assert "Q1 What makes feedback land?" in email.text
    assert "Feedback they can act on today" in email.text

    kit.calendar.correct_moderators(kit.admin(), "edtechchat", SESSION, {"action": "infer"})
    assert kit.digests.send_ready(WINDOW_END + timedelta(minutes=4)) == 0
    assert len(kit.emails_to(TEACHER)) == 1


def test_choices_are_read_across_networks_and_cases() -> None:
    posts = [
        a_tweet(1, "Q1 hello?", by="ana"),
        a_tweet(2, "hi", by="ben").model_copy(
            update={"network": "bluesky", "author_handle": "Ben.bsky.social"}
        ),
    ]
    authors = session_authors(posts)
    assert {(a.handle, a.network_name) for a in authors} == {
        ("ana", "X"),
        ("ben.bsky.social", "Bluesky"),
    }
    assert chosen_moderators({"moderators": "ANA,@ben.bsky.social,ana"}, authors) == (
        "ana",
        "ben.bsky.social",
    )
