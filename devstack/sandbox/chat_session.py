"""A realistic hour of an education chat on X, made up for the sandbox (seeded through
`POST /sandbox/seed`; `demo.transcript` makes it a staged transcript for `POST /sandbox/chats`).

`generate_session(hashtag, moderators, start_utc, seed)` answers seed posts (control.SEED_SCHEMA
items, ids included) for a one-hour chat of about 25 participants and well over 300 posts:

- before the start, a few "who's ready?" posts and the moderator's reminder;
- at the start, the first moderator's welcome, then introductions (many as replies to it);
- Q1…Q6 from the first moderator every ~8 minutes, worded in varied forms (`Q1:`, `Q2.`,
  `Q3 -`, `Q4)`, `Q5` with an en dash, `Q6`), each reposted by a co-moderator and a few
  participants (retweets, which a `-is:retweet` search leaves out);
- answers in every form people use: `A1 …`, `A1: …`, `A1 - …`, `A1) …`, `a1 …`, `A1. …`,
  `A2/A3 …`, `A2 & A3: …`, `A2, A3: …`, and replies to the question without any A-number. An
  answer written as a reply starts with `@moderator `, as X's text of a reply does;
- replies between participants (some two deep), quotes (their text ends with the quoted post's
  link, as X's does), links to education resources through t.co (some the same page with
  different `utm_` parameters, some through bit.ly with `unwound_url`), emoji, hashtags in
  varied case, a few posts that forget the hashtag (a search cannot find those), and the wrap-up
  and late stragglers until the window closes (end + 30 min).

The `public_metrics` of every post but a repost grow with its age (`growth`: likes, reposts,
replies, quotes, bookmarks and impressions approach their final counts, half the way every few
minutes), so a read during the chat sees few likes and a lookup after it more; the sandbox renders
them at its clock. Everything follows from `seed`: the same seed gives the same posts, ids, t.co
links and counts at the same instant, so a test can rely on which answers to Q1 lead.

This module plans who says what, and when. The words come from data/chat_script.json
(chat_script.py); chat_posts.py turns the planned posts into seed posts, ids and growth included.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from devstack.sandbox.chat_posts import PlannedPost, SeedPost, render
from devstack.sandbox.chat_script import QUESTIONS, Person, load_script
from devstack.sandbox.entities import MAX_WEIGHTED_LENGTH as MAX_LENGTH
from devstack.sandbox.entities import weighted_length

DURATION = timedelta(hours=1)
DEFAULT_PARTICIPANTS = 25
MIN_POSTS = 300
_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
SCRIPT = load_script()


@dataclass
class ChatSession:
    """What `plan_session` made: the seed posts (oldest first), the questions' ids by number,
    and who took part."""

    posts: list[SeedPost]
    questions: dict[int, str]
    participants: list[str]
    topic: str
    start: datetime
    end: datetime


def generate_session(
    hashtag: str,
    moderators: Sequence[str],
    start_utc: datetime,
    seed: int,
    participants: int = DEFAULT_PARTICIPANTS,
) -> list[SeedPost]:
    """The seed posts of one chat, oldest first (see the module's description)."""
    return plan_session(hashtag, moderators, start_utc, seed, participants).posts


def plan_session(
    hashtag: str,
    moderators: Sequence[str],
    start_utc: datetime,
    seed: int,
    participants: int = DEFAULT_PARTICIPANTS,
) -> ChatSession:
    tag = hashtag.strip().lstrip("#＃")
    if not re.fullmatch(r"\w+", tag) or not moderators:
        raise ValueError("a chat needs a hashtag of word characters and at least one moderator")
    handles = [m.strip().lstrip("@") for m in moderators]
    if not all(_HANDLE.fullmatch(h) for h in handles):
        raise ValueError("moderators are X handles: letters, digits and _, at most 15")
    return _Chat(tag, handles, start_utc.astimezone(UTC), seed, participants).run()


class _Chat:
    def __init__(
        self, tag: str, moderators: list[str], start: datetime, seed: int, participants: int
    ) -> None:
        # made-up chat posts need no secrecy, only the same posts for the same seed
        self.random = random.Random(f"chatdeck-chat:{seed}")  # nosec B311
        self.tag = tag
        self.start = start
        self.end = start + DURATION
        taken = {h.casefold() for h in moderators}
        pool = [p for p in SCRIPT.people if p.handle.casefold() not in taken]
        chosen = self.random.sample(pool, min(participants, len(pool)))
        self.people = [
            Person(
                p.handle,
                p.name,
                self.random.choice(SCRIPT.roles),
                self.random.choice(SCRIPT.places),
            )
            for p in chosen
        ]
        self.mods = [Person(h, _moderator_name(h), "moderator") for h in moderators]
        self.topic = SCRIPT.topics[seed % len(SCRIPT.topics)]
        # A few people do most of the talking, as in every chat.
        self.activity = {p.handle: min(0.97, 0.6 + 0.12 * self.random.paretovariate(2.0)) for p in
                         self.people}  # fmt: skip
        self.posts: list[PlannedPost] = []
        self.questions: dict[int, PlannedPost] = {}

    def hashtag(self) -> str:
        """The hashtag as people type it: mostly as announced, sometimes in other cases."""
        roll = self.random.random()
        if roll < 0.12:
            return f"#{self.tag.upper()}"
        if roll < 0.25:
            return f"#{self.tag[:1].upper()}{self.tag[1:]}"
        return f"#{self.tag}"

    def announcement(self, name: str) -> str:
        """One of the moderators' posts from the script, the hashtag as announced."""
        host = self.mods[0].handle
        return SCRIPT.posts[name].format(tag=f"#{self.tag}", topic=self.topic.title, mod=f"@{host}")

    def at(self, minutes: float) -> datetime:
        moment = self.start + timedelta(minutes=minutes)
        return moment.replace(microsecond=self.random.randrange(1000) * 1000)

    def add(self, post: PlannedPost) -> PlannedPost:
        if post.reply_to:
            post.reply_to.children.append(post)
        if post.quote_of:
            post.quote_of.quotes.append(post)
        if post.repost_of:
            post.repost_of.reposts.append(post)
        self.posts.append(post)
        return post

    def run(self) -> ChatSession:
        host = self.mods[0]
        self.before_the_start(host)
        welcome = self.add(
            PlannedPost(
                host,
                self.at(0),
                self.announcement("welcome"),
                kind="intro",
                quality=0.6,
            )
        )
        for co_host in self.mods[1:]:
            self.add(
                PlannedPost(
                    co_host,
                    self.at(0.8),
                    self.announcement("co_host_welcome"),
                    quality=0.3,
                )
            )
        self.introductions(welcome)
        for number in range(1, QUESTIONS + 1):
            self.question(number, host)
        self.wrap_up(host)
        self.top_up()
        return self.session()

    def before_the_start(self, host: Person) -> None:
        self.add(PlannedPost(host, self.at(-12), self.announcement("reminder"), quality=0.4))
        for line, person in zip(SCRIPT.hype, self.random.sample(self.people, 5), strict=False):
            self.add(
                PlannedPost(
                    person,
                    self.at(self.random.uniform(-11, -0.5)),
                    line.format(tag=self.hashtag()),
                    quality=0.1,
                )
            )

    def introductions(self, welcome: PlannedPost) -> None:
        for person in self.people:
            if self.random.random() > 0.75:
                continue
            greeting = self.random.choice(SCRIPT.greetings).format(tag=self.hashtag())
            text = SCRIPT.posts["introduction"].format(
                greeting=greeting,
                name=person.first_name,
                role=person.role,
                place=person.place,
                closer=self.random.choice(SCRIPT.closers).strip(),
                tag=self.hashtag(),
            )
            as_reply = self.random.random() < 0.5
            self.add(
                PlannedPost(
                    person,
                    self.at(self.random.uniform(0.3, 4.5)),
                    (f"@{welcome.author.handle} " if as_reply else "") + _tidy(text),
                    reply_to=welcome if as_reply else None,
                    kind="intro",
                    quality=self.random.random() * 0.4,
                )
            )

    def question(self, number: int, host: Person) -> None:
        asked = 5 + 8 * (number - 1) + self.random.uniform(0, 0.6)
        form = SCRIPT.question_forms[(number - 1) % len(SCRIPT.question_forms)]
        text = form.format(n=number, q=self.topic.questions[number - 1]) + f" #{self.tag}"
        question = self.add(PlannedPost(host, self.at(asked), text, kind="question", quality=0.9))
        self.questions[number] = question
        reposters = self.mods[1:] + self.random.sample(self.people, 2)
        for person in reposters:
            self.add(
                PlannedPost(
                    person,
                    self.at(asked + self.random.uniform(0.1, 2)),
                    f"RT @{host.handle}: {text}",
                    repost_of=question,
                    kind="retweet",
                )
            )
        for person in self.people:
            if self.random.random() < self.activity[person.handle]:
                self.answer(number, question, person, asked)

    def answer(self, number: int, question: PlannedPost, person: Person, asked: float) -> None:
        late = number < QUESTIONS and self.random.random() < 0.06
        numbered = True
        if late:  # answered together with the next question
            when = asked + 8 + self.random.uniform(0.5, 5)
            form = self.random.choice(SCRIPT.combined_answer_forms)
            core = self.core(number) + "; " + self.core(number + 1)
            body = form.format(n=number, m=number + 1, a=core)
        else:
            when = asked + 0.3 + 7.5 * self.random.betavariate(1.4, 3.0)
            core = self.core(number)
            if self.random.random() < 0.1:  # a reply to the question, without an A-number
                body, numbered = core[:1].upper() + core[1:], False
            else:
                opener = self.random.choice(SCRIPT.openers)
                if not opener or opener.rstrip()[-1] in ".!?":
                    core = core[:1].upper() + core[1:]
                body = self.random.choice(SCRIPT.answer_forms).format(n=number, a=opener + core)
        body += self.random.choice(SCRIPT.tails) + self.random.choice(SCRIPT.closers)
        unwound: dict[str, str] = {}
        link = self.link() if self.random.random() < 0.2 else None
        if link and weighted_length(body) < MAX_LENGTH - 80:
            unwound = {link: SCRIPT.unwound[link]} if link in SCRIPT.unwound else {}
            body += f" {self.random.choice(SCRIPT.link_leads)}{link}"
        as_reply = not numbered or self.random.random() < 0.45
        forgot = self.random.random() < 0.04  # a search for the hashtag never sees this one
        text = body if forgot else f"{body} {self.hashtag()}"
        if as_reply:
            text = f"@{question.author.handle} {text}"
        quality = self.random.random() ** 1.8
        post = self.add(
            PlannedPost(
                person,
                self.at(when),
                _tidy(text),
                reply_to=question if as_reply else None,
                kind="answer",
                quality=quality,
                unwound=unwound,
            )
        )
        self.reactions(post, when)

    def core(self, number: int) -> str:
        return self.random.choice(self.topic.answers[number - 1])

    def link(self) -> str:
        if self.random.random() < 0.3:
            return self.random.choice(SCRIPT.link_variants)
        return self.random.choice(SCRIPT.links)

    def reactions(self, answer: PlannedPost, when: float) -> None:
        """Replies from others (sometimes answered back), the moderators' cheers, and quotes."""
        chance = 0.6 + 0.3 * answer.quality
        while self.random.random() < chance:
            chance *= 0.45
            replier = self.random.choice([*self.people, *self.mods])
            if replier is answer.author:
                continue
            said = self.random.choice(SCRIPT.agree)
            reply_at = when + self.random.uniform(0.4, 6)
            tagged = self.random.random() < 0.8
            text = f"@{answer.author.handle} {said}" + (f" {self.hashtag()}" if tagged else "")
            reply = self.add(
                PlannedPost(
                    replier,
                    self.at(reply_at),
                    text,
                    reply_to=answer,
                    quality=self.random.random() ** 3 * 0.4,
                )
            )
            if self.random.random() < 0.3:
                back = f"@{replier.handle} {self.random.choice(SCRIPT.thanks)} {self.hashtag()}"
                self.add(
                    PlannedPost(
                        answer.author,
                        self.at(reply_at + self.random.uniform(0.3, 3)),
                        back,
                        reply_to=reply,
                        quality=self.random.random() ** 3 * 0.3,
                    )
                )
        if self.random.random() < 0.08 + 0.2 * answer.quality:
            quoter = self.random.choice(self.people)
            if quoter is not answer.author:
                line = self.random.choice(SCRIPT.quote_lines)
                self.add(
                    PlannedPost(
                        quoter,
                        self.at(when + self.random.uniform(0.5, 5)),
                        f"{line} {self.hashtag()} https://twitter.com/{answer.author.handle}"
                        "/status/{quoted}",
                        quote_of=answer,
                        quality=self.random.random() * 0.5,
                    )
                )

    def wrap_up(self, host: Person) -> None:
        self.add(
            PlannedPost(
                host,
                self.at(55 + self.random.uniform(0, 1)),
                self.announcement("wrap_up"),
                quality=0.7,
            )
        )
        for co_host in self.mods[1:]:
            self.add(
                PlannedPost(
                    co_host,
                    self.at(56 + self.random.uniform(0, 1)),
                    self.announcement("co_host_wrap_up"),
                    quality=0.4,
                )
            )
        for line, person in zip(SCRIPT.afterglow, self.random.sample(self.people, 5), strict=False):
            self.add(
                PlannedPost(
                    person,
                    self.at(self.random.uniform(56, 85)),
                    line.format(tag=self.hashtag(), mod=f"@{host.handle}"),
                    quality=self.random.random() * 0.5,
                )
            )

    def top_up(self) -> None:
        """A quiet night still makes a full hour: more side conversations, up to MIN_POSTS."""
        answers = [post for post in self.posts if post.kind == "answer"]
        while len(self.posts) < MIN_POSTS:
            answer = self.random.choice(answers)
            replier = self.random.choice([p for p in self.people if p != answer.author])
            said = self.random.choice(SCRIPT.agree)
            minutes = (answer.at - self.start) / timedelta(minutes=1) + self.random.uniform(1, 9)
            self.add(
                PlannedPost(
                    replier,
                    self.at(minutes),
                    f"@{answer.author.handle} {said} {self.hashtag()}",
                    reply_to=answer,
                    quality=self.random.random() ** 3 * 0.4,
                )
            )

    def session(self) -> ChatSession:
        seeded = render(self.posts, self.mods, self.random)
        return ChatSession(
            posts=seeded,
            questions={number: post.id for number, post in self.questions.items()},
            participants=[p.handle for p in self.people],
            topic=self.topic.title,
            start=self.start,
            end=self.end,
        )


def _moderator_name(handle: str) -> str:
    return re.sub(r"[_\d]+", " ", handle).strip().title() or handle


def _tidy(text: str) -> str:
    return re.sub(r"\s{2,}", " ", text).strip()
