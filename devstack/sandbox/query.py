"""The part of X's search query language the sandbox understands.

Clauses separated by spaces must all match (X's implicit AND); `-` in front negates one:
`#hashtag`, `@mention`, `from:username`, `"exact phrase"`, a keyword, and `is:retweet`,
`is:reply`, `is:quote`. Like X, a query needs at least one clause that is not negated and not an
`is:` filter. Anything else (OR, parentheses, other operators) is refused by name, so a test
never silently gets results X would not give.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from devstack.sandbox.models import Account, Post

Predicate = Callable[[Post, Account], bool]

_CLAUSE = re.compile(r'-?"[^"]*"|\S+')
_REFERENCE_KINDS = {"is:retweet": "retweeted", "is:reply": "replied_to", "is:quote": "quoted"}


class QueryError(ValueError):
    """A query the sandbox cannot (or X would not) run; the text is X-style."""


@dataclass(frozen=True)
class Clause:
    matches: Predicate
    standalone: bool


def compile_query(query: str) -> Predicate:
    clauses = [_clause(token, position) for position, token in _tokens(query)]
    if not any(clause.standalone for clause in clauses):
        raise QueryError(
            "There were errors processing your request: "
            "Rules must contain a non-negation term (at position 1)"
        )
    return lambda post, author: all(clause.matches(post, author) for clause in clauses)


def _tokens(query: str) -> list[tuple[int, str]]:
    return [(match.start() + 1, match.group()) for match in _CLAUSE.finditer(query)]


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
    raise QueryError(
        "There were errors processing your request: the sandbox does not support "
        f"[{body}] (at position {position})"
    )
