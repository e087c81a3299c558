"""Organisations' accounts: a school board, a publisher, an edtech company posting in a chat.

An admin lists them on the chat's form (`Chat.organisations`: handles of any of the chat's
networks); the digest leaves them out of "most active voices" and of the first-timers worth
following, as a teacher reading the digest looks for people, while their posts stay in the
transcript, the answers and the numbers. A handle matches as a moderator's does
(`qa.same_account`: ``@Name`` and ``name`` alike; a Mastodon handle with its server also matches
the instance's local form).
"""

from collections.abc import Collection

from chatdeck.domain.archive import ArchivedPost
from chatdeck.domain.qa import same_account


def is_organisation(post: ArchivedPost, organisations: Collection[str]) -> bool:
    return any(same_account(post.author_handle, handle) for handle in organisations)
