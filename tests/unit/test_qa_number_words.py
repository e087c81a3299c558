"""Numbers in words as people type them with any letters the matching takes: a Turkish dotted
capital ``İ`` matches ``i`` case-insensitively but folds to ``i`` and a combining dot, so
``FİRST question:`` or ``Answer nİne:`` must still read as 1 and 9, never break the reading of
a whole session (a participant's post is anyone's text)."""

import pytest

from chatdeck.domain.qa import answer_numbers, question_mark
from chatdeck.domain.timeline import read_timeline
from tests.unit.services.kit import MODERATOR, a_tweet


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("FİRST question: How do you start class?", 1),
        ("Question nİne: what do you grade?", 9),
        ("ſecond question: how do you give feedback?", 2),
    ],
)
def test_a_question_in_words_with_a_dotted_capital_i_reads_its_number(
    text: str, number: int
) -> None:
    mark = question_mark(text)
    assert mark is not None and mark.numbers == (number,)


def test_an_answer_in_words_with_a_dotted_capital_i_reads_its_number() -> None:
    assert answer_numbers("Answer nİne: peer review") == (9,)


def test_a_session_with_such_a_post_is_read() -> None:
    posts = [
        a_tweet(1, "FİRST question: How do you start class?", by=MODERATOR, minute=5),
        a_tweet(2, "Answer onE: a warm-up", by="ana", minute=6),
        a_tweet(3, "Question nİne: What do you grade?", by=MODERATOR, minute=10),
        a_tweet(4, "Answer nİne: nothing yet", by="ben", minute=11),
    ]
    reading = read_timeline(posts, [MODERATOR], None)
    assert {n: post.text for n, post in reading.chosen.items()} == {
        1: "FİRST question: How do you start class?",
        9: "Question nİne: What do you grade?",
    }
    assert {post.text: n for post in posts if (n := reading.answers.get(post.key))} == {
        "Answer onE: a warm-up": (1,),
        "Answer nİne: nothing yet": (9,),
    }
