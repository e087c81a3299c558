"""Which posts of a chat session are questions, which are answers, and to which question numbers.

Ed chats share one convention: the moderator posts ``Q1``…``Qn`` and participants answer with
``A1``…``An``. People type it in many ways; these are recognised (case-insensitive, numbers 1-20).
Who the moderators are is ``chatdeck.domain.moderators``' business, and reading a session's
posts over time (which question was open when a post was made, the announced and unnumbered
questions below) is ``chatdeck.domain.timeline``'s. Here is the text:

* **Questions**, only from a moderator (or the chat's own account): ``Q1``, ``Q1:``, ``Q1.``,
  ``Q1 -``, ``Q1)``, ``Q1/``, ``q1``, ``#Q1``, ``Q 1``, ``Q.1``, ``Q#1``, ``[Q1]``,
  ``Question 1:``, ``Question No. 2``, ``Question number 2``, ``Q5?:``, ``Q2.1`` and ``Q2b`` (a
  follow-up, counted as Q2), after a
  lead-in: ``Here's Q3:``, ``Here we go... Q1.``, ``OK, Q2 -``, ``Back to Q3``, ``Time for
  Q4``, ``Next up: Q5``. ``Final Q:``, ``Last question:`` and ``Bonus Q:`` (followed by a mark)
  are the next number (``question_mark`` says ``final``; the reading numbers it).
* **Questions in words**, one to twenty, only before a mark (``:``, ``.``, ``)``, a dash, a comma
  in a post that asks) or a teaser: ``First question:``, ``Our second Q -``, ``1st question:``,
  ``Question one:``, ``First question, how…?``, ``Question Two of the night:``, ``Question three
  of six.``, ``Third question coming up`` (a teaser). ``Question one thing you do`` (the verb),
  ``First question I had was…``, ``First question, then a break`` and ``Question one?`` ask
  nothing; ``Question one of the day is...`` with nothing after announces Q1.
* **Teasers** are not questions: ``Q3 on the way``, ``Q5 comin' right up``, ``Q1 coming up in 2
  minutes``, ``Q2 in 1 minute``, ``Q4 up next``, ``Q4 next``, ``Get ready for Q2``. A teaser
  that still asks (``Q3 coming up: How do you…?``) is kept as a question, but never chosen over
  one that is not a teaser. A number with nothing asked after it (``Q1 👇`` over an image,
  ``OK... time for question 1?``) is a question only when nothing better was posted for it. A
  ``:`` or other mark right after the number makes it a question again (``Q2: coming up with
  ideas is hard…``).
* **Announced questions**: after a moderator's teaser or announcement without a "?" (``Q3
  coming up``, ``Last question. . .``, ``Going to skip to last question``, ``One more question
  for tonight``), the same moderator's next post, within 5 minutes, that asks ("?"), carries no
  number and is not a reply, is that question (the teased number, else the next one); a
  numbered post of the same number wins over it.
* **A first question without its number**: when a later number was asked and no Q1, the
  moderators' last post that asks ("?", six words or more, no number, not a reply) before the
  first numbered question and before the first answer marked 1 is Q1 (a chat often opens with
  "We'll start with…?"). Other missing numbers stay missing: a moderator's unnumbered "?" in
  the middle of a session is more often a follow-up.
* **Answers**: ``A1``, ``A1:``, ``A1.``, ``A1 -``, ``A1)``, ``A1/``, ``a1``, ``#A1``, ``A.1``;
  ``A#1``; with a space, a hyphen or a word only before a mark: ``A 1:``, ``A 1)``, ``A 1.``,
  ``A 1 -``, ``A-1:``, ``A - 1:``, ``A #1:``, ``Answer 1:``, ``Answer #1:``, ``Answer one:`` (not
  ``A 1 hour block``, ``A 1:1 program``, ``A-1 service``, ``A #1 fan``);
  parts of an answer: ``A2.1``, ``A1.5`` (answer 1), ``A2a``, ``A2b`` (any lowercase ``a``-``d``
  before a mark, ``A2c:``); several at once: ``A1/A2``, ``A1 & A2``, ``A1, A2``, ``A1 and A2``,
  ``A1+A2``, and the bare forms ``A1 & 2``, ``A1/2``, ``A1 and 2``, ``A1+2``, ``A1,2,3``, ``A1,
  2, 3``, ``A1, 2 & 3:``, each number answered; a bare ``, 2`` only when the list goes on or a
  mark follows (``A1, 2: …``; ``A1, 2 things matter`` is A1); ``Alast:``,
  ``A-last:`` and ``A final -`` answer the session's last question. An answer may follow a
  greeting or a word of agreement closed by a mark (``Hello. A5.``, ``Sorry I'm late! A1:``,
  ``Agreed, A2 -``) or ``also``/``and``/``plus`` (``Also A2: …``). A leading ``Q2`` is skipped,
  so ``Q2 A2: …`` and ``Q2/A2 …`` answer Q2. A moderator's ``A2: …`` answers too
  (co-moderators answer each other's questions, and moderators show the way).
* **A participant's** ``Q1: …`` (``participant_question_numbers``) answers Q1 once Q1 was asked:
  many people answer with the question's number; before it was asked, it is conversation, and
  so is a bare ``Q1?`` (someone asking which one it was).
* "At the start" means after anything that is not a word: whitespace, mentions (replies begin
  ``@mod A1: …``; Bluesky's ``@name.bsky.social`` and Mastodon's ``@name@server`` too),
  hashtags (``#edchat A1 …``), emoji (``🗣️Q1``, ``➡️ A2``, keycaps ``1️⃣ Q1``), ``.@``, ``**``
  and the like.
* A post with no number that replies to (or quotes) a question post answers that question:
  the caller says which through ``reply_to_question``. An explicit A-number wins over it.
  A moderator's reply to a question is conversation.
* Everything else is conversation.

Not markers, by decision:

* a marker glued to more word characters: ``A1C levels``, ``A1c levels`` (a lowercase part
  letter must be ``a``/``b`` or stand before a mark), ``a1b2``, ``AAA1``, ``A10`` for A1
  (``A10`` is answer 10; whether the session has a Q10 is the digest's business);
* ranges: ``Q1-2 planning``, ``A1-A2 learners`` (CEFR levels);
* a quarter: ``Q1 2025 results``, ``Q1 '25``, ``Q1 FY26``, ``Q1 budget``, ``Q3 earnings`` (and
  ``results``, ``revenue``, ``sales``, ``forecast``, ``report``, ``financials``);
* the steak sauce: ``A1 sauce…``, ``A1 steak sauce…`` (``A1: steak sauce`` is an answer, and so is
  any text that replies to Q1); a CEFR level: ``A1 level``, ``A1-level``; a web address at the
  start: ``a1.com/…``. ``A1 students need visuals`` *is* an answer, by decision: in a chat, once
  Q1 was asked, an answer starting "Students…" is far likelier than a CEFR level, and the
  timeline files it only under a question asked;
* a marker anywhere but the start (``Great chat! A1 was hard``, ``We'll use a Q1/A1 format``,
  URLs such as ``…/a1/…``), or at the end of a post (``… #edchat A1``), which is too often a
  CEFR level to be trusted; a lead-in is only one of the words above, so ``Great answers to Q1
  so far!`` is conversation.

X sends ``&``, ``<`` and ``>`` as HTML entities; they are read as the characters.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

Kind = Literal["question", "answer", "conversation"]
MAX_NUMBER = 20

# A number's parts: ".1" (A2.1, A1.5), and a lowercase letter (A2a; c or d only before a mark,
# as "A1c levels" is a blood test).
_PART = r"(?:\.\d{1,2}(?![\d.]\d)|(?-i:[ab])|(?-i:[a-d])(?=[:.)\]\-–—/,]))?"
# After the number: no more word characters, no range ("Q1-2", "A1-A3", with a hyphen or an
# en dash).
_END = r"(?!\w|[-–][aq]?\d)"
# Before the marker: whitespace, mentions (``@name.bsky.social`` and ``@name@server`` too),
# hashtags that are not markers themselves, and anything that is neither a word character nor
# "/" (emoji, ".@", "**", "➡️", "-").
_PREAMBLE = rf"(?:\s|@[\w.-]++|#(?!(?:[aq]\d{{1,2}}){_END})\w++|\d\ufe0f?\u20e3|[^\w\s@#/])*+"
_APOSTROPHE = r"['’]"
_LEAD_WORDS = (
    rf"here{_APOSTROPHE}?s|here\s+is|here\s+comes|here\s+we\s+go|ok(?:ay)?|alright|all\s+right|"
    rf"now|next(?:\s+up)?|up\s+next|and|so|then|finally|(?:it{_APOSTROPHE}?s\s+)?time\s+for|"
    rf"on\s+to|onto|moving\s+on(?:\s+to)?|back\s+to|first\s+up|"
    rf"let{_APOSTROPHE}?s\s+(?:move\s+on\s+to|move\s+to|go\s+to|turn\s+to|start\s+with|go)"
)
_TEASER_LEAD = r"(?:get\s+)?ready\s+for|stand\s+by\s+for|look\s+out\s+for|watch\s+for|coming\s+up"
_LEAD_IN = rf"(?:(?:{_LEAD_WORDS}|(?P<teaser_lead>{_TEASER_LEAD}))\b[\s,.:;!…–—-]*+{_PREAMBLE})*+"
_JOINER = r"\s*+(?:/|&|\+|,|and\b)\s*+"
_BARE_JOINER = r"\s*+(?:/|&|\+|and\b)\s*+"
_Q = rf"#?(?:q\.?\s{{0,2}}|question\s*+(?:no\.?\s*+|number\s++)?)#?\d{{1,2}}{_PART}{_END}"
_PARTICIPANT_Q = rf"#?q\d{{1,2}}{_PART}{_END}"
_ONE_TO_TWENTY = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
)
_FIRST_TO_TWENTIETH = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
)
_CARDINALS, _ORDINALS = _ONE_TO_TWENTY.split(), _FIRST_TO_TWENTIETH.split()
_NUMBER_WORDS = {word: n for words in (_CARDINALS, _ORDINALS) for n, word in enumerate(words, 1)}
_CARDINAL = rf"(?:{'|'.join(sorted(_CARDINALS, key=len, reverse=True))})\b"
_ORDINAL = rf"(?:{'|'.join(sorted(_ORDINALS, key=len, reverse=True))}|\d{{1,2}}(?:st|nd|rd|th))\b"
# A mark after a number: "A 1:", "A-1)", "Question one.", "First question -" (not "1:1", "1.5").
_MARK = r"\s*+:(?!\d)|\s*+\)|\.(?!\d)|\s*+[-–—]\s"
# A marker with a space, a hyphen or a word ("A 1:", "A-1:", "A #1:", "Answer 1:", "Answer one:"),
# a list of them counted only before a mark: "A 1 hour block", "A-1 service", "A 1:1 program"
# and "A #1 fan" are not answers. "A#1" is tight, as "Q#1" is.
_LOOSE_A = (
    rf"(?:a(?:\s++|\s*+[-–#]\s*+)|answer\s*+(?:#|no\.?|number\b)?\s*+)\d{{1,2}}{_PART}{_END}"
    rf"|answer\s++{_CARDINAL}"
)
_TIGHT_A = rf"#?a[.#]?\d{{1,2}}{_PART}{_END}"
# Numbers after the first marker: "A1 & 2", "A1/2", "A1,2,3", "A1, 2, 3", and "A1, 2" only when
# the list goes on or a mark follows ("A1, 2 & 3:", "A1, 2: …"): "A1, 2 things matter" is A1.
_LIST_GOES_ON = rf"\s*+(?:[,/&+]|and\b|$)|{_MARK}"
_COMMA_NUMBER = rf"\s*+,\s*+\d{{1,2}}{_END}"
_BARE_NUMBERS = (
    rf"{_COMMA_NUMBER}(?:{_COMMA_NUMBER})++|,\d{{1,2}}{_END}|{_COMMA_NUMBER}(?={_LIST_GOES_ON})"
    rf"|{_BARE_JOINER}\d{{1,2}}{_END}(?:{_COMMA_NUMBER})*+"
)
_QUESTION_LIST = rf"{_Q}(?:{_JOINER}{_Q})*+"
_ANSWER_LIST = (
    rf"(?:{_TIGHT_A}|{_LOOSE_A})(?:{_JOINER}(?:{_TIGHT_A}|{_LOOSE_A})|{_BARE_NUMBERS})*+(?={_MARK})"
    rf"|{_TIGHT_A}(?:{_JOINER}{_TIGHT_A}|{_BARE_NUMBERS})*+"
)
# A question in words: "First question:", "Our second Q -", "Question one:", "Question two of the
# night:", "Third question coming up" (a teaser). Only before a mark or a teaser, as "Question
# one assumption a day" and "First question I had was…" ask nothing; "Question one of the day
# is..." with nothing after announces it.
_OF_WHEN = (
    r"(?:the\s+|this\s+|our\s+|tonight['’]?s\s+)?"
    r"(?:night|evening|day|chat|session|today|tonight|week|hour)\b"
)
_SCOPE = rf"(?:\s+(?:(?:of|for)\s+{_OF_WHEN}|of\s+(?:\d{{1,2}}\b|{_CARDINAL})|tonight\b|today\b))?"
_COMMA_ASKING = r"\s*+,(?=[^?]*\?)"  # "First question, how do you…?"; not "First question, then…"
_SPELLED_Q = (
    rf"(?:(?:(?:the|our)\s+)?(?P<ordinal>{_ORDINAL})\s+q(?:uestion)?\b"
    rf"|question\s+(?P<cardinal>{_CARDINAL})){_SCOPE}"
)
_QUARTER = (
    r"\s+(?:(?:19|20)\d\d|'\d\d|fy\d{0,4}|earnings|revenue|sales|budgets?|financials|"
    r"forecasts?|results|reports?)\b"
)
_TEASER = (
    r"\s+(?:is\s+|will\s+be\s+)?(?:coming|comin\b|on\s+(?:the|its|it['’]s)\s+way|up\s+next|"
    r"next|in\s+(?:\d|a\s+(?:sec|min|moment|few|bit)|just|one|two|five|a\b)|soon|shortly|"
    r"momentarily|starts|drops|dropping|right\s+up|headed|heading|will\b|is\s+up\b)"
)
# Not an answer after all: the steak sauce, a CEFR level ("A1 level", "A1-level"), a web address
# ("a1.com/…").
_NOT_AN_ANSWER = (
    r"\s+(?:steak\s+)?sauce\b|\s*+[-–]?\s*+levels?\b|\.(?:com|org|net|edu|gov|io|info)\b"
)
_FINAL = (
    r"(?:(?:the|our|a)\s+)?(?:final|last|bonus)\s+(?:q|question)"
    r"(?:\s+(?:of|for)\s+(?:the\s+|this\s+|our\s+)?(?:night|evening|day|chat|session|today|"
    r"tonight|week|hour))?\s*+[:.)\-–—]"
)

_QUESTION = re.compile(
    rf"{_PREAMBLE}{_LEAD_IN}(?:(?P<markers>{_QUESTION_LIST})(?P<teaser>{_TEASER})?"
    rf"|(?P<final>{_FINAL})"
    rf"|{_SPELLED_Q}(?:(?P<spelled_is>\s+is)?(?:{_MARK}|\s*+[–—]|{_COMMA_ASKING})"
    rf"|(?P<spelled_teaser>{_TEASER})))"
    rf"(?!{_QUARTER})",
    re.IGNORECASE,
)
_PARTICIPANT_QUESTION = re.compile(
    rf"{_PREAMBLE}(?P<markers>{_PARTICIPANT_Q}(?:{_JOINER}{_PARTICIPANT_Q})*+)(?!{_QUARTER}|{_TEASER})",
    re.IGNORECASE,
)
# Before an answer: a greeting or a word of agreement closed by a mark ("Hello. A5.", "Sorry
# I'm late! A1:"), or "also", "and", "plus" ("Also A2: …").
_ANSWER_LEAD_IN = (
    rf"(?:(?:(?:hello|hi|hey|ok(?:ay)?|oops|sorry(?:\s+i{_APOSTROPHE}?m\s+late)?|yes|no|agreed|"
    rf"great\s+q(?:uestion)?|love\s+this\s+q(?:uestion)?)[\s!.,:;…–—-]*?[!.,:;…–—-]"
    rf"|(?:also|and|plus)\b){_PREAMBLE})?"
)
_ANSWER = re.compile(
    rf"{_PREAMBLE}{_ANSWER_LEAD_IN}(?:#?q\d{{1,2}}{_END}[^\w@#]*+{_PREAMBLE})?"
    rf"(?P<markers>{_ANSWER_LIST})(?!{_NOT_AN_ANSWER})",
    re.IGNORECASE,
)
_ANSWER_LAST = re.compile(rf"{_PREAMBLE}a[\s-]?(?:last|final)\s*+[:.)\-–—]", re.IGNORECASE)
# A moderator saying a question comes next, without asking it: "Going to skip to last
# question. . .", "One more question for tonight", "Here comes our question about Shift 2".
_ANNOUNCES = re.compile(
    r"\b(?:next|last|final|one\s+more)\s+question\b(?!s)|"
    r"\bhere\s+comes\s+(?:our|the|a)\s+(?:\w+\s+)?question\b|"
    r"\b(?:start|begin)\s+with\s+(?:a|an|our|the)\s+(?:\w+\s+)?question\b(?!s)",
    re.IGNORECASE,
)
_NOT_ASKED = re.compile(r"[#@][\w.@-]+|https?://\S+")
_WORD = re.compile(r"[^\W\d_]")
# Not a part: "A2.1" is 2; "Q.3", "Question No.2", "Answer one"
_NUMBER = re.compile(
    rf"(?<![.\d])\d{{1,2}}|(?<=[aAqQ]\.)\d{{1,2}}|(?<=no\.)\d{{1,2}}|\b{_CARDINAL}", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Classified:
    kind: Kind
    numbers: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class QuestionMark:
    """A moderator's numbered post as typed: its numbers (none for ``Final Q:``), whether it is
    the last or a bonus question without a number, and whether it is a teaser."""

    numbers: tuple[int, ...]
    final: bool = False
    teaser: bool = False
    asks: bool = False  # has a "?": it asks something
    announced: bool = False  # no number: the question a moderator just said was coming
    bare: bool = False  # nothing asked after the number: "Q1 👇" (an image), "time for Q1?"

    @property
    def is_question(self) -> bool:
        """A teaser is a question only if it still asks something."""
        return bool(self.numbers or self.final) and (self.asks or not self.teaser)


CONVERSATION = Classified("conversation")


def normalise_handle(handle: str) -> str:
    """``@MsJones`` and ``msjones`` are the same account."""
    return handle.strip().lstrip("@").casefold()


def same_account(author_handle: str, handle: str) -> bool:
    """Whether a post's author is the account `handle` names. Mastodon shows an account of the
    reading instance without its server (`host`, not `host@server`), so a handle with a server
    is also its user there."""
    author, wanted = normalise_handle(author_handle), normalise_handle(handle)
    return author == wanted or ("@" not in author and wanted.partition("@")[0] == author != "")


def is_host(author_handle: str, moderators: Collection[str], chat_account: str | None) -> bool:
    """A moderator or the chat's own account: the ones who ask."""
    if chat_account and same_account(author_handle, chat_account):
        return True
    return any(same_account(author_handle, moderator) for moderator in moderators)


def unescape(text: str) -> str:
    if "&" in text:
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text


def question_mark(text: str) -> QuestionMark | None:
    """The numbered question (or teaser, or ``Final Q:``) a post opens with, if any."""
    text = unescape(text)
    found = _QUESTION.match(text)
    if found is None:
        return None
    spelled = found["ordinal"] or found["cardinal"]
    if found["markers"]:
        numbers = _numbers(found["markers"])
    else:
        numbers = _numbers(str(_spelled_number(spelled))) if spelled else ()
    if not numbers and not found["final"]:
        return None
    # "OK... time for question 1?", "Q3! #edchat": nothing asked after the number
    bare = _bare(text[found.end() :])
    # "Question one of the day is..." and nothing more: it comes next
    teaser = bool(
        found["teaser"]
        or found["teaser_lead"]
        or found["spelled_teaser"]
        or (found["spelled_is"] and bare)
    )
    asks = "?" in text and not bare
    return QuestionMark(numbers, final=bool(found["final"]), teaser=teaser, asks=asks, bare=bare)


def answer_numbers(text: str) -> tuple[int, ...]:
    """The answer numbers a post opens with (``A1``, ``A2.1``, ``A1 & 2``…), sorted."""
    found = _ANSWER.match(unescape(text))
    return _numbers(found["markers"]) if found else ()


def answers_last(text: str) -> bool:
    """``Alast:``, ``A-last:``, ``A final -``: an answer to the session's last question."""
    return _ANSWER_LAST.match(unescape(text)) is not None


def announces_question(text: str) -> bool:
    """A moderator's "Last question. . ." or "Question 3 coming up": a question comes next."""
    text = unescape(text)
    mark = question_mark(text)
    return "?" not in text and (
        (mark is not None and mark.teaser) or _ANNOUNCES.search(text) is not None
    )


def participant_question_numbers(text: str) -> tuple[int, ...]:
    """The Q-numbers a participant's post opens with (``Q1: my answer``), no lead-in taken."""
    found = _PARTICIPANT_QUESTION.match(text := unescape(text))
    return _numbers(found["markers"]) if found and not _bare(text[found.end() :]) else ()


def classify(
    text: str,
    author_handle: str,
    moderators: Collection[str],
    chat_account: str | None,
    reply_to_question: int | None = None,
) -> Classified:
    """What a post is, by its text and author alone: a participant's ``Q1: …`` and a
    ``Final Q:`` need the session's timeline, which the digest reads."""
    if is_host(author_handle, moderators, chat_account):
        mark = question_mark(text)
        if mark is not None and mark.is_question and mark.numbers:
            return Classified("question", mark.numbers)
        numbers = answer_numbers(text)
        return Classified("answer", numbers) if numbers else CONVERSATION
    numbers = answer_numbers(text)
    if numbers:
        return Classified("answer", numbers)
    if reply_to_question is not None and 1 <= reply_to_question <= MAX_NUMBER:
        return Classified("answer", (reply_to_question,))
    return CONVERSATION


def _numbers(markers: str) -> tuple[int, ...]:
    numbers = {_spelled_number(number) for number in _NUMBER.findall(markers)}
    return tuple(sorted(n for n in numbers if 1 <= n <= MAX_NUMBER))


def _spelled_number(number: str) -> int:
    """``3``, ``3rd``, ``three``, ``Third`` are 3."""
    digits = number.rstrip("stndrhSTNDRH")
    if digits.isdigit():
        return int(digits)
    if number.casefold() in _NUMBER_WORDS:
        return _NUMBER_WORDS[number.casefold()]
    # the regex matched it ignoring case, as "FİRST" ("İ" folds to "i" and a combining dot)
    return next(n for w, n in _NUMBER_WORDS.items() if re.fullmatch(w, number, re.IGNORECASE))


def words(text: str) -> list[str]:
    """A post's words, its hashtags, mentions and links aside."""
    return _NOT_ASKED.sub("", text).split()


def _bare(rest: str) -> bool:
    return not _WORD.search(_NOT_ASKED.sub("", rest))
