"""One post on its way to one network account: what a Network adapter needs to create it once.

A post goes to one or more targets, each `<network>:<account>` (`x:cohort`, `bluesky:cohort`,
`mastodon:member:ann@school.org`). Each target is sent on its own, so the key that makes a create
idempotent is derived from the post's id and the target: Bluesky's record key (a TID from the
due time and that hash) and Mastodon's `Idempotency-Key` both come from `Outgoing.digest`.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

NETWORKS = ("x", "bluesky", "mastodon")
Visibility = Literal["public", "unlisted"]


def target_key(network: str, account: str) -> str:
    return f"{network}:{account}"


def split_target(key: str) -> tuple[str, str]:
    """`bluesky:member:ann@school.org` → ("bluesky", "member:ann@school.org")."""
    network, _, account = key.partition(":")
    if network not in NETWORKS or not account:
        raise ValueError(f"not a target: {key!r}")
    return network, account


@dataclass(frozen=True)
class Outgoing:
    post_id: str
    network: str
    account: str
    text: str
    due_utc: datetime
    language: str | None = None  # BCP 47, from the author's settings (Bluesky `langs`, Mastodon)
    visibility: Visibility = "public"  # Mastodon only

    @property
    def target(self) -> str:
        return target_key(self.network, self.account)

    @property
    def digest(self) -> bytes:
        """SHA-256 of the post's id and the target: the same for every try of this target."""
        return hashlib.sha256(f"{self.post_id}\n{self.target}".encode()).digest()

    @property
    def idempotency_key(self) -> str:
        """Mastodon's `Idempotency-Key` for this target: stable across tries, never reused."""
        return f"chatdeck-{self.digest.hex()[:40]}"
