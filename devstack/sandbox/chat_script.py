"""What people say in the sandbox's made-up chats, read from data/chat_script.json.

The file holds the words: who may take part, the roles and places they introduce themselves
with, each topic's six questions and the answers people draw on, the ways they number questions
and answers, the lines they open, end, cheer, thank and quote with, the moderators' posts, and the
links they share. chat_session.py decides who says what, and when. Its lists are drawn from by
position with a chat's seeded random generator, so reordering, adding or removing an entry changes
the chats made from a seed (and the tests that rely on which answers lead).

Templates name their blanks: `{tag}` is the hashtag as typed (with its #), `{topic}` the topic's
title, `{mod}` the first moderator as `@handle`, `{n}` and `{m}` question numbers, `{q}` a
question, `{a}` an answer; an introduction has `{greeting}`, `{name}`, `{role}`, `{place}` and
`{closer}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from devstack.sandbox.store import stable_id

SCRIPT_PATH = Path(__file__).resolve().parent / "data" / "chat_script.json"
QUESTIONS = 6  # chat_session.py asks one every ~8 minutes, so every topic has exactly six


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    role: str = ""
    place: str = ""

    @property
    def author_id(self) -> str:
        # The id the sandbox gives a handle it first meets (Store.account_named), so seeded
        # chat posts and accounts made elsewhere agree.
        return stable_id(f"@{self.handle.casefold()}")

    @property
    def first_name(self) -> str:
        return self.name.removeprefix("Dr. ").split()[0]


@dataclass(frozen=True)
class Topic:
    title: str
    questions: tuple[str, ...]
    answers: tuple[tuple[str, ...], ...]  # per question: the core of an answer


@dataclass(frozen=True)
class Script:
    people: tuple[Person, ...]
    roles: tuple[str, ...]
    places: tuple[str, ...]
    topics: tuple[Topic, ...]
    posts: Mapping[str, str]  # the moderators' posts and an introduction's shape, by name
    hype: tuple[str, ...]
    greetings: tuple[str, ...]
    question_forms: tuple[str, ...]
    answer_forms: tuple[str, ...]
    combined_answer_forms: tuple[str, ...]
    openers: tuple[str, ...]
    tails: tuple[str, ...]
    closers: tuple[str, ...]
    agree: tuple[str, ...]
    thanks: tuple[str, ...]
    quote_lines: tuple[str, ...]
    afterglow: tuple[str, ...]
    # Some pages come again with utm_ parameters or through bit.ly: a digest counts each once.
    links: tuple[str, ...]
    link_variants: tuple[str, ...]
    unwound: Mapping[str, str]
    link_leads: tuple[str, ...]


@cache
def load_script(path: Path = SCRIPT_PATH) -> Script:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    topics = tuple(
        Topic(
            topic["title"],
            tuple(asked["question"] for asked in topic["questions"]),
            tuple(tuple(asked["answers"]) for asked in topic["questions"]),
        )
        for topic in data["topics"]
    )
    for topic in topics:
        if len(topic.questions) != QUESTIONS or not all(topic.answers):
            raise ValueError(f"{path}: {topic.title!r} needs {QUESTIONS} questions with answers")
    links = data["links"]
    return Script(
        people=tuple(Person(person["handle"], person["name"]) for person in data["people"]),
        roles=tuple(data["roles"]),
        places=tuple(data["places"]),
        topics=topics,
        posts=dict(data["posts"]),
        hype=tuple(data["hype"]),
        greetings=tuple(data["greetings"]),
        question_forms=tuple(data["question_forms"]),
        answer_forms=tuple(data["answer_forms"]),
        combined_answer_forms=tuple(data["combined_answer_forms"]),
        openers=tuple(data["openers"]),
        tails=tuple(data["tails"]),
        closers=tuple(data["closers"]),
        agree=tuple(data["agree"]),
        thanks=tuple(data["thanks"]),
        quote_lines=tuple(data["quote_lines"]),
        afterglow=tuple(data["afterglow"]),
        links=tuple(links["pages"]),
        link_variants=tuple(links["variants"]),
        unwound=dict(links["unwound"]),
        link_leads=tuple(links["leads"]),
    )
