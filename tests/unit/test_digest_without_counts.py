"""Digests that read well without counts, and without organisations among the voices: a
transcript imported with no likes, reposts or replies shows no zeros (the email's two parts and
the session page), its best answers are ranked by what the session shows (replies within it,
then quotes, then time), a session with counts keeps ranking by engagement, and accounts the
chat marks as organisations' are left out of the voices and first-timers."""

import re
from typing import Any

from chatdeck.domain.archive import ArchivedPost, count_or_none
from chatdeck.web.pages import templates
from tests.unit.test_digest import author_id, best, digest, post, question, render_digest

NO_COUNTS: dict[str, Any] = {"likes": None, "reposts": None, "replies": None, "quotes": None}


def imported(handle: str, text: str, minute: float, **fields: Any) -> ArchivedPost:
    """A post of a transcript imported without counts."""
    return post(handle, text, minute, **{**NO_COUNTS, **fields})


def transcript_session() -> list[ArchivedPost]:
    q1 = question(1, 2, **NO_COUNTS)
    early = imported("mrs_okafor_sci", "A1 Low-stakes quizzes, every lesson", 3)
    replied = imported("mr_lindqvist", "A1 Brain dumps at the door", 4)
    quoted = imported("teachbyjules", "A1 Retrieval grids on the board", 5)
    late = imported("kpatel_math", "A1 Spaced homework", 6)
    return [
        q1,
        early,
        replied,
        quoted,
        late,
        imported("msgarcia_ela", "Love this!", 7, reply_to=replied.id),
        imported("coach_tran", "So true", 8, reply_to=replied.id),
        imported("libraryliz", "Stealing this", 9, quote_of=quoted.id),
    ]


def test_without_counts_the_session_ranks_answers_replies_then_quotes_then_time() -> None:
    result = digest(transcript_session())
    assert best(result, 1) == [
        "A1 Brain dumps at the door",  # two replies within the session
        "A1 Retrieval grids on the board",  # quoted once
        "A1 Low-stakes quizzes, every lesson",  # then the earliest
    ]


def test_with_counts_engagement_still_ranks_and_the_session_breaks_its_ties() -> None:
    posts = [
        question(1, 2),
        post("mrs_okafor_sci", "A1 Liked a lot", 3, likes=9),
        post("mr_lindqvist", "A1 Liked a little", 4, likes=1),
        post("teachbyjules", "A1 Replied to in the session", 5, likes=1),
        post("coach_tran", "Yes!", 6),
    ]
    posts[-1] = posts[-1].model_copy(update={"reply_to": posts[3].id})
    assert best(digest(posts), 1) == [
        "A1 Liked a lot",
        "A1 Replied to in the session",  # ties on engagement with the next, replied to here
        "A1 Liked a little",
    ]


def test_no_zeros_are_shown_where_counts_are_unknown() -> None:
    result = digest(transcript_session())
    email = render_digest(result)
    page = templates().get_template("session.html").render(member=None, csrf="", digest=result)
    for part in (email.text, email.html, page):
        assert not re.search(r"\b0 (likes|reposts|replies)\b", part)
        assert "None" not in part
    assert "Brain dumps at the door" in email.text
    assert "(@mr_lindqvist on X): 1 post\n" in email.text  # a voice, no likes said
    assert "Erik Lindqvist</strong> @mr_lindqvist on X: 1 post, 1 answer</li>" in page


def test_known_counts_are_shown_zeros_included() -> None:
    result = digest([question(1, 2), post("mr_lindqvist", "A1 Known", 4, likes=2)])
    email = render_digest(result)
    assert "2 likes · 0 reposts · 0 replies" in email.text
    assert "2 likes · 0 reposts · 0 replies" in email.html


def test_a_network_count_is_kept_as_said_and_unknown_when_missing() -> None:
    assert [count_or_none(v) for v in (3, "4", 0, None, "", "x", True, -2)] == [
        3,
        4,
        0,
        None,
        None,
        None,
        None,
        0,
    ]
    assert imported("mr_lindqvist", "x", 1).engagement == 0
    assert not imported("mr_lindqvist", "x", 1).counts_known
    assert imported("mr_lindqvist", "x", 1, likes=2).count_labels == ("2 likes",)


def test_organisations_are_left_out_of_the_voices_and_first_timers() -> None:
    posts = [
        question(1, 2),
        post("libraryliz", "A1 Our library's retrieval kit: https://example.org/kit", 3),
        post("libraryliz", "Come visit the library stand!", 4),
        post("libraryliz", "And our newsletter", 5),
        post("mr_lindqvist", "A1 Brain dumps", 6),
        post("mr_lindqvist", "Great chat", 7),
    ]
    plain = digest(posts)
    marked = digest(posts, organisations=["@LibraryLiz"])
    assert [voice.handle for voice in plain.voices][:2] == ["libraryliz", "mr_lindqvist"]
    assert [voice.handle for voice in marked.voices] == ["mr_lindqvist"]
    assert [voice.handle for voice in marked.first_timers] == ["mr_lindqvist"]
    assert author_id("libraryliz") in marked.participant_ids  # still a participant
    assert marked.questions[0].answer_count == 2  # and its answer still counts
