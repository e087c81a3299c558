"""More forms of question and answer marks people really type (questions in words, ``A-1:``,
``A#1``, ``A1, 2 & 3:``), what each would wrongly take if written loosely, and a session read
over time with them (``chatdeck.domain.timeline``). The forms are synthetic, written here; none
is in the labelled transcript (tests/data/chats), whose scores test_chat_corpus.py keeps."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatdeck.domain.moderators import infer_moderators
from chatdeck.domain.qa import (
    announces_question,
    answer_numbers,
    classify,
    participant_question_numbers,
    question_mark,
)
from chatdeck.domain.timeline import read_timeline
from tests.unit.services.kit import MODERATOR, a_tweet

MODERATORS = [MODERATOR]
CARDINALS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
ORDINALS = [
    *("first", "second", "third", "fourth", "fifth"),
    *("sixth", "seventh", "eighth", "ninth", "tenth"),
]
SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def asked(text: str) -> tuple[int, ...] | None:
    """The numbers a moderator's post asks, None when it asks nothing (a teaser, a remark)."""
    kind = classify(text, MODERATOR, MODERATORS, None)
    return kind.numbers if kind.kind == "question" else None


# --- questions ----------------------------------------------------------------------------------

# Each form people write, and whether it was read before this file was written (the table of
# what already worked: "before").
QUESTIONS = [
    # (text, numbers asked, read before)
    ("Question 1: What is your favourite lab?", (1,), True),
    ("Q1 - How do you start class?", (1,), True),
    ("Question #1 How do you start class?", (1,), True),
    ("question 3 - who inspires you?", (3,), True),
    ("QUESTION 4: what do you grade?", (4,), True),
    ("First question: How do you start class?", (1,), False),
    ("First Question - how do you start class?", (1,), False),
    ("Second question: what do you grade?", (2,), False),
    ("second Q. What do you grade?", (2,), False),
    ("Our third question: who reads?", (3,), False),
    ("Here's the fourth question: who reads?", (4,), False),
    ("1st question: How do you start class?", (1,), False),
    ("2nd Q) what do you grade?", (2,), False),
    ("Tenth question: what next?", (10,), False),
    ("Question One: How do you start class?", (1,), False),
    ("Question two - what do you grade?", (2,), False),
    ("Question Three. Who reads at home?", (3,), False),
    ("Question ten: what next?", (10,), False),
    ("Question twelve: bonus time?", (12,), False),
    ("Question one of the night: who reads?", (1,), False),
    ("Question two of six: what do you grade?", (2,), False),
    ("First question for tonight: who reads?", (1,), False),
    ("Second question tonight — what do you grade?", (2,), False),
    ("Question one of the day is: how do you start?", (1,), False),
    ("Question No. 2: what do you grade?", (2,), False),
    ("Question number 2: what do you grade?", (2,), False),
    ("Question no.3: who reads?", (3,), False),
    ("First question, how do you start class?", (1,), False),
]


@pytest.mark.parametrize(
    ("text", "numbers"), [pytest.param(t, n, id=t[:30]) for t, n, _ in QUESTIONS]
)
def test_a_moderators_question_in_any_of_these_forms(text: str, numbers: tuple[int, ...]) -> None:
    assert asked(text) == numbers


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Question one thing you do every day. Why?", id="Question as a verb"),
        pytest.param("Question one assumption this week #edchat", id="verb, no mark"),
        pytest.param("Question everything: that is science.", id="no number"),
        pytest.param("First question I had was about rubrics", id="no mark"),
        pytest.param("The first question was a tough one, wasn't it", id="looking back"),
        pytest.param("First, question your sources.", id="First, question"),
        pytest.param("Question one-liners make great exit tickets", id="one-liners"),
        pytest.param("First question-based unit went well", id="question-based"),
        pytest.param("Question one?", id="which one"),
        pytest.param("First question, then a short break", id="comma, asks nothing"),
        pytest.param("Q1 2027 budget is out, see the district site", id="quarter and year"),
        pytest.param("Q1 budget talks start Monday", id="quarter budget"),
        pytest.param("Q3 earnings call, back later", id="quarter earnings"),
        pytest.param("Question 21: out of range", id="21"),
        pytest.param("Twenty-first question: out of range", id="21st"),
    ],
)
def test_not_a_question(text: str) -> None:
    assert asked(text) is None


@pytest.mark.parametrize("text", ["Q1 2027 budget is out", "Q3 earnings call tonight"])
def test_a_quarter_from_a_participant_answers_nothing(text: str) -> None:
    assert participant_question_numbers(text) == ()
    assert classify(text, "ana", MODERATORS, None).kind == "conversation"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("First question coming up!", 1),
        ("Second question is coming up in 2 minutes", 2),
        ("Question three in a moment…", 3),
        ("Question one of the day is...", 1),
    ],
)
def test_questions_in_words_can_be_teased(text: str, number: int) -> None:
    mark = question_mark(text)
    assert mark is not None and mark.numbers == (number,) and not mark.is_question
    assert announces_question(text)


# --- answers ------------------------------------------------------------------------------------

ANSWERS = [
    # (text, numbers answered, read before)
    ("A1- exit tickets", (1,), True),
    ("A 1 - exit tickets", (1,), True),
    ("A1 & 2: co-planning", (1, 2), True),
    ("A1/2 co-planning", (1, 2), True),
    ("A1, A2 & A3 co-planning", (1, 2, 3), True),
    ("A1, 2 & 3: all of them", (1, 2, 3), False),
    ("A1, 2 and 3 - all of them", (1, 2, 3), False),
    ("A1,2,3 all of them", (1, 2, 3), False),
    ("A1,2 both", (1, 2), False),
    ("A1, 2, 3 all of them", (1, 2, 3), False),
    ("A1, 2: both", (1, 2), False),
    ("A2, 3", (2, 3), False),
    ("A1 & 2, 3 all of them", (1, 2, 3), False),
    ("a1, 2 ,3: all of them", (1, 2, 3), False),
    ("A1, 2, 3 &amp; 4: every one", (1, 2, 3, 4), False),
    ("A-1: exit tickets", (1,), False),
    ("A-1 - exit tickets", (1,), False),
    ("a - 2) rubrics", (2,), False),
    ("A #3: peer review", (3,), False),
    ("A#1 exit tickets", (1,), False),
    ("Answer #1: exit tickets", (1,), False),
    ("Answer one: exit tickets", (1,), False),
    ("Answer Two - rubrics", (2,), False),
    ("A-1, A-2: both", (1, 2), False),
    ("@mod_lee A-1: exit tickets", (1,), False),
    ("A1 students need visuals first", (1,), True),  # an answer, by decision (qa's docstring)
]


@pytest.mark.parametrize(
    ("text", "numbers"), [pytest.param(t, n, id=t[:30]) for t, n, _ in ANSWERS]
)
def test_an_answer_in_any_of_these_forms(text: str, numbers: tuple[int, ...]) -> None:
    assert answer_numbers(text) == numbers
    assert classify(text, "ana", MODERATORS, None).numbers == numbers


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        pytest.param("A1, 2 things matter most", (1,), id="A1, 2 things"),
        pytest.param("A1, 2027 is our year", (1,), id="a year"),
        pytest.param("A1, 2.5 hours a week", (1,), id="a decimal"),
        pytest.param("A1, 2:30 is when we meet", (1,), id="a time"),
        pytest.param("A1 - 2 ideas here", (1,), id="A1 - 2 ideas"),
        pytest.param("A-1 service at the cafe today", (), id="A-1 rating"),
        pytest.param("A #1 fan of this chat", (), id="A #1 fan"),
        pytest.param("A #1 priority is reading", (), id="A #1 priority"),
        pytest.param("A - 1 hour block", (), id="A - 1 hour"),
        pytest.param("Answer one question a day", (), id="Answer one question"),
        pytest.param("Answer #1 question first", (), id="Answer #1 question"),
        pytest.param("A1 level learners need visuals", (), id="CEFR level"),
        pytest.param("A2-level reading for newcomers", (), id="CEFR -level"),
        pytest.param("a1.com/worksheets has great stuff", (), id="a web address"),
        pytest.param("https://example.org/A1 great worksheet", (), id="URL"),
        pytest.param("Read https://example.org/a1, 2 and 3", (), id="URL with a list"),
        pytest.param("AA1, 2 & 3 batteries", (), id="AA1"),
        pytest.param("First answer: exit tickets", (), id="ordinal answer"),
    ],
)
def test_what_answer_marks_do_not_take(text: str, numbers: tuple[int, ...]) -> None:
    assert answer_numbers(text) == numbers


# --- any spelling, casing and spacing of a supported mark reads the same number -----------------


def recased(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c.lower() for c, flip in zip(text, flips, strict=True))


@st.composite
def question_forms(draw: st.DrawFn) -> tuple[str, int]:
    number = draw(st.integers(1, 10))
    space = draw(st.sampled_from([" ", "  "]))
    form = draw(
        st.sampled_from(
            [
                f"Q{number}",
                f"Q{space}{number}",
                f"Question{space}{number}",
                f"Question{space}#{number}",
                f"Question{space}{CARDINALS[number - 1]}",
                f"{ORDINALS[number - 1]}{space}question",
                f"{ORDINALS[number - 1]}{space}Q",
                f"{number}{SUFFIXES.get(number, 'th')}{space}question",
            ]
        )
    )
    mark = draw(st.sampled_from([":", " :", ".", ")", " -", " –", " —", "—"]))
    leads = ["", "#edchat ", "OK, ", "🗣️ "] + ([] if form[0] in "Qq" else ["Here's the "])
    lead = draw(st.sampled_from(leads)) if not form.lower().startswith("question") else ""
    return f"{lead}{recased(draw, form)}{mark} How do you start class?", number


@settings(max_examples=300, deadline=None)
@given(question_forms())
def test_any_casing_and_spacing_of_a_question_mark_reads_its_number(form: tuple[str, int]) -> None:
    text, number = form
    assert asked(text) == (number,), text


@st.composite
def answer_forms(draw: st.DrawFn) -> tuple[str, tuple[int, ...]]:
    numbers = draw(st.lists(st.integers(1, 20), min_size=1, max_size=4, unique=True))
    first = numbers[0]
    form = draw(
        st.sampled_from(
            [f"A{first}", f"A-{first}", f"A {first}", f"A#{first}", f"A - {first}"]
            + [f"Answer {first}", f"Answer #{first}"]
            + ([f"Answer {CARDINALS[first - 1]}"] if first <= 10 else [])
        )
    )
    joiners = draw(
        st.lists(
            st.sampled_from([",", ", ", " , ", " & ", "&", "/", " and ", "+", " &amp; "]),
            min_size=len(numbers) - 1,
            max_size=len(numbers) - 1,
        )
    )
    text = recased(draw, form)
    for joiner, number in zip(joiners, numbers[1:], strict=True):
        text += joiner + draw(st.sampled_from([str(number), f"A{number}", f"a{number}"]))
    mark = draw(st.sampled_from([":", " :", ")", ".", " - ", "- "]))
    return f"{text}{mark} exit tickets, every day", tuple(sorted(numbers))


@settings(max_examples=400, deadline=None)
@given(answer_forms())
def test_any_spelling_of_an_answer_mark_and_list_reads_every_number(
    form: tuple[str, tuple[int, ...]],
) -> None:
    text, numbers = form
    assert answer_numbers(text) == numbers, text


# --- a session read over time -------------------------------------------------------------------


def session(*posts: tuple[str, str, float]) -> tuple[dict[int, str], dict[str, tuple[int, ...]]]:
    """The text chosen for each question number, and what each answering post answers."""
    archived = [a_tweet(i, text, by=by, minute=m) for i, (by, text, m) in enumerate(posts)]
    reading = read_timeline(archived, MODERATORS, None)
    text = {post.key: post.text for post in archived}
    questions = {number: post.text for number, post in reading.chosen.items()}
    return questions, {text[key]: numbers for key, numbers in reading.answers.items()}


def test_a_session_asked_in_words_and_answered_with_lists() -> None:
    read = session(
        (MODERATOR, "Welcome to #edchat! Introduce yourselves", 0),
        (MODERATOR, "First question: How do you start class?", 5),
        ("ana", "A-1: a warm-up problem", 6),
        (MODERATOR, "Second question coming up!", 10),
        (MODERATOR, "Second question: How do you give feedback?", 11),
        (MODERATOR, "Question Three - what do you grade?", 20),
        ("ben", "A1, 2 & 3: the same routine for all three", 22),
        ("cy", "A#2 audio notes", 23),
        ("dee", "A2, 3 things I try: notes, voice, peers", 24),
    )
    assert read[0] == {
        1: "First question: How do you start class?",
        2: "Second question: How do you give feedback?",
        3: "Question Three - what do you grade?",
    }
    assert read[1] == {
        "A-1: a warm-up problem": (1,),
        "A1, 2 & 3: the same routine for all three": (1, 2, 3),
        "A#2 audio notes": (2,),
        "A2, 3 things I try: notes, voice, peers": (2,),
    }


def test_question_one_of_the_day_is_then_the_question() -> None:
    read = session(
        (MODERATOR, "Question one of the day is...", 5),
        (MODERATOR, "What gets your students talking on a Monday?", 6),
        ("ana", "A1: a picture to argue about", 7),
    )
    assert read == (
        {1: "What gets your students talking on a Monday?"},
        {"A1: a picture to argue about": (1,)},
    )


def test_a_list_answers_only_the_questions_asked_by_then() -> None:
    read = session(
        (MODERATOR, "Question 1: How do you start class?", 5),
        (MODERATOR, "Question 2: How do you end it?", 10),
        ("ana", "A1, 2 & 3: bell ringers and exit tickets", 12),
        (MODERATOR, "Question 3: What do you grade?", 20),
    )
    assert read[1]["A1, 2 & 3: bell ringers and exit tickets"] == (1, 2)


def test_questions_in_words_name_a_session_moderator() -> None:
    posts = [
        a_tweet(1, "First question: How do you start class?", by="eve", minute=5),
        a_tweet(2, "Second question: How do you end it?", by="eve", minute=12),
        a_tweet(3, "A1: bell ringers", by="ana", minute=6),
    ]
    assert infer_moderators(posts, (), None) == ("eve",)
