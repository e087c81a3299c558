"""Questions and answers in an ed chat, in the forms people really type them."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatdeck.domain.qa import (
    CONVERSATION,
    Classified,
    QuestionMark,
    announces_question,
    answer_numbers,
    answers_last,
    classify,
    is_host,
    normalise_handle,
    participant_question_numbers,
    question_mark,
)

MODERATORS = ["MsRiveraTeaches", "@coach_dan_edu"]
CHAT_ACCOUNT = "edtechchat"
MODERATOR = "msriverateaches"
PARTICIPANT = "mrs_okafor_sci"


def question(*numbers: int) -> Classified:
    return Classified("question", numbers)


def answer(*numbers: int) -> Classified:
    return Classified("answer", numbers)


def classify_as(author: str, text: str, reply_to_question: int | None = None) -> Classified:
    return classify(text, author, MODERATORS, CHAT_ACCOUNT, reply_to_question)


# --- questions: a moderator's or the chat account's posts ---------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Q1 How do you start class on a Monday? #edtechchat", question(1), id="Q1"),
        pytest.param("Q1: What is one tech tool you can't live without?", question(1), id="Q1:"),
        pytest.param("Q2. How do you keep parents in the loop?", question(2), id="Q2."),
        pytest.param("Q3 - Share a win from this week! #edtechchat", question(3), id="Q3 -"),
        pytest.param("Q4) Where do students get stuck with AI tools?", question(4), id="Q4)"),
        pytest.param("Q5/ What does feedback look like for you?", question(5), id="Q5/"),
        pytest.param("q6 what will you try tomorrow?", question(6), id="lowercase q6"),
        pytest.param("🗣️Q1: How do you build community online?", question(1), id="emoji first"),
        pytest.param("🗣️ Q2 – Favourite read-aloud?", question(2), id="emoji, en dash"),
        pytest.param("#edtechchat Q3: How do you assess group work?", question(3), id="hashtag"),
        pytest.param("#Q4 How do you protect planning time?", question(4), id="#Q4"),
        pytest.param("@guest_mod_lee Q5: Your turn to ask!", question(5), id="after a mention"),
        pytest.param("Q10: Last one tonight: what's your takeaway?", question(10), id="Q10"),
        pytest.param("Q20 Bonus round: one word for this year", question(20), id="Q20"),
        pytest.param("Q1 &amp; Q2 together: tools and routines?", question(1, 2), id="&amp;"),
        pytest.param("Q1 2025 results are in: thanks for 52 weeks!", CONVERSATION, id="quarter"),
        pytest.param("Q4 FY26 budget talk later, not tonight", CONVERSATION, id="fiscal quarter"),
        pytest.param("Q1 '25 was our best quarter for reading logs", CONVERSATION, id="Q1 '25"),
        pytest.param("Q1-2 planning starts next week", CONVERSATION, id="range"),
        pytest.param("Q5 up next! Stretch break 🧘", CONVERSATION, id="teaser up next"),
        pytest.param("Q1 coming up in 2 minutes! #edtechchat", CONVERSATION, id="teaser"),
        pytest.param("Q3 is coming up next, get ready", CONVERSATION, id="teaser is coming"),
        pytest.param("Q2 in 1 minute!", CONVERSATION, id="teaser in n"),
        pytest.param("Q2: coming up with ideas is hard. How do you?", question(2), id="colon"),
        pytest.param("Great answers to Q1 so far!", CONVERSATION, id="Q1 not first"),
        pytest.param("A1: moderators show the way", answer(1), id="a moderator's A1 answers"),
        pytest.param("Q21: out of range", CONVERSATION, id="Q21"),
        pytest.param("Welcome to #edtechchat! Introduce yourselves 👋", CONVERSATION, id="hello"),
    ],
)
def test_moderator_posts(text: str, expected: Classified) -> None:
    assert classify_as(MODERATOR, text) == expected


def test_the_chat_account_asks_too() -> None:
    assert classify_as("EdTechChat", "Q1: What's your why?") == question(1)


@pytest.mark.parametrize("handle", ["MsRiveraTeaches", "@msriverateaches", " COACH_DAN_EDU "])
def test_moderator_handles_match_whatever_the_case_or_at(handle: str) -> None:
    assert is_host(handle, MODERATORS, CHAT_ACCOUNT)
    assert classify_as(handle, "Q2: Go!") == question(2)


def test_a_participant_is_no_host() -> None:
    assert not is_host(PARTICIPANT, MODERATORS, CHAT_ACCOUNT)
    assert not is_host("msriverateaches2", MODERATORS, None)
    assert normalise_handle(" @MsRiveraTeaches ") == "msriverateaches"


# --- answers: everyone else's posts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("A1 Exit tickets every day. #edtechchat", answer(1), id="A1"),
        pytest.param("A1: Brain dumps at the bell, no grades!", answer(1), id="A1:"),
        pytest.param("A2 - Our grade team shares one slide deck.", answer(2), id="A2 -"),
        pytest.param("A3) Audio feedback in Seesaw, 90 seconds each", answer(3), id="A3)"),
        pytest.param("a1 honestly just a timer and a playlist", answer(1), id="lowercase a1"),
        pytest.param("A4. Student-led conferences", answer(4), id="A4."),
        pytest.param("A1/A2 Retrieval grids cover both for me", answer(1, 2), id="A1/A2"),
        pytest.param("A1 & A2: same answer, co-planning!", answer(1, 2), id="A1 & A2"),
        pytest.param("A1 &amp; A2 co-planning!", answer(1, 2), id="A1 &amp; A2 as X sends it"),
        pytest.param("A2, A3: both come down to trust", answer(2, 3), id="A2, A3"),
        pytest.param("A1 and A2 - relationships first", answer(1, 2), id="A1 and A2"),
        pytest.param("A3+A4 peer feedback protocols", answer(3, 4), id="A3+A4"),
        pytest.param("A2/A1 order does not matter", answer(1, 2), id="sorted"),
        pytest.param("@MsRiveraTeaches A1: Think-pair-share", answer(1), id="after a mention"),
        pytest.param(
            "@MsRiveraTeaches @coach_dan_edu A2 Padlet walls", answer(2), id="after mentions"
        ),
        pytest.param(".@coach_dan_edu A3 Kahoot, sorry not sorry", answer(3), id=".@mention"),
        pytest.param("@mrsb.bsky.social A1: sketchnotes", answer(1), id="bluesky mention"),
        pytest.param("@mrsb@mastodon.social A1: sketchnotes", answer(1), id="mastodon mention"),
        pytest.param("🗣️ A2: Choice boards!", answer(2), id="emoji first"),
        pytest.param("**A1:** Morning meeting", answer(1), id="markdown bold"),
        pytest.param("#edtechchat A1 Flip the homework", answer(1), id="hashtag first"),
        pytest.param("#A1 Flip the homework", answer(1), id="#A1 is a marker"),
        pytest.param("#a11y A1: alt text on every image", answer(1), id="#a11y is a hashtag"),
        pytest.param("Q2 A2: we started a maker space", answer(2), id="Q2 A2"),
        pytest.param("Q2/A2 - Google Forms quizzes", answer(2), id="Q2/A2"),
        pytest.param("A10 Make it visible on the wall", answer(10), id="A10 is 10"),
        pytest.param("A1: steak sauce, obviously 😂", answer(1), id="A1: steak sauce"),
        pytest.param("A1 2025 was the year I tried standards-based grading", answer(1), id="year"),
        pytest.param("A1.5 is where we are on the rubric", answer(1), id="A1.5 is a part of A1"),
    ],
)
def test_participant_answers(text: str, expected: Classified) -> None:
    assert classify_as(PARTICIPANT, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("A1C levels are something our school nurse tracks", id="A1C"),
        pytest.param("A1 steak sauce on everything tonight #edtechchat", id="A1 steak sauce"),
        pytest.param("A1 sauce > ketchup", id="A1 sauce"),
        pytest.param("AAA1 battery died mid-lesson", id="AAA1"),
        pytest.param("a1b2 was my wifi password, do not judge", id="a1b2"),
        pytest.param("A1-A2 learners need visuals", id="CEFR range"),
        pytest.param("A21: out of range", id="A21"),
        pytest.param("A0 is not a thing", id="A0"),
        pytest.param("https://example.org/a1/worksheet.pdf great resource", id="URL with /a1/"),
        pytest.param("Check this out https://school.example/a1/ #edtechchat", id="URL later"),
        pytest.param("Great chat! A1 was my favourite question", id="A1 not first"),
        pytest.param("My A1 learners love this #langchat", id="CEFR level"),
        pytest.param("Exit tickets every single day #edtechchat A1", id="marker at the end"),
        pytest.param("#A1C #T1D awareness month resources for school nurses", id="#A1C"),
        pytest.param("Q2 is my favourite question tonight!", id="participant Q2"),
        pytest.param("Q1: I have a question for the group, anyone use Kami?", id="participant Q1:"),
        pytest.param("@teacher_kim Love this idea, stealing it for Monday 🙌", id="reply chat"),
        pytest.param("Hi all! Joining from Ohio, 5th grade science. First time here!", id="hi"),
        pytest.param("", id="empty"),
    ],
)
def test_not_answers(text: str) -> None:
    assert classify_as(PARTICIPANT, text) == CONVERSATION


# --- other chats' conventions (synthetic forms, written here: not from any transcript) -----------


@pytest.mark.parametrize(
    ("author", "text", "expected"),
    [
        pytest.param(
            MODERATOR, "Q1 What is one routine you rely on #edchat", question(1), id="Q1 What"
        ),
        pytest.param(
            MODERATOR, "Question 1: What is your favourite lab?", question(1), id="Question 1:"
        ),
        pytest.param(MODERATOR, "➡️ Q3: How do you use exit tickets?", question(3), id="➡️ Q3"),
        pytest.param(MODERATOR, "1️⃣ Q1: How do you start the year?", question(1), id="keycap Q1"),
        pytest.param(
            MODERATOR, "@edchat.bsky.social Q2: How do you plan?", question(2), id="bsky Q2"
        ),
        pytest.param(PARTICIPANT, "A1) Morning meeting, every day", answer(1), id="A1)"),
        pytest.param(PARTICIPANT, "A 1: exit tickets", answer(1), id="A 1:"),
        pytest.param(PARTICIPANT, "a 2) rubrics", answer(2), id="a 2)"),
        pytest.param(PARTICIPANT, "A 3 - peer review", answer(3), id="A 3 -"),
        pytest.param(PARTICIPANT, "A 1. Rubrics, co-written", answer(1), id="A 1."),
        pytest.param(PARTICIPANT, "Answer 2: checklists", answer(2), id="Answer 2:"),
        pytest.param(PARTICIPANT, "➡️ A2 audio notes", answer(2), id="➡️ A2"),
        pytest.param(PARTICIPANT, "1️⃣ A1: sketchnotes", answer(1), id="keycap A1"),
        pytest.param(PARTICIPANT, "@mrsb.bsky.social A 1: yes!", answer(1), id="bsky A 1:"),
        pytest.param(PARTICIPANT, "@mrsb@mastodon.social A2) Padlet", answer(2), id="mastodon A2)"),
        pytest.param(PARTICIPANT, "A 1:1 iPad program changed everything", CONVERSATION, id="1:1"),
        pytest.param(PARTICIPANT, "A 1 hour block is too short", CONVERSATION, id="A 1 hour"),
        pytest.param(PARTICIPANT, "A 1.5 hour block is long", CONVERSATION, id="A 1.5 hour"),
        pytest.param(PARTICIPANT, "A 1-hour lab is plenty", CONVERSATION, id="A 1-hour"),
        pytest.param(PARTICIPANT, "Answer 3 questions before class", CONVERSATION, id="Answer 3 q"),
    ],
)
def test_other_chats_conventions(author: str, text: str, expected: Classified) -> None:
    assert classify_as(author, text) == expected


# --- replies to a question post -----------------------------------------------------------------


def test_a_reply_to_a_question_without_a_number_answers_it() -> None:
    text = "@MsRiveraTeaches Sticky-note exit tickets, every single day."
    assert classify_as(PARTICIPANT, text, reply_to_question=3) == answer(3)


def test_an_explicit_number_wins_over_the_question_replied_to() -> None:
    assert classify_as(PARTICIPANT, "A2: Flipgrid", reply_to_question=1) == answer(2)


def test_the_steak_sauce_in_reply_to_q1_answers_it() -> None:
    assert classify_as(PARTICIPANT, "A1 steak sauce 😂", reply_to_question=1) == answer(1)


def test_a_moderators_reply_to_a_question_is_conversation() -> None:
    assert classify_as(MODERATOR, "Great answers so far!", reply_to_question=1) == CONVERSATION


def test_an_impossible_question_number_is_ignored() -> None:
    assert classify_as(PARTICIPANT, "Me too", reply_to_question=0) == CONVERSATION


# --- issue 11: questions and answers as people post them ----------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers", "final"),
    [
        pytest.param("Here's Q3: How does coherence help?", (3,), False, id="Here's Q3:"),
        pytest.param("Here we go... Q1. What works?", (1,), False, id="Here we go... Q1."),
        pytest.param("OK, Q2 - Share one routine", (2,), False, id="OK, Q2 -"),
        pytest.param("Back to Q3. . .Which is easiest?", (3,), False, id="Back to Q3"),
        pytest.param("Time for Q4: what will you try?", (4,), False, id="Time for Q4:"),
        pytest.param("Question 5: Who inspires you?", (5,), False, id="Question 5:"),
        pytest.param("Question #2: Who inspires you?", (2,), False, id="Question #2:"),
        pytest.param("[Q1] What works?", (1,), False, id="[Q1]"),
        pytest.param("Q 2: What works?", (2,), False, id="Q 2:"),
        pytest.param("Q.3 What works?", (3,), False, id="Q.3"),
        pytest.param("Q5?: 1 worry I have is this. How can we help?", (5,), False, id="Q5?:"),
        pytest.param("Q2.1 And for older students?", (2,), False, id="Q2.1 follow-up"),
        pytest.param("Final Q: what is your takeaway?", (), True, id="Final Q:"),
        pytest.param("Last question: one word for tonight", (), True, id="Last question:"),
        pytest.param(
            "And our last question of the night - what next?", (), True, id="of the night"
        ),
    ],
)
def test_a_moderators_question_after_a_lead_in(
    text: str, numbers: tuple[int, ...], final: bool
) -> None:
    mark = question_mark(text)
    assert mark is not None and mark.is_question
    assert (mark.numbers, mark.final) == (numbers, final)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Q3 on the way", id="on the way"),
        pytest.param("Q5 comin' right up", id="comin' right up"),
        pytest.param("Q2 coming up in 2 min", id="coming up in 2 min"),
        pytest.param("Get ready for Q2!", id="get ready for"),
    ],
)
def test_teasers_are_not_questions(text: str) -> None:
    mark = question_mark(text)
    assert mark is not None and not mark.is_question
    assert classify_as(MODERATOR, text) == CONVERSATION


@pytest.mark.parametrize(
    "text",
    [
        "Great answers to Q1 so far!",
        "Last question was tough, wasn't it",
        "We'll be using a Q1/A1 format.",
        "So glad you're here",
    ],
)
def test_not_a_question_at_all(text: str) -> None:
    mark = question_mark(text)
    assert mark is None or not mark.is_question


@pytest.mark.parametrize("text", ["OK... time for question 1? #edchat", "Q4 👇 #edchat", "Q2?"])
def test_a_number_with_nothing_asked_after_it_is_a_bare_question(text: str) -> None:
    mark = question_mark(text)
    assert mark is not None and mark.bare and mark.is_question and not mark.asks
    assert participant_question_numbers(text) == ()  # a participant's "Q2?" answers nothing


def test_a_teaser_that_asks_is_a_question_but_says_it_teased() -> None:
    mark = question_mark("Q3 coming up: How do you give feedback?")
    assert mark == QuestionMark((3,), teaser=True, asks=True)
    assert mark.is_question


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        pytest.param("A2.1 Exit tickets", (2,), id="A2.1"),
        pytest.param("A.5.  Don't ignore the themes", (5,), id="A.5."),
        pytest.param("A1.5 is where we are on the rubric", (1,), id="A1.5"),
        pytest.param("A2a Padlet walls", (2,), id="A2a"),
        pytest.param("A2b: and Flip", (2,), id="A2b:"),
        pytest.param("A3c) the third part", (3,), id="A3c)"),
        pytest.param("A1 & 2: co-planning", (1, 2), id="A1 & 2"),
        pytest.param("A1 &amp; 2 co-planning", (1, 2), id="A1 &amp; 2"),
        pytest.param("A1/2 relationships first", (1, 2), id="A1/2"),
        pytest.param("A1 and 2 - both!", (1, 2), id="A1 and 2"),
        pytest.param("A3+4 peer feedback", (3, 4), id="A3+4"),
        pytest.param("Hello. A5. Took a while to sort it", (5,), id="Hello. A5."),
        pytest.param("Sorry I'm late! A1: exit tickets", (1,), id="Sorry I'm late! A1:"),
        pytest.param("Also A2: peer review", (2,), id="Also A2:"),
        pytest.param("Agreed, A3 - time", (3,), id="Agreed, A3 -"),
    ],
)
def test_answers_in_parts_and_pairs(text: str, numbers: tuple[int, ...]) -> None:
    assert answer_numbers(text) == numbers


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("A1-A2 learners need visuals", id="CEFR A1-A2"),
        pytest.param("A1–A2 learners need visuals", id="CEFR A1–A2, en dash"),
        pytest.param("A1C levels are tracked by the nurse", id="A1C"),
        pytest.param("A1c levels are tracked by the nurse", id="A1c levels"),
        pytest.param("My A1 learners love songs", id="CEFR A1 later"),
        pytest.param("Hello A1 learners and teachers!", id="a greeting without a mark"),
        pytest.param("Great chat! A1 was hard", id="not a greeting"),
    ],
)
def test_levels_and_blood_tests_are_not_answers(text: str) -> None:
    assert answer_numbers(text) == ()


def test_alast_answers_the_last_question() -> None:
    assert answers_last("Alast: a few model units would be great!")
    assert answers_last("A-last - more time")
    assert not answers_last("Alaska is lovely")


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Q1: Personally I liked the layout", (1,)),
        ("#edchat Q3 Have not had the chance yet", (3,)),
        ("Q2-I have not focused much on it", (2,)),
        ("Q1 2025 results are in", ()),
        ("Q2 coming up?", ()),
        ("Question 2: does anyone use Kami?", ()),
    ],
)
def test_a_participants_q_number(text: str, numbers: tuple[int, ...]) -> None:
    assert participant_question_numbers(text) == numbers


@pytest.mark.parametrize(
    "text",
    [
        "Last question. . . #edchat",
        "Going to skip to last question. . .",
        "Q3 coming up!",
        "One more question for tonight",
    ],
)
def test_announcements_of_a_question(text: str) -> None:
    assert announces_question(text)
    assert not announces_question("Last question: what will you try?")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from([*"AaQq0123456789 .:-/&#@?!…,()'’\n", "&amp;", "é", "Here's "])).map(
        "".join
    )
    | st.text(),
    st.sampled_from([MODERATOR, PARTICIPANT]),
)
def test_any_text_is_read_without_error_and_names_numbers_1_to_20(text: str, author: str) -> None:
    classified = classify_as(author, text)
    assert all(1 <= n <= 20 for n in classified.numbers)
    assert classified.kind == "conversation" or classified.numbers
    for numbers in (answer_numbers(text), participant_question_numbers(text)):
        assert list(numbers) == sorted(set(numbers)) and all(1 <= n <= 20 for n in numbers)
    mark = question_mark(text)
    assert mark is None or all(1 <= n <= 20 for n in mark.numbers)
