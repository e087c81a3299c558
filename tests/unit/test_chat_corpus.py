"""The digest read against real chats labelled by hand (tests/data/chats/, see its README).

The labels say what a teacher reading each session would call each post; the digest reads the
sessions with no moderators and no chat account configured, and must find the questions and
the answers that carry a marker (floors from issue 11). The report prints per session and in
total (``pytest -s`` shows it; ``python -m tests.corpus --mistakes`` lists what went wrong).
"""

from collections import Counter

from chatdeck.domain.digest import Question, QuestionThread, Transcript
from tests.corpus import (
    MODERATORS,
    PREFIX,
    Label,
    archived_posts,
    digest_transcripts,
    labelled_moderators,
    labelled_sessions,
    read_labels,
    read_transcript,
    score,
    where,
)

QUESTION_PRECISION, QUESTION_RECALL = 0.95, 0.95
ANSWER_PRECISION, ANSWER_RECALL = 0.97, 0.95
MIN_SESSIONS, MIN_POSTS = 4, 450


def test_the_digest_finds_the_questions_and_answers_of_real_chats_without_moderators() -> None:
    report = score(digest_transcripts())
    print(f"\n{report}")
    total = report.total
    assert total.question_precision >= QUESTION_PRECISION, report
    assert total.question_recall >= QUESTION_RECALL, report
    assert total.answer_precision >= ANSWER_PRECISION, report
    assert total.answer_recall >= ANSWER_RECALL, report


def test_the_labels_cover_whole_sessions_of_the_transcript_as_it_is() -> None:
    rows, labels = read_transcript(), read_labels()
    sessions = labelled_sessions(labels)
    assert len(sessions) >= MIN_SESSIONS
    assert len(labels) >= MIN_POSTS
    for session, index in labels:
        assert session in rows and index < len(rows[session]), f"no post {session} #{index}"
    for session in sessions:
        for row in rows[session]:
            label = labels.get((session, row.index))
            assert label is not None, f"{session} #{row.index} is not labelled"
            assert label.text40 == row.text[:PREFIX], f"{session} #{row.index} drifted"
        for post in archived_posts(rows[session]):
            label = labels[where(post)]
            # the digest's rule for reposts decides which posts the scoring never sees
            assert label.repost == post.is_repost, f"{session} #{label.index}"
            _check_kind(label)


def test_who_moderated_is_who_asked_the_labelled_questions() -> None:
    rows, labels = read_transcript(), read_labels()
    asked: dict[str, set[str]] = {}
    for label in labels.values():
        if label.kind == "question":
            asked.setdefault(label.session, set()).add(rows[label.session][label.index].author)
    moderators = labelled_moderators(MODERATORS)
    assert {session: set(handles) for session, handles in moderators.items()} == asked


def test_a_reading_that_matches_the_labels_scores_one_and_each_mistake_counts() -> None:
    rows, labels = read_transcript(), read_labels()
    perfect = {session: _as_labelled(session) for session in labelled_sessions(labels)}
    report = score(perfect, labels, rows)
    total = report.total
    assert (total.question_precision, total.question_recall) == (1.0, 1.0)
    assert (total.answer_precision, total.answer_recall) == (1.0, 1.0)
    assert total.unnumbered_found == total.unnumbered_labelled == 2
    assert total.mistakes == []

    session = "2012-05-24T2000"
    first, second, *rest = perfect[session].questions
    misread = Transcript(
        questions=(
            # Q1 and Q2's posts swapped, and Q2's first answer filed under Q1 instead
            QuestionThread(
                question=first.question.model_copy(update={"post": second.question.post}),
                answers=(*first.answers, second.answers[0]),
            ),
            QuestionThread(
                question=second.question.model_copy(update={"post": first.question.post}),
                answers=second.answers[1:],
            ),
            *rest,
        ),
        conversation=(),
    )
    worse = score({**perfect, session: misread}, labels, rows).total
    assert worse.questions_right == total.questions_right - 2
    assert worse.questions_found == total.questions_found - 2
    assert worse.answers_right == total.answers_right - 1
    assert worse.marked_found == total.marked_found - 1
    assert len(worse.mistakes) == 6  # two questions chosen wrong, two missed, one answer both


def _check_kind(label: Label) -> None:
    where_ = f"{label.session} #{label.index}"
    if label.kind == "conversation":
        assert label.numbers == (), where_
    else:
        assert label.numbers and all(1 <= n <= 20 for n in label.numbers), where_
        assert not label.repost and label.copy_of is None, where_
    if label.kind == "question":
        assert len(label.numbers) == 1, where_
    assert not label.unnumbered or label.kind == "question", where_


def _as_labelled(session: str) -> Transcript:
    """The session read exactly as labelled."""
    labels = [label for label in read_labels().values() if label.session == session]
    posts = {where(post): post for post in archived_posts(read_transcript()[session])}
    asked = Counter(n for label in labels if label.kind == "question" for n in label.numbers)
    threads = []
    for number in range(1, max(asked, default=0) + 1):  # a session may ask nothing
        question = next(
            (
                posts[session, label.index]
                for label in labels
                if label.kind == "question" and number in label.numbers
            ),
            None,
        )
        answers = tuple(
            posts[session, label.index]
            for label in labels
            if label.kind in ("answer", "answer_unmarked") and number in label.numbers
        )
        threads.append(
            QuestionThread(
                question=Question(number=number, text=None, post=question), answers=answers
            )
        )
    return Transcript(questions=tuple(threads), conversation=())
