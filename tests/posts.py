"""A post as the scheduling form makes it, for tests that need one due at a given minute."""

from datetime import UTC, datetime, timedelta

from chatdeck.domain.limits import BLUESKY_RULE, X_RULE, LengthRule, mastodon_rule
from chatdeck.domain.posts import Post, post_from_form

RULES: dict[str, LengthRule] = {"x": X_RULE, "bluesky": BLUESKY_RULE, "mastodon": mastodon_rule()}


def form_post(
    submission_id: str,
    text: str,
    due: datetime,
    author: str,
    account: str = "cohort",
    targets: tuple[tuple[str, str], ...] | None = None,
) -> Post:
    """The post a teacher's form submitted an hour before `due` (a whole minute, any zone), to
    `targets` ((network, account) pairs), or to `account` on X."""
    local = due.astimezone(UTC)
    form = {
        "submission_id": submission_id,
        "text": text,
        "local_date": local.date().isoformat(),
        "local_time": local.strftime("%H:%M"),
        "zone": "UTC",
    }
    return post_from_form(
        form,
        now=due - timedelta(hours=1),
        author_name="A Teacher",
        author_email=author,
        targets=list(targets or [("x", account)]),
        rules=[RULES[network] for network, _ in targets or [("x", account)]],
    )
