"""Which posts of a chat session are questions, which are answers, and to which question numbers.

Ed chats share one convention: the moderator posts ``Q1``…``Qn`` and participants answer with
``A1``…``An``. People type it in many ways; these are recognised (case-insensitive, numbers 1-20):

* **Questions**, only from a moderator or the chat's own account (handles compared
  case-insensitively, a leading ``@`` ignored): ``Q1``, ``Q1:``, ``Q1.``, ``Q1 -``, ``Q1)``,
  ``Q1/``, ``q1``, ``#Q1`` at the start of the post.
* **Answers**, from anyone else: ``A1``, ``A1:``, ``A1.``, ``A1 -``, ``A1)``, ``A1/``, ``a1``,
  ``#A1``, and several at once: ``A1/A2``, ``A1 & A2``, ``A1, A2``, ``A1 and A2``, ``A1+A2``.
  A participant's leading ``Q2`` is skipped, so ``Q2 A2: …`` and ``Q2/A2 …`` answer Q2.
* "At the start" means after anything that is not a word: whitespace, mentions (replies begin
  ``@mod A1: …``; Bluesky's ``@name.bsky.social`` and Mastodon's ``@name@server`` too),
  hashtags (``#edchat A1 …``), emoji (``🗣️Q1``), ``.@``, ``**`` and the like.
* A post with no A-number that replies to (or quotes) a question post answers that question:
  the caller says which through ``reply_to_question``. An explicit A-number wins over it.
* Moderators and the chat's account never answer: their posts are questions or conversation.
* Everything else is conversation, including a ``Q2`` typed by a participant.

Not markers, by decision:

* a marker glued to more word characters: ``A1C levels``, ``a1b2``, ``AAA1``, ``A10`` for A1
  (``A10`` is answer 10; whether the session has a Q10 is the digest's business);
* ranges and decimals: ``Q1-2 planning``, ``A1-A2 learners`` (CEFR levels), ``A1.5``;
* a quarter: ``Q1 2025 results``, ``Q1 '25``, ``Q1 FY26``;
* a moderator's announcement: ``Q1 coming up``, ``Q1 is coming up``, ``Q1 in 2 minutes``,
  ``Q1 up next``, ``Q1 next`` (a ``:`` or other mark after the number makes it a question again);
* the steak sauce: ``A1 sauce…``, ``A1 steak sauce…`` (``A1: steak sauce`` is an answer, and so is
  any text that replies to Q1);
* a marker anywhere but the start (``Great chat! A1 was hard``, URLs such as ``…/a1/…``), or at
  the end of a post (``… #edchat A1``), which is too often a CEFR level to be trusted.

X sends ``&``, ``<`` and ``>`` as HTML entities; they are read as the characters.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

Kind = Literal["question", "answer", "conversation"]
MAX_NUMBER = 20

# After the number: no more word characters, no range ("Q1-2", "A1-A3", with a hyphen or an
# en dash) and no decimal ("A1.5").
_END = r"(?!\w|[-–][aq]?\d|\.\d)"
# Before the marker: whitespace, mentions (``@name.bsky.social`` and ``@name@server`` too),
# hashtags that are not markers themselves, and anything that is neither a word character nor
# "/" (emoji, ".@", "**", "➡️", "-").
_PREAMBLE = rf"(?:\s|@[\w.-]++|#(?!(?:[aq]\d{{1,2}}){_END})\w++|[^\w\s@#/])*+"
_JOINER = r"\s*+(?:/|&|\+|,|and\b)\s*+"
_QUESTION_LIST = rf"#?q\d{{1,2}}{_END}(?:{_JOINER}#?q\d{{1,2}}{_END})*+"
_ANSWER_LIST = rf"#?a\d{{1,2}}{_END}(?:{_JOINER}#?a\d{{1,2}}{_END})*+"
_QUARTER = r"\s+(?:(?:19|20)\d\d|'\d\d|fy\d{0,4})\b"
_ANNOUNCEMENT = r"\s+(?:is\s+|will\s+be\s+)?(?:coming|up\s+next|next|in\s+\d|starts|drops)\b"
_STEAK_SAUCE = r"\s+(?:steak\s+)?sauce\b"

_QUESTION = re.compile(
    rf"{_PREAMBLE}(?P<markers>{_QUESTION_LIST})(?!{_QUARTER}|{_ANNOUNCEMENT})", re.IGNORECASE
)
_ANSWER = re.compile(
    rf"{_PREAMBLE}(?:#?q\d{{1,2}}{_END}[^\w@#]*+{_PREAMBLE})?"
    rf"(?P<markers>{_ANSWER_LIST})(?!{_STEAK_SAUCE})",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Classified:
    kind: Kind
    numbers: tuple[int, ...] = ()


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
    """A moderator or the chat's own account: the ones who ask, never answer."""
    if chat_account and same_account(author_handle, chat_account):
        return True
    return any(same_account(author_handle, moderator) for moderator in moderators)


def classify(
    text: str,
    author_handle: str,
    moderators: Collection[str],
    chat_account: str | None,
    reply_to_question: int | None = None,
) -> Classified:
    """What a post is in its chat session, and which question numbers it asks or answers."""
    if "&" in text:
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if is_host(author_handle, moderators, chat_account):
        numbers = _numbers(_QUESTION.match(text))
        return Classified("question", numbers) if numbers else CONVERSATION
    numbers = _numbers(_ANSWER.match(text))
    if numbers:
        return Classified("answer", numbers)
    if reply_to_question is not None and 1 <= reply_to_question <= MAX_NUMBER:
        return Classified("answer", (reply_to_question,))
    return CONVERSATION


def _numbers(found: re.Match[str] | None) -> tuple[int, ...]:
    if found is None:
        return ()
    numbers = {int(digits) for digits in _DIGITS.findall(found["markers"])}
    return tuple(sorted(n for n in numbers if 1 <= n <= MAX_NUMBER))
