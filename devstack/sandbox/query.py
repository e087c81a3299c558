"""The part of X's search query language the sandbox understands.

Clauses separated by spaces must all match (X's implicit AND); `-` in front negates one:
`#hashtag`, `@mention`, `from:username`, `"exact phrase"`, a keyword, and `is:retweet`,
`is:reply`, `is:quote`. `OR` between clauses matches either, and parentheses group; as on X, AND
binds tighter than OR (`#a OR #b -is:retweet` is `#a OR (#b -is:retweet)`, so a chat with two
hashtags searches `(#a OR #b) -is:retweet`), and a group can be negated (`-(#a OR #b)`). Like
X, a query needs a clause that is not negated and not an `is:` filter (on every side of an OR).
Anything else (other operators, a lowercase `or` taken as a keyword aside) is refused by name, so
a test never silently gets results X would not give.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from devstack.sandbox.models import Account, Post

Predicate = Callable[[Post, Account], bool]

_TOKEN = re.compile(r'-?"[^"]*"|-?\(|\)|[^\s()]+')
_REFERENCE_KINDS = {"is:retweet": "retweeted", "is:reply": "replied_to", "is:quote": "quoted"}
_PROBLEM = "There were errors processing your request: "


class QueryError(ValueError):
    """A query the sandbox cannot (or X would not) run; the text is X-style."""


@dataclass(frozen=True)
class Clause:
    matches: Predicate
    standalone: bool


def compile_query(query: str) -> Predicate:
    parser = _Parser([(match.start() + 1, match.group()) for match in _TOKEN.finditer(query)])
    clause = parser.any_of()
    if parser.tokens_left():
        position, token = parser.peek()
        raise QueryError(f"{_PROBLEM}extraneous input '{token}' (at position {position})")
    if not clause.standalone:
        raise QueryError(f"{_PROBLEM}Rules must contain a non-negation term (at position 1)")
    return clause.matches


class _Parser:
    """any_of := all_of ("OR" all_of)*;  all_of := unit+;  unit := "-"? "(" any_of ")" | clause"""

    def __init__(self, tokens: list[tuple[int, str]]) -> None:
        self.tokens = tokens
        self.next = 0

    def tokens_left(self) -> bool:
        return self.next < len(self.tokens)

    def peek(self) -> tuple[int, str]:
        return self.tokens[self.next]

    def take(self) -> tuple[int, str]:
        token = self.tokens[self.next]
        self.next += 1
        return token

    def any_of(self) -> Clause:
        sides = [self.all_of()]
        while self.tokens_left() and self.peek()[1] == "OR":
            self.take()
            sides.append(self.all_of())
        if len(sides) == 1:
            return sides[0]
        return Clause(
            lambda post, author: any(side.matches(post, author) for side in sides),
            standalone=all(side.standalone for side in sides),
        )

    def all_of(self) -> Clause:
        units: list[Clause] = []
        while self.tokens_left() and self.peek()[1] not in (")", "OR"):
            units.append(self.unit())
        if not units:
            position, token = self.peek() if self.tokens_left() else (self._end(), "<EOF>")
            raise QueryError(f"{_PROBLEM}no viable alternative at input '{token}' (at position "
                             f"{position})")  # fmt: skip
        if len(units) == 1:
            return units[0]
        return Clause(
            lambda post, author: all(unit.matches(post, author) for unit in units),
            standalone=any(unit.standalone for unit in units),
        )

    def unit(self) -> Clause:
        position, word = self.take()
        if word in ("(", "-("):
            inner = self.any_of()
            if not self.tokens_left() or self.take()[1] != ")":
                raise QueryError(f"{_PROBLEM}missing ')' at '<EOF>' (at position {self._end()})")
            if word.startswith("-"):
                return Clause(lambda post, author: not inner.matches(post, author), False)
            return inner
        return _clause(word, position)

    def _end(self) -> int:
        if not self.tokens:
            return 1
        position, token = self.tokens[-1]
        return position + len(token)


def _clause(token: str, position: int) -> Clause:
    negated = token.startswith("-") and len(token) > 1
    body = token[1:] if negated else token
    matches, standalone = _positive(body, position)
    if negated:
        return Clause(lambda post, author: not matches(post, author), standalone=False)
    return Clause(matches, standalone)


def _positive(body: str, position: int) -> tuple[Predicate, bool]:
    lowered = body.casefold()
    if lowered in _REFERENCE_KINDS:
        kind = _REFERENCE_KINDS[lowered]
        return (lambda post, _author: post.references(kind)), False
    if body[:1] in "#＃" and len(body) > 1:
        tag = lowered[1:]
        return (lambda post, _author: tag in post.stored.hashtags()), True
    if body[:1] in "@＠" and len(body) > 1:
        name = lowered[1:]
        return (lambda post, _author: name in post.stored.mentions()), True
    if lowered.startswith("from:") and len(body) > 5:
        name = lowered[5:].lstrip("@")
        return (lambda _post, author: author.username.casefold() == name), True
    if body.startswith('"') and body.endswith('"') and len(body) > 2:
        phrase = lowered[1:-1]
        return (lambda post, _author: phrase in post.text.casefold()), True
    if re.fullmatch(r"\w+", body):
        word = re.compile(rf"(?<!\w){re.escape(lowered)}(?!\w)")
        return (lambda post, _author: bool(word.search(post.text.casefold()))), True
    raise QueryError(f"{_PROBLEM}the sandbox does not support [{body}] (at position {position})")
