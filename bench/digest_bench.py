"""The digest of a busy session: 1,500 posts from about 250 teachers over a one-hour chat.

The session is generated deterministically (``random.Random(SEED)``) the way real ones look: two
moderators and the chat's account post a welcome, six questions and replies; participants answer
in every form people type (``A1:``, ``a1``, ``@mod A2 -``, ``A1/A2``, a reply with no number),
chat among themselves, share links (with tracking parameters, trailing slashes, quotes of posts),
and a few very active voices post most. About one post in eight is a repost. Likes, reposts and
replies follow a long tail.

Measures the build time of ``build_digest`` (median of RUNS) and its peak memory (tracemalloc, on a
run of its own) for sessions of 100, 1,500 and 10,000 posts generated the same way (target: 1,500
posts under a second; time growing no faster than n log n, as the exponent k of time ~ n^k
fitted over the three sizes against n log n's over the same range), and what the digest found.
"""

import json
import math
import random
import statistics
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.stack import machine
from chatdeck.domain.archive import ArchivedPost
from chatdeck.domain.digest import build_digest

SEED = 20261207
POSTS = 1500
SIZES = (100, 1500, 10_000)
QUICK_SIZES = (50, 200)
TARGET_MS = 1000.0
RUNS = 5
PARTICIPANTS = 250
QUESTIONS = 6
STARTS_AT = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # Mon 7 Dec 2026, 20:00 in New York
MODERATORS = ["MsRiveraTeaches", "coach_dan_edu"]
CHAT_ACCOUNT = "edtechchat"
QUESTION_TEXTS = [
    "How do you use retrieval practice without it feeling like a quiz every day?",
    "Which tool has saved you the most time this semester, and why?",
    "How do you teach students to question what an AI chatbot tells them?",
    "What does feedback look like in your classroom when you have 150 students?",
    "Share one routine that helps students own their learning.",
    "What will you try tomorrow after tonight's chat?",
]
ANSWER_OPENINGS = [
    "A{n}: ",
    "A{n} ",
    "a{n} ",
    "A{n} - ",
    "A{n}) ",
    "@{mod} A{n}: ",
    "🗣️ A{n}: ",
    "#edtechchat A{n} ",
    "A{n}/A{m}: ",
    "A{n} & A{m} ",
]
ANSWER_BODIES = [
    "Brain dumps at the start of class. Two minutes, no grades, and they love seeing what stuck.",
    "Exit tickets on sticky notes. I sort them into 'got it', 'almost', 'not yet' in 3 minutes.",
    "Our team shares one slide deck per unit, so nobody rebuilds the same lesson twice.",
    "I ask students to fact-check the chatbot against two sources and grade the check, not it.",
    "Audio feedback! Ninety seconds per student beats ten minutes of comments nobody reads.",
    "Student-led conferences. They pick the evidence, I just ask questions.",
    "Retrieval grids with last week, last month and last unit. Low stakes, high payoff.",
    "Honestly? Turning off notifications during planning time changed everything.",
    "We co-write success criteria before every project. Buy-in goes way up.",
    "Think-pair-share, but the pair has to disagree first. Great arguments follow.",
    "Self-assessment checklists stapled to every assignment. Simple and it works.",
    "Whole-class feedback: one sheet with common errors, then students fix their own.",
]
CONVERSATION = [
    "Hi all! Joining from Ohio, 5th grade science. First time here!",
    "Love this idea, stealing it for Monday 🙌",
    "Same here, it changed my classroom.",
    "Do you have a template for that?",
    "Yes! This is so important.",
    "Great question, still thinking about it…",
    "Thanks for hosting tonight 💙",
    "Lurking tonight but learning a ton.",
]
LINKS = [
    "https://www.edutopia.org/article/retrieval-practice-strategies",
    "https://www.retrievalpractice.org/strategies",
    "https://docs.google.com/presentation/d/1AbCdEf/edit",
    "https://padlet.com/msrivera/edtechchat-resources",
    "https://www.cultofpedagogy.com/feedback/",
    "https://learningscientists.org/blog/2016/6/23-1",
    "https://www.commonsense.org/education/articles/ai-literacy",
    "https://blog.example-school.org/2026/12/student-conferences",
]


def session(seed: int = SEED, posts: int = POSTS) -> list[ArchivedPost]:
    rng = random.Random(seed)
    made: list[ArchivedPost] = []
    question_ids: dict[int, str] = {}
    next_id = 1865000000000000000

    def post(author: int, text: str, minute: float, **extra: Any) -> ArchivedPost:
        nonlocal next_id
        next_id += rng.randrange(1, 5000)
        handle = handle_of(author)
        archived = ArchivedPost(
            id=str(next_id),
            author_id=str(10_000 + author),
            author_handle=handle,
            author_name=handle.replace("_", " ").title(),
            text=text,
            created_at=STARTS_AT + timedelta(minutes=minute),
            likes=int(rng.paretovariate(1.4)) - 1,
            reposts=int(rng.paretovariate(2.5)) - 1,
            replies=int(rng.paretovariate(2.0)) - 1,
            quotes=int(rng.paretovariate(4.0)) - 1,
            **extra,
        )
        made.append(archived)
        return archived

    post(-1, "Welcome to #edtechchat! Tonight: feedback that works. Introduce yourself!", -5)
    for number, text in enumerate(QUESTION_TEXTS, start=1):
        asked = post(-1 - number % 2, f"Q{number}: {text} #edtechchat", (number - 1) * 10)
        question_ids[number] = asked.id
    # a few very active voices, a long tail of one-post visitors
    weights = [1 / (rank + 1) ** 0.9 for rank in range(PARTICIPANTS)]
    while len(made) < posts:
        author = rng.choices(range(PARTICIPANTS), weights)[0]
        minute = rng.uniform(-10, 65)
        number = max(1, min(QUESTIONS, int(minute // 10) + 1))
        answering = max(minute, (number - 1) * 10 + rng.uniform(0.5, 2))  # after its question
        roll = rng.random()
        links = (rng.choice(LINKS) + rng.choice(["", "/", "?utm_source=twitter", "#top"]),)
        if roll < 0.12:
            original = rng.choice(made)
            post(
                author,
                f"RT @{original.author_handle}: {original.text}",
                minute,
                repost_of=original.id,
            )
        elif roll < 0.62:
            opening = rng.choice(ANSWER_OPENINGS).format(
                n=number, m=min(QUESTIONS, number + 1), mod=rng.choice(MODERATORS)
            )
            body = said(rng, ANSWER_BODIES) + " #edtechchat"
            post(author, opening + body, answering, links=links if rng.random() < 0.2 else ())
        elif roll < 0.72:
            body = said(rng, ANSWER_BODIES)
            text = f"@{rng.choice(MODERATORS)} {body}"
            post(author, text, answering, reply_to=question_ids[number])
        elif roll < 0.75:
            quoted = rng.choice(made)
            quote_link = f"https://x.com/{quoted.author_handle}/status/{quoted.id}"
            post(author, "This! 👇 #edtechchat", minute, quote_of=quoted.id, links=(quote_link,))
        elif roll < 0.97:
            replied = rng.choice(made)
            text = f"@{replied.author_handle} {said(rng, CONVERSATION)} #edtechchat"
            post(author, text, minute, reply_to=replied.id)
        else:
            mod = -1 - rng.randrange(2)
            post(mod, f"Great answers on Q{number} everyone! Keep them coming.", minute)
    return made


def said(rng: random.Random, lines: list[str]) -> str:
    """Two of `lines` and a detail: people rarely post the very same words twice, and a post
    with an earlier post's text is left out of the digest as a copy."""
    first, second = rng.sample(lines, 2)
    return f"{first} Also: {second.lower()} ({rng.randrange(2, 400)} students)"


def handle_of(author: int) -> str:
    if author < 0:
        return MODERATORS[-author - 1]
    return f"teacher_{author:03d}"


def build(posts: list[ArchivedPost]) -> Any:
    earlier = {str(10_000 + n) for n in range(0, PARTICIPANTS, 3)}
    return build_digest(
        posts,
        chat_name="EdTech Chat",
        hashtag="edtechchat",
        moderators=MODERATORS,
        chat_account=CHAT_ACCOUNT,
        occurrence_id=f"edtechchat#{STARTS_AT:%Y-%m-%dT%H:%M:%SZ}",
        local_date=date(2026, 12, 7),
        starts_at=STARTS_AT,
        ends_at=STARTS_AT + timedelta(hours=1),
        zone="America/New_York",
        earlier_participants=earlier,
        planned_questions=QUESTION_TEXTS,
    )


def measure(posts: list[ArchivedPost], runs: int) -> dict[str, Any]:
    """Median build time of `runs`, then one more run under tracemalloc for the peak memory
    (tracemalloc slows the build, so that run is not timed)."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        digest = build(posts)
        timings.append(time.perf_counter() - started)
    tracemalloc.start()
    build(posts)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "posts": len(posts),
        "runs": runs,
        "median_ms": round(statistics.median(timings) * 1000, 1),
        "best_ms": round(min(timings) * 1000, 1),
        "peak_memory_mb": round(peak / 2**20, 2),
        "questions": digest.numbers.questions,
        "answers": digest.numbers.answers,
        "participants": digest.numbers.participants,
        "reposts_left_out": digest.transcript.reposts_left_out,
    }


def fitted_exponent(rows: list[dict[str, Any]]) -> float:
    """The k of time ~ n^k, least squares on log time against log n."""
    xs = [math.log(r["posts"]) for r in rows]
    ys = [math.log(r["best_ms"]) for r in rows]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )


def run(quick: bool = False) -> dict[str, Any]:
    sizes = QUICK_SIZES if quick else SIZES
    rows = [measure(session(posts=n), 1 if quick else RUNS) for n in sizes]
    exponent = fitted_exponent(rows)
    # n log n from the smallest to the largest size, as an exponent over that range
    small, large = sizes[0], sizes[-1]
    n_log_n = math.log((large * math.log(large)) / (small * math.log(small))) / math.log(
        large / small
    )
    at_1500 = next((r for r in rows if r["posts"] == POSTS), None)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench (python -m bench digest)",
        "machine": machine(),
        "sizes": rows,
        "fitted_exponent": round(exponent, 2),
        "n_log_n_exponent": round(n_log_n, 2),
        "target": f"{POSTS} posts under {TARGET_MS:.0f} ms; fitted exponent at most n log n's",
        "met": (at_1500 is None or at_1500["median_ms"] < TARGET_MS) and exponent <= n_log_n,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
