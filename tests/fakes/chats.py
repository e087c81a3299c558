"""Chats and subscriptions."""

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from chatdeck.domain.chats import Chat, Subscription, UnknownChat, clean_questions
from chatdeck.domain.feed_addresses import FeedSeed

# ----- chats and subscriptions ------------------------------------------------------------------


class FakeChatStore:
    def __init__(self) -> None:
        self._chats: dict[str, Chat] = {}
        self._first_seen: dict[str, dict[str, str]] = {}
        self._feed_seeds: dict[str, FeedSeed] = {}  # by email
        self._feed_owners: dict[str, str] = {}  # token hash -> email
        self._lock = threading.Lock()

    def all(self) -> list[Chat]:
        with self._lock:
            return [self._chats[chat_id].model_copy(deep=True) for chat_id in sorted(self._chats)]

    def get(self, chat_id: str) -> Chat | None:
        with self._lock:
            chat = self._chats.get(chat_id)
            return None if chat is None else chat.model_copy(deep=True)

    def add(self, chat: Chat) -> bool:
        with self._lock:
            if chat.id in self._chats:
                return False
            self._chats[chat.id] = chat.model_copy(deep=True)
            return True

    def save(self, chat: Chat) -> None:
        with self._lock:
            self._chats[chat.id] = chat.model_copy(deep=True)

    def change(self, chat: Chat) -> Chat:
        return self._change(
            chat.id,
            lambda stored: chat.model_dump(exclude={"id", "skipped", "questions"}),
        )

    def remove(self, chat_id: str) -> bool:
        with self._lock:  # subscriptions and participants stay, as in the table
            return self._chats.pop(chat_id, None) is not None

    def skip(self, chat_id: str, local_date: date) -> Chat:
        return self._change(chat_id, lambda chat: {"skipped": [*chat.skipped, local_date]})

    def set_questions(self, chat_id: str, local_date: date, questions: list[str]) -> Chat:
        cleaned = clean_questions(questions)  # refused before anything is written

        def changed(chat: Chat) -> dict[str, Any]:
            planned = {day: list(qs) for day, qs in chat.questions.items() if day != local_date}
            if cleaned:
                planned[local_date] = cleaned
            return {"questions": planned}

        return self._change(chat_id, changed)

    def participants_before(self, chat_id: str, occurrence_id: str) -> set[str]:
        with self._lock:
            seen = self._first_seen.get(chat_id, {})
            return {author for author, first in seen.items() if first < occurrence_id}

    def record_participants(self, chat_id: str, occurrence_id: str, author_ids: set[str]) -> None:
        with self._lock:
            seen = self._first_seen.setdefault(chat_id, {})
            for author_id in author_ids:  # the earliest session recorded is kept
                seen[author_id] = min(seen.get(author_id, occurrence_id), occurrence_id)

    def feed_seed(self, email: str) -> FeedSeed | None:
        with self._lock:
            return self._feed_seeds.get(email)

    def set_feed_seed(self, seed: FeedSeed, replacing: FeedSeed | None) -> bool:
        with self._lock:
            current = self._feed_seeds.get(seed.email)
            if replacing is None:
                still = current is None
            else:
                still = current is not None and current.token_hash == replacing.token_hash
            if not still:
                return False
            if current is not None:
                self._feed_owners.pop(current.token_hash, None)
            self._feed_seeds[seed.email] = seed
            self._feed_owners[seed.token_hash] = seed.email
            return True

    def feed_owner(self, token_hash: str) -> str | None:
        with self._lock:
            return self._feed_owners.get(token_hash)

    def revoke_feed(self, email: str) -> bool:
        with self._lock:
            seed = self._feed_seeds.pop(email, None)
            if seed is not None:
                self._feed_owners.pop(seed.token_hash, None)
            return seed is not None

    def _change(self, chat_id: str, change: Callable[[Chat], dict[str, Any]]) -> Chat:
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                raise UnknownChat(chat_id)
            # validated again, as the adapter reads the updated item back
            changed = Chat.model_validate({**chat.model_dump(), **change(chat)})
            self._chats[chat_id] = changed
            return changed.model_copy(deep=True)


def _subscriber_key(email: str) -> str:
    return email.strip().lower()


class FakeSubscriptionStore:
    def __init__(self) -> None:
        self._subscriptions: dict[tuple[str, str], Subscription] = {}
        self._lock = threading.Lock()

    def subscribe(self, subscription: Subscription) -> None:
        with self._lock:
            key = (subscription.chat_id, _subscriber_key(subscription.email))
            self._subscriptions[key] = subscription

    def subscription(self, chat_id: str, email: str) -> Subscription | None:
        with self._lock:
            return self._subscriptions.get((chat_id, _subscriber_key(email)))

    def subscribers(self, chat_id: str) -> list[Subscription]:
        with self._lock:
            found = [(key[1], s) for key, s in self._subscriptions.items() if key[0] == chat_id]
        found.sort(key=lambda pair: pair[0])
        return [s for _, s in found if s.reminders or s.digests]

    def unsubscribe(self, chat_id: str, email: str, what: str) -> bool:
        key = (chat_id, _subscriber_key(email))
        with self._lock:
            if what == "all":
                return self._subscriptions.pop(key, None) is not None
            if what not in ("reminders", "digests"):
                raise ValueError(f"Unsubscribe from reminders, digests or all, not “{what}”.")
            before = self._subscriptions.get(key)
            if before is None:
                return False
            self._subscriptions[key] = before.model_copy(update={what: False})
            return True
