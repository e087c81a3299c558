"""The labelled corpus of real chats (tests/data/chats/) and how well a reading of it scores.

The transcript is real (#NGSSchat, 2012-2013; origin in tests/data/chats/README.md); the labels
were made by hand, by reading each post in its session. Key decisions:

* A post is known by (session, index of the post within its session in file order); its
  ArchivedPost id is ``<session>/<index:04d>``, so posts of one minute (the export keeps minutes
  only) sort in file order, as the digest breaks equal times by id.
* Times are the export's local minute in its zone; author pseudonyms are id, handle and name.
  Nothing is marked as a repost: the digest's own rule (text starting ``RT @``) decides.
* **Questions**: a post the reading chose as question N is right when it is labelled question
  N (precision); a labelled question N is found when the post chosen for N is labelled question
  N (recall). The floors apply to questions posted with their number ("Q3", "Final Q"); the
  unnumbered ones the labels also hold are reported apart.
* **Answers**: each (post, N) the reading filed under question N is right when the post is
  labelled an answer to N, with a marker or without (precision); recall is over the labelled
  (post, N) of answers that carry a marker.
* Precision with nothing chosen is 0 (a reading that finds nothing fails the floors); a session
  with nothing to find and nothing found (2013-01-22T2000 asked no question) prints "-".
* **Held out**: the sessions in ``HELD_OUT`` were labelled after the reading was written, without
  running it; the report totals them apart from the sessions the reading was developed on, as
  theirs is the figure that says how it reads chats nobody tuned it to.

``score(transcripts)`` scores any reading; ``digest_transcripts()`` is the digest's, with no
moderators and no chat account configured. While developing: ``python -m tests.corpus`` prints
the report, ``--mistakes`` every wrong or missed post, ``--labelled-moderators`` the score with
the labelled moderators configured (reading without inference).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from chatdeck.domain.archive import ArchivedPost
from chatdeck.domain.digest import Transcript, transcript

DATA = Path(__file__).resolve().parent / "data" / "chats"
TRANSCRIPT = DATA / "ngsschat-2012-2013.jsonl"
LABELS = DATA / "ngsschat-labels.jsonl"
MODERATORS = DATA / "ngsschat-moderators.json"
PREFIX = 40  # characters of a post's text the labels keep, against drift
HELD_OUT = ("2013-01-22T2000", "2013-06-12T2000", "2013-07-10T2000")

Kind = Literal["question", "answer", "answer_unmarked", "conversation"]


@dataclass(frozen=True)
class Row:
    """One post of the transcript as exported."""

    session: str
    index: int
    time_local: str
    zone: str
    author: str
    text: str


@dataclass(frozen=True)
class Label:
    """What a teacher reading the session would say a post is."""

    session: str
    index: int
    text40: str
    kind: Kind
    numbers: tuple[int, ...] = ()
    repost: bool = False  # starts with "RT @": the digest leaves it out
    copy_of: int | None = None  # the same text as this earlier post of the session
    unnumbered: bool = False  # a question posted without its number
    note: str = ""


def read_transcript(path: Path = TRANSCRIPT) -> dict[str, list[Row]]:
    """The transcript's posts by session, each session in file order."""
    sessions: dict[str, list[Row]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            rows = sessions.setdefault(item["session"], [])
            rows.append(
                Row(
                    session=item["session"],
                    index=len(rows),
                    time_local=item["time_local"],
                    zone=item["zone"],
                    author=item["author"],
                    text=item["text"],
                )
            )
    return sessions


def read_labels(path: Path = LABELS) -> dict[tuple[str, int], Label]:
    """The labels by (session, index)."""
    labels: dict[tuple[str, int], Label] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            label = Label(
                session=item["session"],
                index=item["index"],
                text40=item["text40"],
                kind=item["kind"],
                numbers=tuple(item.get("numbers", ())),
                repost=item.get("repost", False),
                copy_of=item.get("copy_of"),
                unnumbered=item.get("unnumbered", False),
                note=item.get("note", ""),
            )
            labels[label.session, label.index] = label
    return labels


def labelled_sessions(labels: Mapping[tuple[str, int], Label]) -> list[str]:
    return sorted({session for session, _ in labels})


def post_id(session: str, index: int) -> str:
    return f"{session}/{index:04d}"


def where(post: ArchivedPost) -> tuple[str, int]:
    """(session, index) of a post built by ``archived_posts``."""
    session, _, index = post.id.rpartition("/")
    return session, int(index)


def archived_posts(rows: Iterable[Row]) -> list[ArchivedPost]:
    """The posts as the archive would hold them: no counts, links or reply links (the export
    has none)."""
    return [
        ArchivedPost(
            id=post_id(row.session, row.index),
            author_id=row.author,
            author_handle=row.author,
            author_name=row.author,
            text=row.text,
            created_at=datetime.fromisoformat(row.time_local).replace(tzinfo=ZoneInfo(row.zone)),
        )
        for row in rows
    ]


def digest_transcripts(
    sessions: Sequence[str] | None = None, moderators: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Transcript]:
    """The digest's reading of each labelled session: no chat account, and no moderators unless
    given (by session)."""
    rows = read_transcript()
    chosen = sessions if sessions is not None else labelled_sessions(read_labels())
    return {
        session: transcript(
            archived_posts(rows[session]),
            moderators=tuple((moderators or {}).get(session, ())),
            chat_account=None,
        )
        for session in chosen
    }


def labelled_moderators(path: Path = MODERATORS) -> dict[str, list[str]]:
    """Who moderated each labelled session: the authors of its questions."""
    with path.open(encoding="utf-8") as file:
        return {session: item["moderators"] for session, item in json.load(file).items()}


@dataclass
class Score:
    """Counts for one session, or for all of them."""

    session: str
    questions_chosen: int = 0
    questions_right: int = 0
    questions_labelled: int = 0  # numbered questions: the floor's recall
    questions_found: int = 0
    unnumbered_labelled: int = 0
    unnumbered_found: int = 0
    answers_filed: int = 0  # (post, N) pairs the reading filed
    answers_right: int = 0
    marked_labelled: int = 0  # (post, N) pairs of answers with a marker
    marked_found: int = 0
    mistakes: list[str] = field(default_factory=list)

    @property
    def question_precision(self) -> float:
        return _ratio(self.questions_right, self.questions_chosen)

    @property
    def question_recall(self) -> float:
        return _ratio(self.questions_found, self.questions_labelled)

    @property
    def answer_precision(self) -> float:
        return _ratio(self.answers_right, self.answers_filed)

    @property
    def answer_recall(self) -> float:
        return _ratio(self.marked_found, self.marked_labelled)

    def add(self, other: Score) -> None:
        for name in (
            "questions_chosen",
            "questions_right",
            "questions_labelled",
            "questions_found",
            "unnumbered_labelled",
            "unnumbered_found",
            "answers_filed",
            "answers_right",
            "marked_labelled",
            "marked_found",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.mistakes.extend(other.mistakes)

    def line(self) -> str:
        return (
            f"{self.session:<16} questions P {_shown(self.questions_right, self.questions_chosen)} "
            f"R {_shown(self.questions_found, self.questions_labelled)} "
            f"unnumbered {self.unnumbered_found}/{self.unnumbered_labelled} | "
            f"answers P {_shown(self.answers_right, self.answers_filed)} "
            f"R {_shown(self.marked_found, self.marked_labelled)}"
        )


@dataclass
class Report:
    sessions: list[Score]
    total: Score

    def __str__(self) -> str:
        return "\n".join([*(score.line() for score in self.sessions), self.total.line()])

    def subtotal(self, name: str, sessions: Sequence[str]) -> Score:
        """The sessions named, added up."""
        total = Score(name)
        for one in self.sessions:
            if one.session in sessions:
                total.add(one)
        return total


def score(
    transcripts: Mapping[str, Transcript],
    labels: Mapping[tuple[str, int], Label] | None = None,
    rows: Mapping[str, Sequence[Row]] | None = None,
) -> Report:
    """How a reading of the labelled sessions (a Transcript by session) compares with the
    labels; a session the mapping lacks scores nothing found."""
    labels = labels if labels is not None else read_labels()
    rows = rows if rows is not None else read_transcript()
    total = Score("total")
    scores = []
    for session in labelled_sessions(labels):
        found = transcripts.get(session, Transcript(questions=(), conversation=()))
        one = _score_session(session, found, labels, rows[session])
        scores.append(one)
        total.add(one)
    return Report(scores, total)


def _score_session(
    session: str,
    found: Transcript,
    labels: Mapping[tuple[str, int], Label],
    rows: Sequence[Row],
) -> Score:
    result = Score(session)
    mine = [labels[session, row.index] for row in rows]

    def label_of(post: ArchivedPost) -> Label:
        return labels[where(post)]

    def show(post_index: int) -> str:
        return f"#{post_index} {rows[post_index].author}: {rows[post_index].text[:70]!r}"

    chosen: dict[int, int] = {}
    filed: set[tuple[int, int]] = set()
    for thread in found.questions:
        number, post = thread.question.number, thread.question.post
        if post is not None:
            index = where(post)[1]
            chosen[number] = index
            result.questions_chosen += 1
            label = label_of(post)
            if label.kind == "question" and number in label.numbers:
                result.questions_right += 1
            else:
                result.mistakes.append(f"{session} Q{number} chose {label.kind} {show(index)}")
        for answer in thread.answers:
            index = where(answer)[1]
            filed.add((index, number))
            result.answers_filed += 1
            label = label_of(answer)
            if label.kind in ("answer", "answer_unmarked") and number in label.numbers:
                result.answers_right += 1
            else:
                result.mistakes.append(
                    f"{session} filed under Q{number}, labelled {label.kind}"
                    f"{list(label.numbers) or ''}: {show(index)}"
                )

    asked = {
        (n, label.unnumbered) for label in mine if label.kind == "question" for n in label.numbers
    }
    for number, unnumbered in sorted(asked):
        picked = chosen.get(number)
        hit = (
            picked is not None
            and mine[picked].kind == "question"
            and number in mine[picked].numbers
        )
        if unnumbered:
            result.unnumbered_labelled += 1
            result.unnumbered_found += hit
        else:
            result.questions_labelled += 1
            result.questions_found += hit
        if not hit:
            result.mistakes.append(f"{session} Q{number} missed{' (unnumbered)' * unnumbered}")
    for label in mine:
        if label.kind != "answer":
            continue
        for number in label.numbers:
            result.marked_labelled += 1
            if (label.index, number) in filed:
                result.marked_found += 1
            else:
                result.mistakes.append(f"{session} A{number} missed: {show(label.index)}")
    return result


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _shown(part: int, whole: int) -> str:
    return f"{_ratio(part, whole):.3f} ({part}/{whole})" if whole or part else "-     (0/0)"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus", description=__doc__)
    parser.add_argument("--mistakes", action="store_true", help="list every wrong or missed post")
    parser.add_argument(
        "--labelled-moderators",
        action="store_true",
        help="configure each session's labelled moderators (no inference needed)",
    )
    args = parser.parse_args(argv)
    moderators = labelled_moderators() if args.labelled_moderators else None
    report = score(digest_transcripts(moderators=moderators))
    print(report)
    developed = [one.session for one in report.sessions if one.session not in HELD_OUT]
    print(report.subtotal("developed on", developed).line())
    print(report.subtotal("held out", HELD_OUT).line())
    if args.mistakes:
        print("\n".join(report.total.mistakes))


if __name__ == "__main__":
    main()
