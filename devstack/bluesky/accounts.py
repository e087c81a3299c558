"""The Bluesky sandbox's accounts: the seeded ones that can sign in, and made-up authors.

Seeded accounts (SEEDED_ACCOUNTS) sign in with an app password in Bluesky's format (four groups of
four lowercase letters or digits); the local stack connects the cohort's account with it. Staged
chats post as made-up accounts named after their authors: `<author>.bsky.social`, or the author
as given when it already has a dot (`author_handle`). Every account's DID is a made-up `did:plc:`
of the real shape (24 base32 characters), derived from its handle, so it is the same after a
restart.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass

DEFAULT_SUFFIX = ".bsky.social"


def did_for(handle: str) -> str:
    digest = hashlib.sha256(f"sandbox:{handle.casefold()}".encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    display_name: str
    app_password: str | None = None  # None: a made-up author, who cannot sign in
    email: str | None = None


def _seeded(handle: str, name: str, app_password: str, email: str) -> Account:
    return Account(handle, did_for(handle), name, app_password, email)


COHORT_HANDLE = "cohort.chatdeck.test"
COHORT_APP_PASSWORD = "chdk-coho-rt26-sbx1"  # noqa: S105 - the sandbox's own made-up account  # nosec B105
MEMBER_HANDLE = "ann.chatdeck.test"
MEMBER_APP_PASSWORD = "chdk-annm-br26-sbx2"  # noqa: S105 - the sandbox's own made-up account  # nosec B105

SEEDED_ACCOUNTS: tuple[Account, ...] = (
    _seeded(COHORT_HANDLE, "Chatdeck cohort", COHORT_APP_PASSWORD, "cohort@chatdeck.test"),
    _seeded(MEMBER_HANDLE, "Ann (sandbox member)", MEMBER_APP_PASSWORD, "ann@chatdeck.test"),
)


def author_handle(author: str) -> str:
    """The handle a staged post's author gets: `ms_rivera` → `ms-rivera.bsky.social`; a name with
    a dot keeps it (`ann@mastodon.social` → `ann.mastodon.social`). Always a valid handle."""
    name = author.removeprefix("@").strip().lower().replace("@", ".").replace("_", "-")
    labels = [label.strip("-")[:63] for label in name.split(".")]
    labels = [label for label in labels if label] or ["someone"]
    if len(labels) == 1 or labels[-1][0].isdigit():
        labels += DEFAULT_SUFFIX.removeprefix(".").split(".")
    return ".".join(labels)


class Directory:
    """Every account the sandbox knows, by handle and by DID."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_did: dict[str, Account] = {}
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._by_did = {account.did: account for account in SEEDED_ACCOUNTS}

    def find(self, identifier: str) -> Account | None:
        """The account with this DID, handle or email (handles ignore case), if any."""
        wanted = identifier.removeprefix("@").casefold()
        with self._lock:
            if identifier in self._by_did:
                return self._by_did[identifier]
            for account in self._by_did.values():
                if wanted in {account.handle.casefold(), (account.email or "").casefold()}:
                    return account
        return None

    def author(self, name: str) -> Account:
        """The made-up account of a staged post's author, made on first use."""
        handle = author_handle(name)
        existing = self.find(handle)
        if existing is not None:
            return existing
        account = Account(handle, did_for(handle), name.removeprefix("@"))
        with self._lock:
            return self._by_did.setdefault(account.did, account)
