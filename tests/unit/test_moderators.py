"""Chats as they really run (issue 11): who moderated a session, inferred from its posts, and
questions and answers read over the session's time, through the digest a teacher reads."""

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chatdeck.domain.archive import ArchivedPost
from chatdeck.domain.digest import Digest, build_digest, transcript
from chatdeck.domain.moderators import infer_moderators

STARTS_AT = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
_ids = iter(range(1_900_000_000_000_000_000, 2_000_000_000_000_000_000, 1000))


def post(handle: str, text: str, minute: float, **fields: Any) -> ArchivedPost:
    defaults: dict[str, Any] = {
        "id": str(next(_ids)),
        "author_id": f"id-{handle}",
        "author_handle": handle,
        "author_name": handle.title(),
        "text": text,
        "created_at": STARTS_AT + timedelta(minutes=minute),
    }
    return ArchivedPost.model_validate(defaults | fields)


def digest(
    posts: Sequence[ArchivedPost],
    moderators: Collection[str] = (),
    chat_account: str | None = None,
    **options: Any,
) -> Digest:
    return build_digest(
        posts,
        chat_name="Sci Chat",
        hashtag="scichat",
        moderators=moderators,
        chat_account=chat_account,
        occurrence_id="scichat#2026-12-08T01:00:00Z",
        local_date=date(2026, 12, 7),
        starts_at=STARTS_AT,
        ends_at=STARTS_AT + timedelta(hours=1),
        zone="America/New_York",
        earlier_participants=set(),
        **options,
    )


def asked(result: Digest) -> dict[int, str | None]:
    return {
        h.question.number: h.question.post.author_handle if h.question.post else None
        for h in result.questions
    }


def answers(result: Digest, number: int) -> list[str]:
    return [p.text for p in result.transcript.questions[number - 1].answers]


def a_session(moderator: str = "fred") -> list[ArchivedPost]:
    """A moderator welcomes, asks three questions in order, thanks; two participants answer."""
    return [
        post(moderator, "Welcome to #scichat! We'll use a Q1/A1 format.", 0),
        post(moderator, "Q1. What stands out in the new standards? #scichat", 5),
        post("amy", "A1: the practices #scichat", 7),
        post("ted", "A1 - fewer topics, more depth #scichat", 8),
        post(moderator, "Q2. How will engineering fit in? #scichat", 20),
        post("amy", "A2: design challenges #scichat", 22),
        post(moderator, "Q3. What support do you need? #scichat", 40),
        post("ted", "A3: time to plan together #scichat", 42),
        post(moderator, "Thanks for joining, everyone! #scichat", 60),
    ]


# --- moderators -----------------------------------------------------------------------------


def test_with_no_hints_the_moderator_is_who_asked() -> None:
    result = digest(a_session())
    assert result.moderators == ("fred",)
    assert result.moderators_inferred
    assert asked(result) == {1: "fred", 2: "fred", 3: "fred"}
    assert {v.handle for v in result.voices} == {"amy", "ted"}


def test_a_chat_account_that_never_asks_does_not_hide_the_questions() -> None:
    posts = [post("scichat", "Join #scichat in 5 minutes!", -5), *a_session()]
    result = digest(posts, chat_account="scichat")
    assert result.moderators == ("fred",)
    assert result.numbers.questions == 3
    assert "scichat" not in {v.handle for v in result.voices}


def test_announced_guests_moderate_even_the_one_who_never_asks() -> None:
    posts = [
        post("fred", "Our moderators tonight are @Gina and @Hal! Welcome to #scichat", 0),
        post("gina", "Q1: What is a phenomenon? #scichat", 5),
        post("hal", "Great to be here, follow the questions!", 6),
        post("amy", "A1: something students wonder about", 7),
        post("gina", "Q2: How do you find good ones? #scichat", 20),
        post("ted", "A2: the news", 21),
    ]
    result = digest(posts, moderators=["fred"])
    assert set(result.moderators) == {"gina", "hal", "fred"}
    assert {v.handle for v in result.voices} == {"amy", "ted"}


def test_a_guest_of_last_week_answering_q1_this_week_is_a_participant() -> None:
    # Given "gina" moderated last week and an admin listed everyone who ever moderated
    posts = [
        *a_session(),
        post("gina", "Q1: I loved last week's answers, this one too", 9),
        post("gina", "Q2: we start with a design brief", 23),
    ]
    result = digest(posts, moderators=["fred", "gina"])
    # Then she is not this week's moderator: her Q1/Q2 answer the questions
    assert result.moderators == ("fred",)
    assert asked(result) == {1: "fred", 2: "fred", 3: "fred"}
    assert "Q1: I loved last week's answers, this one too" in answers(result, 1)
    assert "Q2: we start with a design brief" in answers(result, 2)


def test_a_configured_moderator_who_hosted_last_week_is_not_named_by_thanks_for_it() -> None:
    posts = [*a_session(), post("amy", "Thanks @gina for hosting last week!", 61)]
    posts.append(post("gina", "Hi all, lurking tonight", 2))
    assert digest(posts).moderators == ("fred",)


def test_someone_who_says_they_host_tonight_is_a_moderator() -> None:
    posts = [*a_session(), post("hal", "I'm your co-host tonight, say hi!", 1)]
    assert set(digest(posts).moderators) == {"fred", "hal"}


def test_a_participant_typing_q_numbers_in_sequence_is_no_moderator() -> None:
    posts = [
        *a_session(),
        post("ted", "Q1 I think the practices matter most", 6),
        post("ted", "Q2 engineering is the hard part", 21),
        post("ted", "Q3 planning time, every time", 41),
    ]
    result = digest(posts)
    assert result.moderators == ("fred",)
    assert answers(result, 3) == [
        "Q3 planning time, every time",
        "A3: time to plan together #scichat",
    ]


def test_a_participants_q7_in_a_three_question_session_makes_no_moderator_nor_question() -> None:
    posts = [*a_session(), post("amy", "Q7: what a chat", 50)]
    result = digest(posts)
    assert result.moderators == ("fred",)
    assert result.numbers.questions == 3


def test_a_co_moderator_who_asks_one_question_in_turn_unannounced_moderates() -> None:
    # Given hosts taking turns, nobody announced: "gina" asks Q2 alone, between fred's Q1 and Q3
    posts = [
        *a_session()[:4],
        post("gina", "Question 2: Where do students get stuck? #scichat", 20),
        post("amy", "A 2: modelling #scichat", 22),
        # and a participant's own numbered question, then asked by a host, makes no moderator
        post("ted", "Q3: anyone tried the new lab kits? #scichat", 30),
        *a_session()[6:],
        post("fred", "Q4. What will you try next week? #scichat", 50),
    ]
    result = digest(posts)
    assert result.moderators == ("fred", "gina")
    assert asked(result) == {1: "fred", 2: "gina", 3: "fred", 4: "fred"}
    assert answers(result, 2) == ["A 2: modelling #scichat"]


def test_a_chat_account_and_its_guest_ask_in_other_chats_forms() -> None:
    # Given (synthetic, in other chats' conventions) a chat account asking #edchat-style, "Q1
    # What …" with no mark and no "?", a guest on Bluesky it announces, and answers typed "A1)",
    # "A 1:", "➡️ A2", "💡A3" from Bluesky and Mastodon accounts
    guest, amy, ted = "drkim.bsky.social", "amy.bsky.social", "ted@mastodon.social"
    posts = [
        post("edchat", f"Welcome to #edchat! Our guest moderator tonight is @{guest}", 0),
        post("edchat", "Q1 What is one routine that changed your classroom #edchat", 3),
        post(amy, "A1) Morning meeting #edchat", 5),
        post(ted, "A 1: exit tickets #edchat", 6),
        post(guest, "Q2 How do you give feedback students read #edchat", 10),
        post(amy, "➡️ A2 audio notes #edchat", 12),
        post(ted, f"@{guest} A2: conferences #edchat", 13),
        post("edchat", "Q3 What will you try next week #edchat", 20),
        post(amy, "💡A3 sketchnotes #edchat", 22),
    ]
    for configured in ({"chat_account": "edchat"}, {}):
        result = digest(posts, **configured)
        # Then both ask, every answer is filed, and the voices are the participants
        assert result.moderators == ("edchat", guest)
        assert asked(result) == {1: "edchat", 2: guest, 3: "edchat"}
        assert [len(answers(result, n)) for n in (1, 2, 3)] == [2, 2, 1]
        assert {v.handle for v in result.voices} == {amy, ted}


def test_reposts_and_copies_of_a_question_ask_nothing() -> None:
    question = "Q1. What stands out in the new standards? #scichat"
    posts = [
        *a_session(),
        post("amy", f"RT @fred: {question}", 6),
        post("ted", question, 6.5),  # an export's retweet without its "RT @fred:"
    ]
    result = digest(posts)
    assert result.moderators == ("fred",)
    assert result.transcript.reposts_left_out == 2
    assert result.questions[0].question.post is not None
    assert result.questions[0].question.post.author_handle == "fred"


def test_an_admins_override_is_taken_as_it_is() -> None:
    result = digest(a_session(), moderator_override=["@Amy"])
    assert result.moderators == ("amy",)
    assert not result.moderators_inferred
    assert result.numbers.questions == 0  # amy asked nothing
    assert "fred" in {v.handle for v in result.voices}


def test_the_transcript_infers_the_same_moderators() -> None:
    posts = a_session()
    alone = transcript(posts, moderators=["nobody"], chat_account=None)
    assert alone == digest(posts).transcript
    assert [t.question.post.author_handle for t in alone.questions if t.question.post] == [
        "fred"
    ] * 3


def test_no_question_and_nobody_announced_takes_the_hints_who_posted() -> None:
    posts = [post("fred", "Welcome!", 0), post("amy", "Hello", 1)]
    assert infer_moderators(posts, ["Fred", "absent"], None) == ("fred",)


# --- questions over time --------------------------------------------------------------------


def test_a_teaser_is_never_chosen_over_the_question_even_one_without_a_question_mark() -> None:
    posts = [
        post("fred", "Q1. What stands out? #scichat", 5),
        post("fred", "Q2 comin' right up", 18),
        post("fred", "Q2 Share one resource you love #scichat", 20),
        post("amy", "A2: PhET simulations", 21),
    ]
    result = digest(posts)
    assert result.questions[1].question.heading == "Q2 Share one resource you love #scichat"
    assert [p.text for p in result.transcript.conversation] == ["Q2 comin' right up"]


def test_final_q_is_the_next_number_and_alast_answers_it() -> None:
    posts = [
        *a_session(),
        post("fred", "Final Q: one word for tonight? #scichat", 50),
        post("amy", "A4: hopeful", 52),
        post("ted", "Alast: curious", 53),
    ]
    result = digest(posts)
    assert result.numbers.questions == 4
    assert answers(result, 4) == ["A4: hopeful", "Alast: curious"]


def test_a_question_announced_then_asked_without_its_number() -> None:
    posts = [
        *a_session()[:-1],
        post("fred", "Going to skip to last question. . .", 50),
        post("fred", "What support would help you most? #scichat", 51),
        post("amy", "Alast: model units", 53),
    ]
    result = digest(posts)
    assert result.questions[3].question.heading == "What support would help you most? #scichat"
    assert answers(result, 4) == ["Alast: model units"]


# --- answers over time ----------------------------------------------------------------------


def test_answers_numbered_before_their_question_or_past_the_last_go_to_the_open_one() -> None:
    posts = [
        *a_session(),
        post("amy", "A2: oops, early - but the practices", 10),  # Q2 is asked at minute 20
        post("ted", "A7 what a night", 55),  # three questions: Q3 is open
    ]
    result = digest(posts)
    assert "A2: oops, early - but the practices" in answers(result, 1)
    assert "A2: oops, early - but the practices" not in answers(result, 2)
    assert "A7 what a night" in answers(result, 3)


def test_a_participants_q1_before_q1_was_asked_is_conversation() -> None:
    posts = [*a_session(), post("amy", "Q1: can anyone share a rubric?", 2)]
    result = digest(posts)
    assert "Q1: can anyone share a rubric?" in [p.text for p in result.transcript.conversation]


def test_parts_and_pairs_of_answers() -> None:
    posts = [
        *a_session(),
        post("amy", "A2.1 and a second thought", 24),
        post("ted", "A1 & 2: both need time", 25),
        post("amy", "A1-A2 learners need visuals too", 26),
    ]
    result = digest(posts)
    assert "A2.1 and a second thought" in answers(result, 2)
    assert "A1 & 2: both need time" in answers(result, 1)
    assert "A1 & 2: both need time" in answers(result, 2)
    assert "A1-A2 learners need visuals too" in [p.text for p in result.transcript.conversation]


def test_a_reply_to_a_question_post_without_a_marker_answers_it() -> None:
    session = a_session()
    q2 = session[4]
    reply = post("amy", "@fred design briefs from real clients", 23, reply_to=q2.id)
    quote = post("ted", "This one matters", 24, quote_of=q2.id)
    result = digest([*session, reply, quote])
    assert answers(result, 2)[-2:] == ["@fred design briefs from real clients", "This one matters"]


# --- a property -------------------------------------------------------------------------------

FRAGMENTS = [
    "Q1", "Q2.", "Q3:", "Q7 -", "Final Q:", "Here's Q2:", "Q3 on the way", "A1", "A2:", "A1 & 2",
    "A2.1", "A7", "A1-A2", "Alast:", "RT @fred:", "@fred", "Welcome!", "What do you think?",
    "Our moderators tonight are @amy @ted.", "I'm your host", "Last question. . .", "&amp;",
    "#scichat", "?", "Thanks for hosting @fred", "", "Q1/Q2", "A0", "Q21:", "🗣️",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["fred", "amy", "ted", "gina"]),
            st.lists(st.sampled_from(FRAGMENTS), max_size=4).map(" ".join),
            st.floats(min_value=-10, max_value=70, allow_nan=False),
            st.booleans(),
        ),
        max_size=25,
    ),
    st.lists(st.sampled_from(["fred", "gina", "scichat"]), max_size=2),
)
def test_any_session_reads_and_its_answers_name_its_questions(
    made: list[tuple[str, str, float, bool]], hints: list[str]
) -> None:
    posts: list[ArchivedPost] = []
    for handle, text, minute, replies in made:
        reply_to = posts[-1].id if replies and posts else None
        posts.append(post(handle, text, minute, reply_to=reply_to))
    result = digest(posts, moderators=hints, chat_account="scichat")
    numbers = {h.question.number for h in result.questions}
    assert numbers == set(range(1, result.numbers.questions + 1))
    question_posts = {h.question.post.id for h in result.questions if h.question.post}
    for thread in result.transcript.questions:
        assert all(a.id not in question_posts for a in thread.answers)
    for h in result.questions:
        if h.question.post is not None:
            assert h.question.post.author_handle in {*result.moderators, "scichat"}
    assert set(result.moderators) <= {p.author_handle for p in posts}


def test_a_question_posted_as_an_image_keeps_its_post_unless_a_better_one_came() -> None:
    posts = [
        post("fred", "Q1 👇 #scichat", 5),
        post("amy", "A1: the practices", 6),
        post("fred", "OK... time for Q2?", 18),
        post("fred", "Q2: How will engineering fit in?", 20),
        post("ted", "A2 design briefs", 21),
    ]
    result = digest(posts)
    assert result.moderators == ("fred",)
    headings = [h.question.heading for h in result.questions]
    assert headings == ["Q1 👇 #scichat", "Q2: How will engineering fit in?"]
    assert [p.text for p in result.transcript.conversation] == ["OK... time for Q2?"]


def test_a_chat_account_that_only_welcomes_is_no_moderator_but_no_voice_either() -> None:
    posts = [post("scichat", "Welcome to #scichat, everyone!", -1), *a_session()]
    result = digest(posts, chat_account="scichat")
    assert result.moderators == ("fred",)
    assert "scichat" not in {v.handle for v in result.voices}


def test_announcements_of_another_time_or_of_other_hosting_name_nobody() -> None:
    others = [
        post("amy", "I'm hosting a workshop on modelling, come by!", 1),
        post("ted", "Join us next Wednesday when @amy moderates", 2),
        post("hal", "So excited @ted is guest moderating tomorrow", 3),
    ]
    assert digest([*a_session(), *others]).moderators == ("fred",)


def test_a_guest_moderating_says_so() -> None:
    posts = [*a_session(), post("gina", "Guest moderating #scichat tonight, hi all!", 1)]
    assert set(digest(posts).moderators) == {"fred", "gina"}


def test_an_answer_a_few_seconds_before_its_question_still_answers_it() -> None:
    posts = [*a_session(), post("amy", "A2: fast fingers", 19.5)]  # Q2 at minute 20
    assert "A2: fast fingers" in answers(digest(posts), 2)


def test_a_first_question_posted_without_its_number() -> None:
    posts = [
        post("fred", "Welcome to #scichat! We'll use a Q1/A1 format.", 0),
        post("fred", "Anyone else? Well, here we go!", 3),
        post("fred", "We'll start with final thoughts. What did you make of draft 2?", 4),
        post("amy", "A1: clearer practices", 6),
        post("fred", "Any other thoughts on the draft?", 12),  # a follow-up, after an A1
        post("fred", "Q2. How will engineering fit in? #scichat", 20),
    ]
    result = digest(posts)
    assert result.questions[0].question.heading == (
        "We'll start with final thoughts. What did you make of draft 2?"
    )
    assert answers(result, 1) == ["A1: clearer practices"]


def test_a_missing_middle_question_stays_missing() -> None:
    posts = [
        *a_session()[:4],
        post("fred", "Was that an issue for anyone else in your district?", 12),
    ]
    posts += [post("fred", "Q3. What support do you need? #scichat", 40)]
    result = digest(posts)
    assert [h.question.post is None for h in result.questions] == [False, True, False]


def test_a_chat_on_two_networks_is_asked_on_each_and_both_askers_moderate() -> None:
    # One moderator asks on X, their Bluesky account asks the same questions there; a Bluesky
    # participant then answers "Q1: ..." as people do.
    posts = [
        post("edtechmod", "Q1 What works? #edtechchat", 1),
        post("edtechmod.bsky.social", "Q1 What works? #edtechchat", 1, network="bluesky"),
        post("ben", "A1 Timely feedback #edtechchat", 2),
        post("ana.bsky.social", "Q1: stations, every week #edtechchat", 3, network="bluesky"),
        post("edtechmod", "Q2 What gets in the way? #edtechchat", 10),
        post(
            "edtechmod.bsky.social", "Q2 What gets in the way? #edtechchat", 10, network="bluesky"
        ),
    ]

    assert infer_moderators(posts, hints=(), chat_account=None) == (
        "edtechmod",
        "edtechmod.bsky.social",
    )
    result = digest(posts)
    assert result.numbers.questions == 2
    assert answers(result, 1) == [
        "A1 Timely feedback #edtechchat",
        "Q1: stations, every week #edtechchat",
    ]
    assert all(voice.handle != "edtechmod.bsky.social" for voice in result.voices)


def test_a_participant_on_a_network_the_moderator_does_not_ask_on_answers_there() -> None:
    posts = [
        post("edtechmod", "Q1 What works? #edtechchat", 1),
        post(
            "ana.bsky.social", "Q1: What works for me is stations #edtechchat", 1, network="bluesky"
        ),
        post("edtechmod", "Q2 What gets in the way? #edtechchat", 10),
    ]

    result = digest(posts)

    assert result.moderators == ("edtechmod",)
    assert answers(result, 1) == ["Q1: What works for me is stations #edtechchat"]


def test_a_participants_q_mark_answers_the_open_question_or_the_one_before_only() -> None:
    # "Q" is the moderator's mark; from a participant it answers what is being discussed. A late
    # "Q1 from me, ...?" while Q5 is open is their own question to the chat.
    posts = [
        post("host", f"Q{n} Question number {n} for tonight?", 10 * n) for n in range(1, 6)
    ] + [
        post("lena", "Q4: stations again, they work", 51),
        post("omar", "Q1 from me, is there a source for the old standards?", 52),
        post("pia", "Q5 - project based units", 53),
    ]

    result = digest(posts)

    assert answers(result, 4) == ["Q4: stations again, they work"]
    assert answers(result, 5) == ["Q5 - project based units"]
    assert answers(result, 1) == []
    conversation = [p.text for p in result.transcript.conversation]
    assert "Q1 from me, is there a source for the old standards?" in conversation
