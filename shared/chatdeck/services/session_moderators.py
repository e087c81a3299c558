"""Who moderated a past session, as an admin corrects it on the session's page.

The digest infers a session's moderators from its posts; an admin who knows better ticks them
among the session's authors (`session_authors`: only someone who posted can have asked its
questions), and the choice is kept with the session (the archive META's `moderator_override`),
after which every build of its digest (the page, and the email if it has not gone out yet)
takes it. "Infer them again" clears it.

`chosen_moderators` reads the form: `moderators` (the ticked handles; a field sent once per box,
joined by commas as `web.pages.form` reads it) and `action` (`save` or `infer`). A handle that is
not an author of the session, or no handle ticked, is refused with a sentence naming it, and
nothing is kept.

A digest already emailed is not sent again: members read the corrected one on the page, which
the email links to; sending a second email for the same session would be noise.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chatdeck.domain.archive import NETWORK_NAMES, ArchivedPost
from chatdeck.domain.errors import Refused
from chatdeck.domain.qa import normalise_handle

MAX_MODERATORS = 20


class ModeratorChoiceRefused(Refused):
    """The form named no moderator, or someone who did not post in the session."""

    status = 422


@dataclass(frozen=True)
class SessionAuthor:
    """Someone who posted in the session: a box to tick on the session's page."""

    handle: str  # normalised: no @, case folded
    name: str
    network: str
    posts: int

    @property
    def network_name(self) -> str:
        return NETWORK_NAMES.get(self.network, self.network)


def session_authors(posts: Iterable[ArchivedPost]) -> tuple[SessionAuthor, ...]:
    """Every author of the session (reposts left out), the most posts first, then by handle."""
    counts: dict[tuple[str, str], int] = {}
    names: dict[tuple[str, str], str] = {}
    for post in posts:
        if post.is_repost:
            continue
        key = (normalise_handle(post.author_handle), post.network)
        counts[key] = counts.get(key, 0) + 1
        names[key] = post.author_name
    ranked = sorted(counts, key=lambda key: (-counts[key], key))
    return tuple(SessionAuthor(h, names[(h, n)], n, counts[(h, n)]) for h, n in ranked)


def chosen_moderators(
    values: Mapping[str, str], authors: Iterable[SessionAuthor]
) -> tuple[str, ...] | None:
    """The moderators the form names (None: infer them again); raises ModeratorChoiceRefused."""
    action = values.get("action", "save")
    if action == "infer":
        return None
    if action != "save":
        raise ModeratorChoiceRefused("Choose “Save moderators” or “Infer them again”.")
    known = {author.handle for author in authors}
    ticked = list(
        dict.fromkeys(
            normalise_handle(handle) for handle in values.get("moderators", "").split(",")
        )
    )
    ticked = [handle for handle in ticked if handle]
    if not ticked:
        raise ModeratorChoiceRefused("Tick at least one moderator, or choose “Infer them again”.")
    strangers = [handle for handle in ticked if handle not in known]
    if strangers:
        named = ", ".join(f"@{handle[:60]}" for handle in strangers[:3])
        raise ModeratorChoiceRefused(
            f"{named} posted nothing in this session, so cannot have moderated it. "
            "Tick moderators among the session's authors."
        )
    if len(ticked) > MAX_MODERATORS:
        raise ModeratorChoiceRefused(f"A session has at most {MAX_MODERATORS} moderators.")
    return tuple(ticked)
