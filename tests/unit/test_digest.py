"""A chat session's digest and transcript, its email and its page.

(Long on purpose: each rule of chatdeck.domain.digest has its cases here, built from one small
session maker, so the rules and their cases read side by side.)
"""

import random
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import escape
from pydantic import ValidationError

from bench.digest_bench import session as bench_session
from chatdeck.domain.archive import ArchivedPost
from chatdeck.domain.chats import Chat, occurrence_on
from chatdeck.domain.digest import Digest, build_digest, digest_for_occurrence, transcript
from chatdeck.domain.links import normalise_url
from chatdeck.domain.schedule import UnknownZone
from chatdeck.notifications.notices import render_email
from chatdeck.web.pages import templates

STARTS_AT = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # Mon 7 Dec 2026, 20:00 in New York
MODERATORS = ["MsRiveraTeaches", "coach_dan_edu"]
CHAT_ACCOUNT = "edtechchat"
TEACHERS = {
    "MsRiveraTeaches": "Ana Rivera",
    "coach_dan_edu": "Dan Brooks",
    "edtechchat": "EdTech Chat",
    "mrs_okafor_sci": "Ngozi Okafor",
    "mr_lindqvist": "Erik Lindqvist",
    "teachbyjules": "Jules Moreau",
    "kpatel_math": "Kiran Patel",
    "msgarcia_ela": "Lucía García",
    "coach_tran": "Minh Tran",
    "libraryliz": "Liz Hart",
}
PLANNED = [
    "How do you use retrieval practice without it feeling like a quiz?",
    "Which tool saved you the most time this semester?",
    "How do you teach students to question what a chatbot says?",
]
_next_id = 1865000000000000000


def post(handle: str, text: str, minute: float, **fields: Any) -> ArchivedPost:
    """A post by one of TEACHERS, `minute` minutes after 20:00, with ids growing over time."""
    global _next_id
    _next_id += 1000
    defaults: dict[str, Any] = {
        "id": str(_next_id),
        "author_id": str(1000 + list(TEACHERS).index(handle)),
        "author_handle": handle,
        "author_name": TEACHERS[handle],
        "text": text,
        "created_at": STARTS_AT + timedelta(minutes=minute),
    }
    return ArchivedPost.model_validate(defaults | fields)


def question(number: int, minute: float, text: str = "", **fields: Any) -> ArchivedPost:
    text = text or f"Q{number}: {PLANNED[number - 1] if number <= len(PLANNED) else 'Bonus?'}"
    return post("MsRiveraTeaches", f"{text} #edtechchat", minute, **fields)


def digest(
    posts: Sequence[ArchivedPost],
    earlier: set[str] | None = None,
    planned: Sequence[str] = (),
    **options: Any,
) -> Digest:
    return build_digest(
        posts,
        chat_name="EdTech Chat",
        hashtag="edtechchat",
        moderators=MODERATORS,
        chat_account=CHAT_ACCOUNT,
        occurrence_id="edtechchat#2026-12-08T01:00:00Z",
        local_date=date(2026, 12, 7),
        starts_at=STARTS_AT,
        ends_at=STARTS_AT + timedelta(hours=1),
        zone="America/New_York",
        earlier_participants=earlier or set(),
        planned_questions=planned,
        **options,
    )


def author_id(handle: str) -> str:
    return post(handle, "", 0).author_id


def best(result: Digest, number: int) -> list[str]:
    return [answer.text for answer in result.questions[number - 1].best_answers]


# --- best answers -------------------------------------------------------------------------------


def test_engagement_counts_reposts_and_quotes_twice() -> None:
    answer = post("kpatel_math", "A1: x", 1, likes=3, reposts=2, quotes=1, replies=4)
    assert answer.engagement == 3 + 2 * (2 + 1) + 4


def test_best_answers_are_ranked_by_engagement_top_three() -> None:
    # Given five answers to Q1 with likes, reposts and replies
    posts = [
        question(1, 0),
        post("mrs_okafor_sci", "A1: Brain dumps at the bell.", 2, likes=10),
        post("mr_lindqvist", "A1 Retrieval grids, low stakes.", 3, reposts=6),
        post("teachbyjules", "a1 Flashcards they write themselves", 4, replies=11),
        post("kpatel_math", "A1) Kahoot on Fridays", 5, likes=1),
        post("msgarcia_ela", "A1 - Think-pair-share", 6, likes=2),
    ]
    # When the digest is built
    result = digest(posts)
    # Then reposts (12) beat replies (11) beat likes (10), and only three are shown
    assert best(result, 1) == [
        "A1 Retrieval grids, low stakes.",
        "a1 Flashcards they write themselves",
        "A1: Brain dumps at the bell.",
    ]
    assert result.questions[0].answer_count == 5


def test_a_tie_goes_to_the_earliest_answer() -> None:
    posts = [
        question(1, 0),
        post("mrs_okafor_sci", "A1: later", 9, likes=4),
        post("mr_lindqvist", "A1: earlier", 1, likes=2, replies=2),
        post("teachbyjules", "A1: same minute, bigger id", 3, id="1865000000000900000", likes=4),
        post("kpatel_math", "A1: same minute, smaller id", 3, id="186500000000090000", likes=4),
    ]
    assert best(digest(posts), 1) == [
        "A1: earlier",
        "A1: same minute, smaller id",
        "A1: same minute, bigger id",
    ]


def test_how_many_best_answers_is_a_choice() -> None:
    posts = [question(1, 0), post("kpatel_math", "A1: a", 1), post("coach_tran", "A1: b", 2)]
    assert best(digest(posts, best_answers_per_question=1), 1) == ["A1: a"]


def test_a_configured_moderator_who_does_not_moderate_this_week_answers_as_a_participant() -> None:
    # Given coach_dan_edu (configured) only answers tonight, and the moderator answers too
    posts = [
        question(1, 0),
        post("coach_dan_edu", "A1: I always start with a brain dump!", 2, likes=90),
        post("kpatel_math", "A1: Exit tickets.", 3, likes=1),
        post("MsRiveraTeaches", "A1: Mine is a sticky note wall", 4),
    ]
    result = digest(posts)
    # Then all three answer (issue 11 changed "moderators never answer"), and coach_dan_edu is a
    # voice: configured moderators are hints, the session's moderators are who asked
    assert best(result, 1) == [
        "A1: I always start with a brain dump!",
        "A1: Exit tickets.",
        "A1: Mine is a sticky note wall",
    ]
    assert result.moderators == ("msriverateaches",)
    assert result.moderators_inferred
    assert [voice.handle for voice in result.voices] == ["coach_dan_edu", "kpatel_math"]


def test_a_post_answering_two_questions_counts_under_both_and_once_in_the_numbers() -> None:
    posts = [
        question(1, 0),
        question(2, 10),
        post("msgarcia_ela", "A1/A2 Co-planning with my grade team covers both!", 12, likes=5),
        post("coach_tran", "A2 & A1: relationships first", 13),
    ]
    result = digest(posts)
    assert best(result, 1) == best(result, 2)
    assert best(result, 1)[0].startswith("A1/A2")
    assert result.numbers.answers == 2


def test_a_reply_to_a_question_without_a_number_answers_it() -> None:
    q1 = question(1, 0)
    q2 = question(2, 10)
    posts = [
        q1,
        q2,
        post("libraryliz", "@MsRiveraTeaches Sticky-note exit tickets!", 11, reply_to=q1.id),
        post("coach_tran", "So true for my 7th graders 👇", 12, quote_of=q2.id),
        post("kpatel_math", "A1: said it before, say it again", 13, reply_to=q2.id),
    ]
    result = digest(posts)
    assert best(result, 1) == [
        "@MsRiveraTeaches Sticky-note exit tickets!",
        "A1: said it before, say it again",
    ]
    assert best(result, 2) == ["So true for my 7th graders 👇"]


def test_a_reply_to_an_answer_is_conversation() -> None:
    answer = post("kpatel_math", "A1: Retrieval grids", 2)
    reply = post("teachbyjules", "@kpatel_math Do you have a template?", 3, reply_to=answer.id)
    result = digest([question(1, 0), answer, reply])
    assert result.transcript.conversation == (reply,)


def test_an_answer_past_the_last_question_goes_to_the_question_open_then() -> None:
    # Given one question, an "A10" (issue 11: it went to the conversation before) and "A1/A10"
    posts = [
        question(1, 0),
        post("kpatel_math", "A10 Make it visible on the wall", 2),
        post("coach_tran", "A1/A10 Both!", 3),
    ]
    result = digest(posts)
    # Then A10 answers Q1, the question open when it was posted; A1/A10 answers Q1 once
    assert best(result, 1) == ["A10 Make it visible on the wall", "A1/A10 Both!"]
    assert result.transcript.conversation == ()
    assert result.numbers.questions == 1


# --- questions ----------------------------------------------------------------------------------


def test_question_texts_come_from_the_moderator_or_the_plan() -> None:
    # Given Q1 posted, Q2 only planned, Q3 planned but posted differently, and a Q4 posted
    posts = [
        question(1, 0),
        question(3, 20, "Q3: Chatbots: friend or foe?"),
        question(4, 30, "Q4: Bonus question, what's next?"),
    ]
    result = digest(posts, planned=PLANNED)
    headings = [highlight.question.heading for highlight in result.questions]
    # Then the posts win, the plan fills the gap
    assert headings == [
        f"Q1: {PLANNED[0]} #edtechchat",
        f"Q2: {PLANNED[1]}",
        "Q3: Chatbots: friend or foe? #edtechchat",
        "Q4: Bonus question, what's next? #edtechchat",
    ]
    assert result.questions[1].question.post is None


def test_a_question_the_archive_missed_keeps_its_number() -> None:
    result = digest([question(1, 0), question(3, 20)])
    assert [h.question.heading for h in result.questions][1] == "Q2"
    assert result.numbers.questions == 3


def test_the_chat_account_asks_questions_too() -> None:
    result = digest([post("edtechchat", "Q1: What's your why?", 0)])
    assert result.questions[0].question.heading == "Q1: What's your why?"


def test_a_question_posted_twice_keeps_the_one_that_asks() -> None:
    reminder = question(1, 5, "Q1 - last call for answers!")
    asked = question(1, 0, "Q1: How do you open class on Mondays?")
    teaser = post("MsRiveraTeaches", "Q1 coming up in 2 minutes!", -2)
    result = digest([reminder, asked, teaser])
    assert result.questions[0].question.post == asked
    assert result.transcript.conversation == (teaser, reminder)


def test_a_session_without_posts_has_planned_questions_and_zeros() -> None:
    result = digest([], planned=PLANNED)
    assert result.numbers.model_dump() == {
        "posts": 0,
        "participants": 0,
        "answers": 0,
        "questions": 3,
        "links": 0,
    }
    assert all(not highlight.best_answers for highlight in result.questions)


# --- reposts ------------------------------------------------------------------------------------


def test_reposts_are_left_out() -> None:
    answer = post("kpatel_math", "A1: Retrieval grids https://t.co/abc", 2, links=["https://a.org"])
    posts = [
        question(1, 0),
        answer,
        post("coach_tran", answer.text, 3, repost_of=answer.id, links=["https://a.org"]),
        post("libraryliz", "RT @kpatel_math: A1: Retrieval grids", 4),
    ]
    result = digest(posts)
    assert result.numbers.posts == 2
    assert result.questions[0].answer_count == 1
    assert result.links[0].count == 1
    assert result.transcript.reposts_left_out == 2
    assert {voice.handle for voice in result.voices} == {"kpatel_math"}


def test_a_short_answer_copied_word_for_word_by_another_account_counts_once() -> None:
    # Given an export that dropped the "RT @" of retweets: a short answer comes back verbatim
    # from another account, while two people's "A1: Yes!" are each their own (too short to tell)
    answer = post("kpatel_math", "A1 Grades 9-12 #edtechchat", 2)
    posts = [
        question(1, 0),
        answer,
        post("mr_lindqvist", "A1: Yes!", 3),
        post("libraryliz", "A1: Yes!", 4),
        post("MsRiveraTeaches", answer.text, 5),
    ]
    result = digest(posts)
    # Then the copy is left out as a repost and the answer is counted once
    assert result.transcript.reposts_left_out == 1
    assert result.questions[0].answer_count == 3


# --- links --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("https://www.edutopia.org/article/x", "https://www.edutopia.org/article/x"),
        ("HTTPS://WWW.Edutopia.ORG/article/X", "https://www.edutopia.org/article/X"),
        ("https://www.cultofpedagogy.com/feedback/", "https://www.cultofpedagogy.com/feedback"),
        ("https://padlet.com/", "https://padlet.com"),
        ("https://a.org/p?utm_source=twitter&utm_medium=social", "https://a.org/p"),
        ("https://a.org/p?id=7&UTM_Campaign=x&fbclid=IwAR0", "https://a.org/p?id=7"),
        ("https://a.org/p?gclid=1&page=2&q=a%20b", "https://a.org/p?page=2&q=a%20b"),
        ("https://a.org/p#section-2", "https://a.org/p"),
        ("https://a.org:443/p", "https://a.org/p"),
        ("http://a.org:8080/p/", "http://a.org:8080/p"),
        (" https://a.org/p ", "https://a.org/p"),
    ],
)
def test_normalise_url(url: str, normal: str) -> None:
    assert normalise_url(url) == normal


def test_links_are_deduplicated_counted_and_credited_to_the_first_sharer() -> None:
    cult = "https://www.cultofpedagogy.com/feedback/"
    posts = [
        question(1, 0),
        post("teachbyjules", "A1 this https://t.co/1", 3, links=[cult + "?utm_source=tw"]),
        post("libraryliz", "A1: https://t.co/2 and again https://t.co/3", 2, links=[cult, cult]),
        post("kpatel_math", "Also https://t.co/4", 4, links=["https://CultOfPedagogy.com/x#top"]),
        post("coach_tran", "Must read", 5, links=["https://www.CultOfPedagogy.com/feedback"]),
        post("MsRiveraTeaches", "Tonight's slides", 1, links=["https://padlet.com/msrivera/ed"]),
    ]
    result = digest(posts)
    assert [(link.url, link.count, link.first_shared_by) for link in result.links] == [
        ("https://www.cultofpedagogy.com/feedback", 3, "libraryliz"),
        ("https://padlet.com/msrivera/ed", 1, "MsRiveraTeaches"),
        ("https://cultofpedagogy.com/x", 1, "kpatel_math"),
    ]
    assert result.numbers.links == 3


@pytest.mark.parametrize(
    "url",
    [
        "https://x.com/kpatel_math/status/1865000000000001000",
        "https://twitter.com/kpatel_math/status/1865000000000001000/photo/1",
        "https://mobile.twitter.com/i/web/status/1865000000000001000",
        "https://bsky.app/profile/kpatel.bsky.social/post/3kxyz",
        "javascript:alert(1)",
        "mailto:teacher@school.example",
        "ftp://files.example.org/worksheet.pdf",
    ],
)
def test_links_to_posts_and_non_web_links_are_not_shared_links(url: str) -> None:
    shared = post("coach_tran", "Look 👇", 2, links=[url])
    assert digest([shared]).links == ()


def test_a_profile_on_x_is_a_shared_link() -> None:
    shared = post("coach_tran", "Follow her!", 2, links=["https://x.com/kpatel_math"])
    assert [link.url for link in digest([shared]).links] == ["https://x.com/kpatel_math"]


# --- voices and first-timers --------------------------------------------------------------------


def chatty_session() -> list[ArchivedPost]:
    """Six participants: posts 4, 3, 3 (fewer likes), 2, 1 (a best answer), 1, plus moderators."""
    return [
        question(1, 0),
        post("coach_dan_edu", "Welcome all!", -1),
        post("coach_dan_edu", "Love these answers", 3),
        post("coach_dan_edu", "Keep going", 4),
        post("coach_dan_edu", "Q2 in 2 minutes", 8),
        post("coach_dan_edu", "Thanks for coming!", 59),
        *(post("mrs_okafor_sci", f"A1: idea {n}", 1 + n, likes=1) for n in range(4)),
        *(post("mr_lindqvist", f"Agreed {n}", 2 + n, likes=5) for n in range(3)),
        *(post("teachbyjules", f"A1 thought {n}", 3 + n, likes=3 - n) for n in range(3)),
        *(post("msgarcia_ela", f"Hello {n}", 4 + n) for n in range(2)),
        post("kpatel_math", "A1: Standards-based grading changed everything.", 9, likes=40),
        post("libraryliz", "Lurking tonight 👋", 10),
    ]


def test_the_most_active_voices_are_the_five_who_posted_most() -> None:
    result = digest(chatty_session())
    assert [(voice.handle, voice.posts) for voice in result.voices] == [
        ("mrs_okafor_sci", 4),
        ("mr_lindqvist", 3),
        ("teachbyjules", 3),
        ("msgarcia_ela", 2),
        ("kpatel_math", 1),
    ]
    lindqvist = result.voices[1]
    assert (lindqvist.name, lindqvist.answers, lindqvist.likes_received) == (
        "Erik Lindqvist",
        0,
        15,
    )


def test_first_timers_posted_twice_or_wrote_a_best_answer() -> None:
    # Given Ms Okafor has taken part before
    result = digest(chatty_session(), earlier={author_id("mrs_okafor_sci")})
    # Then the newcomers with two posts or a best answer are worth following; a lurker is not
    assert [(voice.handle, voice.best_answer_to) for voice in result.first_timers] == [
        ("mr_lindqvist", ()),
        ("teachbyjules", (1,)),
        ("msgarcia_ela", ()),
        ("kpatel_math", (1,)),
    ]


def test_the_participants_are_every_author() -> None:
    result = digest(chatty_session())
    absent = {author_id("edtechchat"), author_id("coach_tran")}
    assert result.participant_ids == {author_id(handle) for handle in TEACHERS} - absent


# --- numbers and transcript ---------------------------------------------------------------------


def test_numbers() -> None:
    q1 = question(1, 0)
    posts = [
        q1,
        question(2, 10),
        post("kpatel_math", "A1: grids https://t.co/a", 1, links=["https://a.org/grids"]),
        post("kpatel_math", "A2: forms", 11),
        post("coach_tran", "A1/A2 both", 12),
        post("libraryliz", "@MsRiveraTeaches Exit tickets", 2, reply_to=q1.id),
        post("teachbyjules", "Hi from Lyon!", -3, links=["https://a.org/grids/"]),
    ]
    assert digest(posts).numbers.model_dump() == {
        "posts": 7,
        "participants": 5,
        "answers": 4,
        "questions": 2,
        "links": 1,
    }


def test_the_transcript_has_every_post_in_time_order() -> None:
    posts = [*chatty_session(), question(2, 10), post("coach_tran", "A2 Late but here!", 12)]
    result = digest(list(reversed(posts)))
    q1, q2 = result.transcript.questions
    assert [p.created_at for p in q1.answers] == sorted(p.created_at for p in q1.answers)
    assert [p.text for p in q2.answers] == ["A2 Late but here!"]
    assert q2.question.post is not None and q2.question.post.text.startswith("Q2:")
    conversation = result.transcript.conversation
    assert [p.created_at for p in conversation] == sorted(p.created_at for p in conversation)
    filed = {
        p.id
        for thread in result.transcript.questions
        for p in (thread.question.post, *thread.answers)
        if p
    }
    assert filed | {p.id for p in conversation} == {p.id for p in posts}


def test_the_same_posts_in_any_order_give_the_same_digest() -> None:
    posts = bench_session(seed=7, posts=400)
    shuffled = posts[:]
    random.Random(1).shuffle(shuffled)
    assert digest(shuffled, planned=PLANNED) == digest(posts, planned=PLANNED)


def test_the_transcript_alone() -> None:
    posts = chatty_session()
    alone = transcript(posts, moderators=MODERATORS, chat_account=CHAT_ACCOUNT)
    assert alone == digest(posts).transcript


def test_a_post_archived_twice_counts_once_with_its_later_counts() -> None:
    answer = post("kpatel_math", "A1: grids", 2, likes=1)
    result = digest([question(1, 0), answer, answer.model_copy(update={"likes": 9})])
    assert result.numbers.posts == 2
    assert result.questions[0].best_answers[0].likes == 9


def test_a_1500_post_session_is_digested_with_its_six_questions() -> None:
    # How long this takes is measured in bench/digest_bench.py, not here.
    result = digest(bench_session(), planned=PLANNED)
    assert result.numbers.questions == 6


# --- times, chats and archived posts ------------------------------------------------------------


def test_a_chat_occurrence_gives_the_digest_its_plan_date_and_zone() -> None:
    chat = Chat.model_validate(
        {
            "id": "edtechchat",
            "name": "EdTech Chat",
            "hashtag": "edtechchat",
            "network": "x",
            "recurrence": {
                "weekday": 0,
                "start": wall_time(20, 0),
                "zone": "America/New_York",
                "duration_minutes": 60,
                "first_date": date(2026, 9, 7),
            },
            "moderators": ["@MsRiveraTeaches", "coach_dan_edu"],
            "chat_account": "EdTechChat",
            "questions": {date(2026, 12, 7): PLANNED},
        }
    )
    occurrence = occurrence_on(chat, date(2026, 12, 7))
    assert occurrence is not None
    result = digest_for_occurrence(chat, occurrence, [question(1, 0)], set())
    assert result.occurrence_id == "edtechchat#2026-12-08T01:00:00Z"
    assert (result.date_label, result.time_label) == (
        "Mon 7 Dec 2026",
        "20:00–21:00 America/New_York",
    )
    assert [h.question.heading for h in result.questions][1:] == [
        f"Q2: {PLANNED[1]}",
        f"Q3: {PLANNED[2]}",
    ]
    assert result.local(STARTS_AT + timedelta(minutes=5)).strftime("%H:%M") == "20:05"


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(UnknownZone):
        build_digest(
            [],
            chat_name="x",
            hashtag="x",
            moderators=[],
            chat_account=None,
            occurrence_id="x",
            local_date=date(2026, 12, 7),
            starts_at=STARTS_AT,
            ends_at=STARTS_AT,
            zone="America/Atlantis",
            earlier_participants=set(),
        )


def test_an_archived_post_is_checked() -> None:
    archived = post("kpatel_math", "A1", 1, author_handle="@kpatel_math", url="javascript:x()")
    assert (archived.author_handle, archived.url) == ("kpatel_math", None)
    with pytest.raises(ValidationError):
        post("kpatel_math", "A1", 1, created_at=datetime(2026, 12, 8, 1, 0))
    with pytest.raises(ValidationError):
        post("kpatel_math", "A1", 1, likes=-1)


# --- the email ----------------------------------------------------------------------------------

SESSION_URL = "https://chatdeck.school.example/sessions/edtechchat%232026-12-08T01%3A00%3A00Z"
UNSUBSCRIBE_URL = "https://chatdeck.school.example/unsubscribe/tok.en-123"


def email_session() -> list[ArchivedPost]:
    q1 = question(1, 0)
    return [
        q1,
        question(2, 10),
        post(
            "mrs_okafor_sci",
            "A1: Brain dumps <2 min> & no grades. Kids can't get enough!",
            2,
            likes=12,
            url="https://x.com/mrs_okafor_sci/status/1",
        ),
        post("teachbyjules", "@MsRiveraTeaches Retrieval grids", 3, reply_to=q1.id, reposts=2),
        post(
            "kpatel_math",
            "A2: Google Forms with auto-feedback https://t.co/x",
            12,
            likes=3,
            links=["https://support.google.com/docs/answer/7032287?utm_source=x"],
        ),
        post("kpatel_math", "A2 also Padlet", 13, links=["https://padlet.com/kp/wall"]),
    ]


def render_digest(result: Digest) -> Any:
    return render_email(
        "digest",
        ["ngozi@school.example"],
        digest=result,
        member=SimpleNamespace(name="Ngozi"),
        session_url=SESSION_URL,
        unsubscribe_url=UNSUBSCRIBE_URL,
    )


def test_the_email_carries_the_answers_and_links_in_both_parts() -> None:
    result = digest(email_session())
    email = render_digest(result)
    assert email.subject == "Highlights of #edtechchat, Mon 7 Dec 2026"
    for highlight in result.questions:
        for answer in highlight.best_answers:
            assert answer.text in email.text
            assert str(escape(answer.text)) in email.html
    for link in result.links:
        assert link.url in email.text
        assert f'href="{escape(link.url)}"' in email.html
    for part in (email.text, email.html):
        assert "Hello Ngozi" in part
        assert "@mrs_okafor_sci" in part
        assert "https://x.com/mrs_okafor_sci/status/1" in part
        assert "Mon 7 Dec 2026, 20:00–21:00 America/New_York" in part
    assert "<2 min>" not in email.html
    assert f"{SESSION_URL}" in email.text and f'href="{escape(SESSION_URL)}"' in email.html


def test_the_email_can_always_be_unsubscribed_from() -> None:
    for result in (digest(email_session()), digest([])):
        email = render_digest(result)
        assert UNSUBSCRIBE_URL in email.text
        assert f'href="{escape(UNSUBSCRIBE_URL)}"' in email.html


def test_the_email_html_is_made_for_mail_clients() -> None:
    html = render_digest(digest(email_session())).html
    assert "<script" not in html.lower()
    assert "<style" not in html.lower()
    assert 'style="' in html
    assert '<table role="presentation"' in html
    assert all(" alt=" in image for image in re.findall(r"<img\b[^>]*>", html))
    assert '<meta charset="utf-8">' in html


def test_an_empty_session_says_so() -> None:
    email = render_digest(digest([]))
    assert "Nothing was archived for this session" in email.text
    assert "Nothing was archived for this session" in email.html


# --- the session page ---------------------------------------------------------------------------


def test_the_session_page_shows_the_digest_and_every_post() -> None:
    posts = [*email_session(), post("libraryliz", "Lurking tonight 👋 <b>hi</b>", 30)]
    result = digest(posts)
    page = templates().get_template("session.html").render(member=None, csrf="", digest=result)
    for archived in posts:
        assert str(escape(archived.text)) in page
    assert "<b>hi</b>" not in page
    assert 'id="transcript"' in page and ">Conversation</h3>" in page
    assert "style=" not in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assert "<title>#edtechchat, Mon 7 Dec 2026 · Chatdeck</title>" in page


# --- several networks ---------------------------------------------------------------------------


def test_posts_of_two_networks_with_the_same_ids_are_all_kept_and_replies_stay_in_theirs() -> None:
    asked_on_x = question(1, 2)
    on_mastodon = {"network": "mastodon", "author_id": "1001"}  # ids like X's, on another network
    asked_on_mastodon = question(1, 2, id=asked_on_x.id, network="mastodon")  # author id 1000
    reply_on_x = post("mrs_okafor_sci", "Spaced quizzes", 4, reply_to=asked_on_x.id)
    same_id = {"id": reply_on_x.id, "reply_to": asked_on_x.id, **on_mastodon}
    reply_on_mastodon = post("kpatel_math", "Low stakes, always", 5, **same_id)

    result = digest([asked_on_x, asked_on_mastodon, reply_on_x, reply_on_mastodon])

    assert result.numbers.posts == 4
    assert sorted(a.network for a in result.questions[0].best_answers) == ["mastodon", "x"]
    assert result.networks == ("x", "mastodon")
    assert result.network_names == "X and Mastodon"
    # Author ids are told apart by network: 1000 on X and on Mastodon are two people.
    assert result.numbers.participants == 4
    assert {v.network for v in result.voices} == {"x", "mastodon"}


def test_a_mastodon_moderator_of_the_reading_instance_is_shown_without_its_server() -> None:
    asked = post("MsRiveraTeaches", "Q1: What works? #edtechchat", 1, network="mastodon",
                 author_handle="msriverateaches")  # fmt: skip
    result = build_digest(
        [asked, post("kpatel_math", "A1 retrieval", 3, network="mastodon")],
        chat_name="EdTech Chat", hashtag="edtechchat",
        moderators=["msriverateaches@mastodon.example"], chat_account=None,
        occurrence_id="edtechchat#2026-12-08T01:00:00Z", local_date=date(2026, 12, 7),
        starts_at=STARTS_AT, ends_at=STARTS_AT + timedelta(hours=1), zone="America/New_York",
        earlier_participants=set(), networks=["mastodon"],
    )  # fmt: skip

    assert result.questions[0].question.post == asked
    assert best(result, 1) == ["A1 retrieval"]
