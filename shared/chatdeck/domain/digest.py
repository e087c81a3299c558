"""A chat session's digest and transcript, built from its archived posts.

Which post is what comes from ``chatdeck.domain.qa``; here is how a session adds up:

* **Reposts are left out** everywhere: a post with ``repost_of`` set, whose text starts with
  ``RT @`` (the old retweet form), or a copy: the same text (20 characters or more, spaces and
  case aside) as an earlier post on its network, a repost whose ``RT @`` an export dropped or a
  question posted again (an exported retweet of a short answer, "#chat A1. Grades 9 to 12.", is
  still one; only texts as short as "A1: Yes!" may be two people's own). Quotes are posts of
  their own and stay.
* **Moderators** are inferred from the session's posts (``chatdeck.domain.moderators``: who asked
  its numbered questions, who was announced); the chat's configured moderators and account are
  hints. ``moderator_override`` (an admin's correction) is taken instead, as it is.
  ``Digest.moderators`` says who was taken, ``Digest.moderators_inferred`` whether inferred.
  The chat's account, moderator or not, may ask and is left out of the voices.
* **Questions** (the forms are ``chatdeck.domain.qa``'s) are a moderator's (or the chat
  account's) numbered posts, numbered 1…n, n being the highest number asked or the number of
  questions planned in advance, whichever is larger; ``Final Q:`` is the number after the
  highest asked so far. A gap (a question the archive missed) is kept, without text. A
  question's text is the moderator's post; without one, the planned text. When a number was
  posted more than once, a post that is not a teaser wins, then one that asks something after
  its number (not ``Q1 👇``), then a numbered one (not one announced), then one with a "?",
  then the earliest (so a question without "?" is kept when nothing better exists); the others
  go to the conversation. A number is asked when its first post was made (a minute earlier, for
  clocks and transcripts that keep only the minute). After a moderator's "Last question. . ."
  or "Q3 coming up", their next post that asks without a number is that question; a Q1 posted
  without its number is found before the first numbered question (``chatdeck.domain.qa``).
* **Answers**: a post's A-numbers (``A2``, ``A2.1``, ``A1 & 2``…) name the questions it answers,
  moderators' posts too. A number the session has not asked yet at that moment, or has no
  question for (``A7`` in a six-question session), is dropped from the post when another number
  is good (``A1/A10`` answers Q1); a post left with none answers the question open at that
  moment (the one asked last), or, before any, keeps its numbers that the session has. A
  participant's ``Q1: …`` answers Q1 once Q1 was asked (conversation before), while Q1 or Q2
  is the open question (``Q1 from me, …?`` while Q5 is open is their own). A reply to a
  question post, or a quote of one, with no number answers that question (not a moderator's).
  A post answering several questions (``A1/A2``) counts under each of them, and once in the
  numbers.
* **Best answers** are ranked as domain/answer_ranking.py says (counts may be unknown); with
  counts by ``ArchivedPost.engagement`` = likes + 2 * (reposts + quotes)
  + replies (spreading an answer is worth more than liking it), then replies and quotes within
  the session, the earliest first on a tie.
* **Links** are the posts' expanded URLs, http and https only, deduplicated after
  ``normalise_url``; each counts the posts that shared it and names the first sharer. Links to
  posts (``x.com/<user>/status/<id>``, ``bsky.app/profile/<user>/post/<id>``: quotes, photos)
  are not shared links.
* **Voices** are participants other than the moderators, the chat's account and the accounts an
  admin marked as organisations' (``organisations``), ranked by posts, then likes received (of
  the likes known: None when none is), then who posted first. **First-timers worth following**
  are voices whose author id is not in ``earlier_participants`` and who posted at least twice or
  wrote a best answer, in the same order.
* **Networks**: a session spans every network its chat runs on; posts are told apart by
  (network, id), replies and quotes point within their own network, and authors by
  ``author_key`` (X's author id, another network's prefixed with it). Each post keeps its
  ``network`` and ``url``, so the digest says where it was posted and links to it there.
* **Numbers**: ``posts`` (every post but reposts, moderators' included), ``participants``
  (distinct authors, moderators included), ``answers`` (posts that answer at least one question),
  ``questions`` (n above), ``links`` (distinct links).

Posts are not filtered by time: the archive window already bounds the session, and the welcome
and goodbye posts around the hour belong to it. The same input always gives the same digest.

(Over 400 lines on purpose: the rules above are one reading of a session, each step feeding the
next; the Q/A classifier, the archive records and the link rules already live apart.)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

from chatdeck.domain.answer_ranking import best_answer_order
from chatdeck.domain.archive import NETWORK_NAMES, ArchivedPost
from chatdeck.domain.links import is_shareable, normalise_url
from chatdeck.domain.moderators import infer_moderators
from chatdeck.domain.organisations import is_organisation
from chatdeck.domain.qa import is_host, normalise_handle
from chatdeck.domain.schedule import UnknownZone
from chatdeck.domain.timeline import read_timeline

if TYPE_CHECKING:
    from chatdeck.domain.chats import Chat, Occurrence

BEST_ANSWERS_PER_QUESTION = 3
MOST_ACTIVE_VOICES = 5
FIRST_TIMER_MIN_POSTS = 2
COPY_MIN_LENGTH = 20  # shorter texts ("A1: Yes!") two people may write alike


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    text: str | None
    post: ArchivedPost | None = None

    @property
    def heading(self) -> str:
        """The moderator's post as asked, or ``Q3: <planned text>``, or ``Q3``."""
        if self.post is not None:
            return self.post.text
        return f"Q{self.number}: {self.text}" if self.text else f"Q{self.number}"


class QuestionThread(BaseModel):
    model_config = ConfigDict(frozen=True)

    question: Question
    answers: tuple[ArchivedPost, ...]


class Transcript(BaseModel):
    """Every post of the session: each question with all its answers, then the conversation."""

    model_config = ConfigDict(frozen=True)

    questions: tuple[QuestionThread, ...]
    conversation: tuple[ArchivedPost, ...]
    reposts_left_out: int = 0


class QuestionHighlights(BaseModel):
    model_config = ConfigDict(frozen=True)

    question: Question
    answer_count: int
    best_answers: tuple[ArchivedPost, ...]


class SharedLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str
    count: int
    first_shared_by: str
    first_shared_by_name: str
    first_shared_at: datetime
    first_post_id: str


class Voice(BaseModel):
    model_config = ConfigDict(frozen=True)

    author_id: str
    handle: str
    name: str
    posts: int
    answers: int
    likes_received: int | None  # None when none of their posts' likes are known
    first_posted_at: datetime
    best_answer_to: tuple[int, ...] = ()
    network: str = "x"

    @property
    def network_name(self) -> str:
        return NETWORK_NAMES.get(self.network, self.network)


class SessionNumbers(BaseModel):
    model_config = ConfigDict(frozen=True)

    posts: int
    participants: int
    answers: int
    questions: int
    links: int


class Digest(BaseModel):
    model_config = ConfigDict(frozen=True)

    chat_name: str
    hashtag: str
    occurrence_id: str
    local_date: date
    starts_at: datetime
    ends_at: datetime
    moderators: tuple[str, ...]  # the handles taken as the session's moderators
    chat_account: str | None
    questions: tuple[QuestionHighlights, ...]
    links: tuple[SharedLink, ...]
    voices: tuple[Voice, ...]
    first_timers: tuple[Voice, ...]
    numbers: SessionNumbers
    participant_ids: frozenset[str] = Field(
        description="Every author of the session: add them to the next session's earlier ones."
    )
    transcript: Transcript
    networks: tuple[str, ...] = ("x",)
    moderators_inferred: bool = False  # inferred from the posts, not configured or set

    @property
    def network_names(self) -> str:
        """Where the session ran: "X", "X and Bluesky", "X, Bluesky and Mastodon"."""
        names = [NETWORK_NAMES.get(n, n) for n in self.networks]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def date_label(self) -> str:
        """``Mon 7 Dec 2026``: the session's date where the chat happens."""
        return f"{self.local_date:%a} {self.local_date.day} {self.local_date:%b %Y}"

    @property
    def time_label(self) -> str:
        """Start and end in the chat's zone, such as ``20:00-21:00 America/New_York`` (en dash)."""
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M} {self.starts_at.tzinfo}"

    def local(self, moment: datetime) -> datetime:
        """A moment in the chat's time zone, for showing a post's time."""
        return moment.astimezone(self.starts_at.tzinfo)


def transcript(
    posts: Iterable[ArchivedPost],
    *,
    moderators: Collection[str],
    chat_account: str | None,
    planned_questions: Sequence[str] = (),
    moderator_override: Collection[str] | None = None,
) -> Transcript:
    """The whole session grouped by question, each group in time order, then the conversation;
    its moderators inferred as the digest's are (``moderators`` are hints), or the override."""
    session = _read_session(posts, moderators, chat_account, planned_questions, moderator_override)
    return session.transcript()


def build_digest(
    posts: Iterable[ArchivedPost],
    *,
    chat_name: str,
    hashtag: str,
    moderators: Collection[str],
    chat_account: str | None,
    occurrence_id: str,
    local_date: date,
    starts_at: datetime,
    ends_at: datetime,
    zone: str,
    earlier_participants: Collection[str],
    planned_questions: Sequence[str] = (),
    best_answers_per_question: int = BEST_ANSWERS_PER_QUESTION,
    most_active_voices: int = MOST_ACTIVE_VOICES,
    networks: Sequence[str] = (),
    moderator_override: Collection[str] | None = None,
    organisations: Collection[str] = (),
) -> Digest:
    """The session's highlights (see the module's docstring for every rule), and its transcript.

    ``organisations``: handles of organisations' accounts, left out of the voices and first-timers.

    ``moderator_override``: the moderators an admin set for the session, taken as they are.

    ``earlier_participants`` holds the author ids of the chat's earlier sessions.
    ``starts_at`` and ``ends_at`` are aware; the digest keeps them in ``zone``, the chat's.
    """
    chat_zone = _zone(zone)
    session = _read_session(posts, moderators, chat_account, planned_questions, moderator_override)
    best_first = best_answer_order(session.posts)
    highlights = tuple(
        QuestionHighlights(
            question=thread.question,
            answer_count=len(thread.answers),
            best_answers=tuple(sorted(thread.answers, key=best_first)[:best_answers_per_question]),
        )
        for thread in session.threads()
    )
    best_answer_to: dict[str, list[int]] = {}
    for highlight in highlights:
        for answer in highlight.best_answers:
            best_answer_to.setdefault(author_key(answer), []).append(highlight.question.number)
    voices = _voices(session, best_answer_to, organisations)
    first_timers = tuple(
        voice
        for voice in voices
        if voice.author_id not in earlier_participants
        and (voice.posts >= FIRST_TIMER_MIN_POSTS or voice.best_answer_to)
    )
    links = _shared_links(session.posts)
    return Digest(
        chat_name=chat_name,
        hashtag="#" + hashtag.lstrip("#"),
        occurrence_id=occurrence_id,
        local_date=local_date,
        starts_at=starts_at.astimezone(chat_zone),
        ends_at=ends_at.astimezone(chat_zone),
        moderators=session.moderators,
        moderators_inferred=moderator_override is None,
        chat_account=normalise_handle(chat_account) if chat_account else None,
        questions=highlights,
        links=links,
        voices=voices[:most_active_voices],
        first_timers=first_timers,
        numbers=SessionNumbers(
            posts=len(session.posts),
            participants=len({author_key(post) for post in session.posts}),
            answers=len(session.answer_ids),
            questions=session.question_count,
            links=len(links),
        ),
        participant_ids=frozenset(author_key(post) for post in session.posts),
        transcript=session.transcript(),
        networks=tuple(networks)
        or tuple(dict.fromkeys(p.network for p in session.posts))
        or ("x",),
    )


def digest_for_occurrence(
    chat: Chat,
    occurrence: Occurrence,
    posts: Iterable[ArchivedPost],
    earlier_participants: Collection[str],
    moderator_override: Collection[str] | None = None,
) -> Digest:
    """``build_digest`` for one occurrence of a chat, with the questions planned for its date."""
    return build_digest(
        posts,
        chat_name=chat.name,
        hashtag=chat.hashtag,
        moderators=chat.moderators,
        chat_account=chat.chat_account,
        occurrence_id=occurrence.id,
        local_date=occurrence.local_date,
        starts_at=occurrence.start_utc,
        ends_at=occurrence.end_utc,
        zone=chat.recurrence.zone,
        earlier_participants=earlier_participants,
        planned_questions=chat.questions.get(occurrence.local_date, []),
        networks=chat.networks,
        moderator_override=moderator_override,
        organisations=chat.organisations,
    )


@dataclass
class _Session:
    """The session's posts in time order, each filed as a question, an answer or conversation."""

    posts: list[ArchivedPost]
    reposts_left_out: int
    questions: list[Question]
    answers: dict[int, list[ArchivedPost]]
    answer_ids: set[tuple[str, str]]  # posts by key: (network, id)
    conversation: list[ArchivedPost]
    host_post_ids: set[tuple[str, str]]
    moderators: tuple[str, ...] = ()

    @property
    def question_count(self) -> int:
        return len(self.questions)

    def threads(self) -> list[QuestionThread]:
        return [
            QuestionThread(question=question, answers=tuple(self.answers[question.number]))
            for question in self.questions
        ]

    def transcript(self) -> Transcript:
        return Transcript(
            questions=tuple(self.threads()),
            conversation=tuple(self.conversation),
            reposts_left_out=self.reposts_left_out,
        )


def _read_session(
    posts: Iterable[ArchivedPost],
    moderators: Collection[str],
    chat_account: str | None,
    planned_questions: Sequence[str],
    moderator_override: Collection[str] | None = None,
) -> _Session:
    by_key: dict[tuple[str, str], ArchivedPost] = {}  # ids of two networks may be equal
    for post in posts:
        by_key[post.key] = post  # archived twice: the later copy has the fresher counts
    in_order, reposts = _without_reposts(sorted(by_key.values(), key=_time_order))
    if moderator_override is not None:
        taken = tuple(dict.fromkeys(normalise_handle(handle) for handle in moderator_override))
    else:
        taken = infer_moderators(in_order, moderators, chat_account)
    reading = read_timeline(in_order, taken, chat_account, len(planned_questions))
    host_post_ids = {p.key for p in in_order if is_host(p.author_handle, taken, chat_account)}
    chosen = reading.chosen
    questions = [
        Question(
            number=number,
            text=chosen[number].text if number in chosen else _planned(planned_questions, number),
            post=chosen.get(number),
        )
        for number in range(1, reading.question_count + 1)
    ]
    chosen_ids = {post.key for post in chosen.values()}
    answers: dict[int, list[ArchivedPost]] = {n: [] for n in range(1, reading.question_count + 1)}
    conversation: list[ArchivedPost] = []
    for post in in_order:
        if post.key in chosen_ids:
            continue
        for number in reading.answers.get(post.key, ()):
            answers[number].append(post)
        if post.key not in reading.answers:
            conversation.append(post)
    return _Session(
        posts=in_order,
        reposts_left_out=reposts,
        questions=questions,
        answers=answers,
        answer_ids=set(reading.answers),
        conversation=conversation,
        host_post_ids=host_post_ids,
        moderators=taken,
    )


def _without_reposts(in_order: list[ArchivedPost]) -> tuple[list[ArchivedPost], int]:
    """The posts but reposts, and how many reposts: a post marked as one, an old "RT @…", and a
    copy (the same text, of 20 characters or more, as an earlier post on its network: a repost
    whose "RT @" an export dropped, or a question posted again)."""
    kept: list[ArchivedPost] = []
    seen: set[tuple[str, str]] = set()  # per network: a chat may cross-post its questions
    for post in in_order:
        text = (post.network, " ".join(post.text.split()).casefold())
        if post.is_repost or text in seen:
            continue
        if len(text[1]) >= COPY_MIN_LENGTH:
            seen.add(text)
        kept.append(post)
    return kept, len(in_order) - len(kept)


def author_key(post: ArchivedPost) -> str:
    """Who wrote a post, across networks: X's author id as it always was, another network's
    prefixed with it (`mastodon:109…`), as account ids of two networks may be equal."""
    return post.author_id if post.network == "x" else f"{post.network}:{post.author_id}"


def _voices(
    session: _Session, best_answer_to: dict[str, list[int]], organisations: Collection[str]
) -> tuple[Voice, ...]:
    tallies: dict[str, _Tally] = {}
    for post in session.posts:
        if post.key in session.host_post_ids or is_organisation(post, organisations):
            continue
        tally = tallies.get(author_key(post))
        if tally is None:
            tally = tallies[author_key(post)] = _Tally(first_posted_at=post.created_at)
        tally.handle, tally.name, tally.network = post.author_handle, post.author_name, post.network
        tally.posts += 1
        tally.answers += post.key in session.answer_ids
        if post.likes is not None:
            tally.likes_received = (tally.likes_received or 0) + post.likes
    ranked = sorted(
        tallies.items(),
        key=lambda item: (
            -item[1].posts,
            -(item[1].likes_received or 0),
            item[1].first_posted_at,
            item[0],
        ),
    )
    return tuple(
        Voice(
            author_id=author_id,
            handle=tally.handle,
            name=tally.name,
            posts=tally.posts,
            answers=tally.answers,
            likes_received=tally.likes_received,
            first_posted_at=tally.first_posted_at,
            best_answer_to=tuple(sorted(set(best_answer_to.get(author_id, ())))),
            network=tally.network,
        )
        for author_id, tally in ranked
    )


@dataclass
class _Tally:
    first_posted_at: datetime
    handle: str = ""
    name: str = ""
    network: str = "x"
    posts: int = 0
    answers: int = 0
    likes_received: int | None = None  # None while no post's likes are known


def _shared_links(posts: list[ArchivedPost]) -> tuple[SharedLink, ...]:
    first_post: dict[str, ArchivedPost] = {}
    count: dict[str, int] = {}
    for post in posts:
        for url in {normalise_url(link) for link in post.links}:
            if not is_shareable(url):
                continue
            first_post.setdefault(url, post)
            count[url] = count.get(url, 0) + 1
    ranked = sorted(count, key=lambda url: (-count[url], _time_order(first_post[url]), url))
    return tuple(
        SharedLink(
            url=url,
            count=count[url],
            first_shared_by=first_post[url].author_handle,
            first_shared_by_name=first_post[url].author_name,
            first_shared_at=first_post[url].created_at,
            first_post_id=first_post[url].id,
        )
        for url in ranked
    )


def _time_order(post: ArchivedPost) -> tuple[datetime, int, str]:
    # X's ids are numbers of growing length: order them as numbers when the times are equal.
    return post.created_at, len(post.id), post.id


def _planned(planned_questions: Sequence[str], number: int) -> str | None:
    if number <= len(planned_questions):
        return planned_questions[number - 1].strip() or None
    return None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownZone(name) from error
