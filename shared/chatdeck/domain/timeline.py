"""A session's questions and answers read over time, from its posts in time order.

The text of each post is read by ``chatdeck.domain.qa`` (its forms, teasers, announcements);
who moderates by ``chatdeck.domain.moderators``. Here is what time adds (the rules a user reads
are in ``chatdeck.domain.digest``'s docstring):

* a number is asked when its first post was made, a minute early (``ASKED_GRACE``: clocks of two
  networks differ, and transcripts keep only the minute); an answer numbered before its question
  was asked, or past the last question, answers the question open then (the one asked last);
* ``Final Q:`` is the number after the highest asked so far, and a second one is the same;
* after a moderator's announcement (``Last question. . .``, ``Q3 coming up``), their next post
  within ``ANNOUNCED_WITHIN`` that asks without a number is that question;
* a Q1 posted without its number is the moderators' last post that asks (six words or more)
  before the first numbered question and the first answer marked 1; other missing numbers stay
  missing;
* of a number's posts, one that is not a teaser wins, then one that asks something after its
  number, then a numbered one, then one with a "?", then the earliest.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from chatdeck.domain.archive import ArchivedPost
from chatdeck.domain.qa import (
    MAX_NUMBER,
    QuestionMark,
    announces_question,
    answer_numbers,
    answers_last,
    is_host,
    participant_question_numbers,
    question_mark,
    unescape,
    words,
)

ANNOUNCED_WITHIN = timedelta(minutes=5)
# A question counts as asked a minute early: clocks of two networks differ, and transcripts
# keep only the minute, so an answer may appear just before its question.
ASKED_GRACE = timedelta(minutes=1)
FIRST_QUESTION_MIN_WORDS = 6


@dataclass(frozen=True, slots=True)
class Reading:
    """A session read over time: how many questions, the post chosen for each number, and the
    numbers each answering post answers (by post key)."""

    question_count: int
    chosen: dict[int, ArchivedPost]
    answers: dict[tuple[str, str], tuple[int, ...]]


def read_timeline(
    posts: Sequence[ArchivedPost],
    moderators: Collection[str],
    chat_account: str | None,
    planned: int = 0,
) -> Reading:
    """Questions and answers of a session's posts in time order, reposts left out (the rules
    are ``chatdeck.domain.digest``'s docstring)."""
    hosts = {post.key for post in posts if is_host(post.author_handle, moderators, chat_account)}
    candidates: dict[int, list[tuple[QuestionMark, ArchivedPost]]] = {}
    question_of_post: dict[tuple[str, str], int] = {}
    opened_by: dict[tuple[str, str], int] = {}  # the post that first asked a number
    last_final: int | None = None
    announced: dict[str, tuple[int | None, datetime]] = {}  # by author: what comes next, when
    for post in posts:
        if post.key not in hosts:
            continue
        mark = question_mark(post.text)
        coming = announced.pop(post.author_handle, None)
        if announces_question(post.text):
            teased = mark.numbers[0] if mark is not None and mark.numbers else None
            announced[post.author_handle] = (teased, post.created_at)
            continue
        if mark is None and coming is not None and _asks_unnumbered(post, coming[1]):
            teased_number = (coming[0],) if coming[0] else ()
            mark = QuestionMark(teased_number, final=not coming[0], asks=True, announced=True)
        if mark is None or not mark.is_question:
            continue
        asks = mark.numbers
        if not asks:  # "Final Q:" is the next number; a second one is the same
            following = max(candidates, default=0) + 1
            asks = (last_final or following,) if following <= MAX_NUMBER else ()
            last_final = asks[0] if asks else None
        for number in asks:
            if number not in candidates:
                opened_by.setdefault(post.key, number)
            candidates.setdefault(number, []).append((mark, post))
        if asks:
            question_of_post[post.key] = asks[0]
    first_question = _unnumbered_first_question(posts, hosts, candidates)
    if first_question is not None:
        candidates[1] = [(QuestionMark((1,), asks=True, announced=True), first_question)]
        opened_by[first_question.key] = question_of_post[first_question.key] = 1
    question_count = min(MAX_NUMBER, max([planned, *candidates]))
    chosen = {
        number: min(
            found,
            key=lambda c: (c[0].teaser, c[0].bare, c[0].announced, not c[0].asks, _order(c[1])),
        )[1]
        for number, found in candidates.items()
    }
    asked_at = {number: found[0][1].created_at for number, found in candidates.items()}
    chosen_keys = {post.key for post in chosen.values()}

    answers: dict[tuple[str, str], tuple[int, ...]] = {}
    open_number: int | None = None
    for post in posts:
        open_number = opened_by.get(post.key, open_number)
        if post.key in chosen_keys or post.key in question_of_post:
            continue
        when = post.created_at + ASKED_GRACE

        def asked(number: int, when: datetime = when) -> bool:
            return 1 <= number <= question_count and (
                number not in asked_at or asked_at[number] <= when
            )

        numbers: tuple[int, ...] = ()
        explicit = answer_numbers(post.text)
        if not explicit and answers_last(post.text) and question_count:
            explicit = (question_count,)
        if explicit:
            numbers = tuple(n for n in explicit if asked(n))
            if not numbers and open_number is not None:
                numbers = (open_number,)  # numbered before its question, or past the last one
            elif not numbers:
                numbers = tuple(n for n in explicit if n <= question_count)
        elif post.key not in hosts:
            # "Q" is a weak mark from a participant: it answers the open question or the one
            # before; "Q1 from me, ...?" while Q5 is open is their own question
            numbers = tuple(
                n
                for n in participant_question_numbers(post.text)
                if asked(n) and (open_number is None or n >= open_number - 1)
            )
            replied = question_of_post.get((post.network, post.reply_to or "")) or (
                question_of_post.get((post.network, post.quote_of or ""))
            )
            if not numbers and replied is not None and replied <= question_count:
                numbers = (replied,)
        if numbers:
            answers[post.key] = numbers
    return Reading(question_count=question_count, chosen=chosen, answers=answers)


def _unnumbered_first_question(
    posts: Sequence[ArchivedPost],
    hosts: set[tuple[str, str]],
    candidates: dict[int, list[tuple[QuestionMark, ArchivedPost]]],
) -> ArchivedPost | None:
    """Q1 posted without its number: when Q2 or later was asked and no Q1, the moderators' last
    post that asks before the first numbered question and before the first answer marked 1."""
    if 1 in candidates or not candidates:
        return None
    first_asked = min(found[0][1].created_at for found in candidates.values())
    found: ArchivedPost | None = None
    for post in posts:
        text = unescape(post.text)
        if post.created_at >= first_asked or 1 in answer_numbers(text):
            break
        if post.key in hosts and _asks_first(post, text):
            found = post
    return found


def _asks_first(post: ArchivedPost, text: str) -> bool:
    """Could open a session's questions: asks, has no number, is no reply, and says something."""
    return (
        "?" in text
        and post.reply_to is None
        and not text.lstrip().startswith("@")
        and question_mark(text) is None
        and not answer_numbers(text)
        and len(words(text)) >= FIRST_QUESTION_MIN_WORDS
    )


def _asks_unnumbered(post: ArchivedPost, announced_at: datetime) -> bool:
    """The post after an announcement asks the question: a "?", no number, not a reply."""
    text = unescape(post.text).lstrip()
    return (
        "?" in text
        and not text.startswith("@")
        and not answer_numbers(text)
        and post.created_at - announced_at <= ANNOUNCED_WITHIN
    )


def _order(post: ArchivedPost) -> tuple[datetime, int, str]:
    # X's ids are numbers of growing length: order them as numbers when the times are equal.
    return post.created_at, len(post.id), post.id
