"""Who moderated a chat session, inferred from its posts.

A chat's configured moderators and its own account are hints, not a list to trust: guests
moderate some weeks, founders take a week off, and a chat's account may never ask anything. A
session's moderators are:

* **The askers**: for each question number, the first post that opens with it
  (``chatdeck.domain.qa.question_mark``: ``Q1``, ``Here's Q3:``, ``Final Q:`` as the next
  number, not a teaser) names its author as that number's asker, if it comes in order (no higher
  number was asked before it). An author who asked is a moderator when also one of: a hint
  (configured moderator or the chat's account); runs the session's flow (a welcome, the Q1/A1
  format, "introduce yourselves", a teaser such as "Q2 coming up" or "Last question. . .",
  "next question", "thanks for joining", "join us next week"); asked two numbers, one of them
  with a "?"; or asked the most numbers of anyone (the earliest first on a tie). So a
  participant who types "Q1: my answer" after the moderator's Q1 asks nothing, and one who
  answers "Q7: …" in a six-question session is not made a moderator by it. An author who asked
  one number in order, with a "?", that no moderator asked and that a moderator's higher number
  followed, moderates too: two hosts taking turns unannounced, the guest asking Q2 alone. A
  hint who runs the flow is a moderator without asking (the founder who welcomes everyone and
  hands over to a guest), unless the hint is the chat's account.
* **The mirrors**: a chat on several networks is often asked on each, the same question posted
  again on another network within minutes. The author of such a copy (the same number, another
  network, within 10 minutes, most words the same) moderates when the one copied does. A
  participant's "Q1: my answer" on another network shares the number but not the words.
* **The announced**: the accounts an in-chat announcement names: a sentence with a moderating
  word (moderator, moderating, co-moderator, host, hosting, co-host) names every @mention in it
  ("Our moderators tonight are @a @b", "Thanks @a and @b for hosting", "Welcome our guest
  moderator @c"), unless it speaks of another time ("last week", "next Wednesday", "tomorrow");
  and the author of "I'm your host tonight", "I'll be moderating", "Guest moderating tonight!"
  (not of "I'm hosting a workshop").

Reposts are the caller's to leave out (a "RT @mod: Q1 …" asks nothing). A guest who moderated
another week is a participant this week unless this week's posts say otherwise. With no hints at
all, the askers and the announced are still found. With no question asked and nobody announced,
the configured moderators who posted are taken, so their posts stay out of the voices. The chat's
account is never taken for its flow alone: it stays out of the voices anyway.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from difflib import SequenceMatcher

from chatdeck.domain.archive import ArchivedPost
from chatdeck.domain.qa import (
    announces_question,
    normalise_handle,
    question_mark,
    same_account,
    unescape,
    words,
)

MIRROR_WITHIN = timedelta(minutes=10)
MIRROR_LIKENESS = 0.6  # share of words in common (difflib's ratio over the words)

# a mention, but not the quoted author of "RT @name:" or "via @name"
_MENTION = re.compile(r"(?<![\w@])(?<!RT\s)(?<!via\s)@([\w.-]+(?:@[\w.-]+\.\w+)?)")
_ROLE = re.compile(r"\b(?:co-?)?(?:moderat\w*|host(?:s|ed|ing)?\b)", re.IGNORECASE)
_DAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b"
_OTHER_WEEK = re.compile(
    r"\b(?:last|next|previous|past|another|other|upcoming|future|coming)\s+"
    rf"(?:week|time|session|month|chat|year|{_DAY})|\b(?:tomorrow|yesterday)\b|\bon\s+{_DAY}|"
    r"\bwho\s+(?:wants|will|would)\b|\bnot\s+(?:host|moderat)",
    re.IGNORECASE,
)
# The author names themself: "I'm your host tonight", "I'll be moderating", "Guest moderating
# #scichat tonight!" (not "I'm hosting a workshop").
_SELF = re.compile(
    r"\b(?:i['’]?m|i\s+am|i['’]?ll\s+be|i\s+will\s+be)\s+"
    r"(?:(?:your|the|a|today['’]?s|tonight['’]?s)\s+)?(?:guest\s+)?(?:co-?)?"
    r"(?:host(?:ing)?|moderat(?:or|ing))\b(?!\s+(?:a|an|my|our)\b)|"
    r"^\W*(?:guest\s+|co-?)(?:moderating|hosting)\b",
    re.IGNORECASE,
)
_FLOW = re.compile(
    r"\bwelcome\s+(?:to|back|everyone|all|every1|y['’]?all|friends|educators|teachers)\b|"
    r"\bq1\s*/\s*a1\b|\bintroduce\s+(?:yourself|yourselves)\b|\bnext\s+question\b|"
    r"\bthanks?\s+(?:you\s+)?(?:all\s+|everyone\s+|so\s+much\s+)?for\s+(?:joining|coming|chatting|"
    r"participating)\b|\bjoin\s+us\s+(?:again\s+)?next\b|"
    r"\bthat['’]?s\s+a\s+wrap\b|\blet['’]?s\s+get\s+started\b|\bsee\s+you\s+(?:all\s+)?next\b|"
    r"\bwill\s+be\s+archived\b",
    re.IGNORECASE,
)
_ADDRESSED = re.compile(r"(?:[.\s]*@[\w.@-]+)+")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")


@dataclass
class _Author:
    asked: list[ArchivedPost] = field(default_factory=list)
    flow: int = 0
    first_at: int = 0  # place of their first asking post
    numbered: list[ArchivedPost] = field(default_factory=list)  # every numbered question posted
    mirrored: set[str] = field(
        default_factory=set
    )  # whose questions they posted on another network


def infer_moderators(
    posts: Sequence[ArchivedPost], hints: Collection[str], chat_account: str | None
) -> tuple[str, ...]:
    """The session's moderators (normalised handles, in the order they first asked or were
    named), from its posts in time order, reposts left out."""
    hinted = [normalise_handle(h) for h in [*hints, *([chat_account] if chat_account else [])]]
    authors: dict[str, _Author] = {}
    announced: list[str] = []
    asked_numbers: set[int] = set()
    first_asked: dict[int, ArchivedPost] = {}
    for place, post in enumerate(posts):
        handle = normalise_handle(post.author_handle)
        author = authors.setdefault(handle, _Author())
        text = unescape(post.text)
        mark = question_mark(text)
        if mark is not None and not mark.is_question:
            author.flow += 1  # a teaser: someone running the session
        elif mark is not None:
            numbers = mark.numbers or ((max(asked_numbers, default=0) + 1,) if mark.final else ())
            new = [n for n in numbers if n not in asked_numbers]
            in_order = all(n > max(asked_numbers, default=0) for n in new) or mark.final
            asked_numbers.update(numbers)
            author.numbered.append(post)
            for number in numbers:
                original = first_asked.setdefault(number, post)
                if _mirrors(post, original):
                    author.mirrored.add(normalise_handle(original.author_handle))
            if new and (in_order or author.asked):
                if not author.asked:
                    author.first_at = place
                author.asked.append(post)
        if _FLOW.search(text) or announces_question(text):
            author.flow += 1
        announced.extend(h for h in _announced(text, handle) if h not in announced)

    def is_hint(handle: str) -> bool:
        return any(same_account(handle, hint) for hint in hinted)

    askers = [handle for handle, author in authors.items() if author.asked]
    top = min(
        askers,
        key=lambda handle: (-len(authors[handle].asked), authors[handle].first_at),
        default=None,
    )
    moderators = [
        handle
        for handle in sorted(askers, key=lambda handle: authors[handle].first_at)
        if handle == top
        or is_hint(handle)
        or authors[handle].flow > 0
        or (
            len(authors[handle].asked) >= 2
            and any("?" in post.text for post in authors[handle].asked)
        )
    ]
    moderators = _with_askers_in_turn(moderators, askers, authors)
    moderators += [
        h for h, a in authors.items() if h not in moderators and a.mirrored & set(moderators)
    ]
    posted = set(authors)
    # a hint who runs the flow without asking: the founder who welcomes and hands over to a guest
    configured = [normalise_handle(hint) for hint in hints]
    moderators += [
        h
        for h, a in authors.items()
        if h not in moderators and a.flow and any(same_account(h, c) for c in configured)
    ]
    moderators += [h for h in announced if h not in moderators and _posted(h, posted)]
    if not moderators:
        moderators = [h for h in dict.fromkeys(configured) if _posted(h, posted)]
    return tuple(moderators)


def _with_askers_in_turn(
    moderators: list[str], askers: list[str], authors: dict[str, _Author]
) -> list[str]:
    """The moderators and the co-moderators who asked one question in turn: a number no
    moderator asked, in order, with a "?", that a moderator's higher number followed (two hosts
    taking turns, unannounced). A participant's own "Q2: anyone use Kami?" shares its number
    with the moderator's Q2, and a "Q7: …" after the last question is followed by nothing."""
    by_moderators = [
        (number, post)
        for h in moderators
        for post in authors[h].numbered
        for number in _numbers(post)
    ]
    taken = {number for number, _ in by_moderators}
    in_turn = []
    for handle in askers:
        if handle in moderators or len(authors[handle].asked) != 1:
            continue
        mine = authors[handle].asked[0]
        numbers = _numbers(mine)
        if (
            numbers
            and "?" in mine.text
            and not taken & set(numbers)
            and any(n > max(numbers) and p.created_at > mine.created_at for n, p in by_moderators)
        ):
            in_turn.append(handle)
    return sorted([*moderators, *in_turn], key=lambda handle: authors[handle].first_at)


def _numbers(post: ArchivedPost) -> tuple[int, ...]:
    mark = question_mark(post.text)
    return mark.numbers if mark is not None else ()


def _mirrors(post: ArchivedPost, original: ArchivedPost) -> bool:
    """Whether `post` is `original`'s question asked again on another network."""
    if post.network == original.network or abs(post.created_at - original.created_at) > (
        MIRROR_WITHIN
    ):
        return False
    mine, theirs = ([word.casefold() for word in words(unescape(p.text))] for p in (post, original))
    return SequenceMatcher(None, mine, theirs).ratio() >= MIRROR_LIKENESS


def _announced(text: str, author: str) -> list[str]:
    named: list[str] = []
    addressed = _ADDRESSED.match(text)  # a reply's leading mentions address, they do not name
    for sentence in _SENTENCE.split(text[addressed.end() :] if addressed else text):
        if not _ROLE.search(sentence) or _OTHER_WEEK.search(sentence):
            continue
        if _SELF.search(sentence):
            named.append(author)
        named.extend(normalise_handle(mention) for mention in _MENTION.findall(sentence))
    return named


def _posted(handle: str, authors: set[str]) -> bool:
    return any(same_account(author, handle) for author in authors)
