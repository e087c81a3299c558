"""Chats, subscriptions and members' calendar feed addresses, in the StateTable (pk / sk).

`CHATS` / `<chat id>`: a chat, its `networks` as a list (a chat stored with one `network` reads
as a chat on that network, and loses the old attribute when next edited), its recurrence as a
map, `skipped` as a string set of ISO dates,
`questions` as a map of ISO date to list. `CHAT#<chat id>` / `SUB#<email>`: a subscription.
Members' calendar feed addresses (domain/feed_addresses.py), each found by key, never a Scan:
`FEEDOF#<email>` / `SEED` holds the member's nonce and token hash, and is the one truth (renewing
replaces it, removal deletes it); `FEED#<token hash>` / `OWNER` names the member, to find them
from a URL. An owner item whose hash is no longer its member's seed's finds nobody, so a crash
between writes leaves no working address behind. The cohort-wide `FEED` / `TOKEN` of old is
read by nothing: its URLs answer 404.

`CHAT#<chat id>` / `SEEN#<author id>`: `first`, the occurrence id of the author's first session
of the chat, for the digest's first-timers. Occurrence ids of one chat sort by start (the chat's
id, then the start as ISO UTC), so the earliest session recorded is kept whatever the order
sessions are digested in: each put is conditional on the item being absent or naming a later
session. A digest reads its authors' items first and writes only those that change (returning
authors cost a read, not a write), several puts at once (a 300-author session took 1.3 s one put
at a time on moto server).
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from chatdeck.adapters.dynamodb import Table
from chatdeck.domain.chats import Chat, Subscription, UnknownChat, clean_questions
from chatdeck.domain.feed_addresses import FeedSeed

CHATS = "CHATS"
# What a chat's form sets; its skipped dates and planned questions are changed on their own.
FORM_FIELDS = (
    "name",
    "hashtag",
    "extra_tags",
    "networks",
    "recurrence",
    "moderators",
    "chat_account",
    "organisations",
    "description",
    "link",
)
SUBSCRIPTION = "SUB#"
SEEN = "SEEN#"
PARTICIPANT_WRITERS = 8  # conditional puts of first sessions in flight at once (boto3 clients are
# thread-safe; Table holds nothing else)


class DynamoChatStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def all(self) -> list[Chat]:
        """Every chat, in order of id."""
        return [_chat(item) for item in self._query_all("pk = :pk", {":pk": CHATS})]

    def get(self, chat_id: str) -> Chat | None:
        item = self.table.get_item(Key=_chat_key(chat_id), ConsistentRead=True).get("Item")
        return _chat(item) if item else None

    def add(self, chat: Chat) -> bool:
        """Store a new chat; False when its id is taken (two admins adding one hashtag)."""
        added = self.table.write_if(
            "put_item", Item=_chat_item(chat), ConditionExpression="attribute_not_exists(pk)"
        )
        return added is not None

    def save(self, chat: Chat) -> None:
        """Store the chat as it is, skipped dates and questions included (a new one, or edited)."""
        self.table.put_item(Item=_chat_item(chat))

    def change(self, chat: Chat) -> Chat:
        item = _chat_item(chat)
        fields = [k for k in item if k not in ("pk", "sk", "id", "skipped", "questions")]
        gone = [k for k in FORM_FIELDS if k not in item]  # optional fields now blank
        gone.append("network")  # the one network of chats stored before `networks`
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in fields)
        if gone:
            expression += " REMOVE " + ", ".join(f"#{k}" for k in gone)
        return self._update_chat(
            chat.id,
            expression,
            {f"#{k}": k for k in [*fields, *gone]},
            {f":{k}": item[k] for k in fields},
        )

    def remove(self, chat_id: str) -> bool:
        """Forget a chat; its subscriptions lapse with it (no chat, no reminder or digest)."""
        answer = self.table.delete_item(Key=_chat_key(chat_id), ReturnValues="ALL_OLD")
        return "Attributes" in answer

    def skip(self, chat_id: str, local_date: date) -> Chat:
        """No session on this local date; the chat with it skipped. Skipping twice is harmless."""
        return self._update_chat(
            chat_id,
            "ADD #skipped :day",
            {"#skipped": "skipped"},
            {":day": {local_date.isoformat()}},
        )

    def set_questions(self, chat_id: str, local_date: date, questions: list[str]) -> Chat:
        """The moderators' questions for one session; an empty list removes them."""
        cleaned = clean_questions(questions)
        names = {"#questions": "questions", "#day": local_date.isoformat()}
        if not cleaned:
            return self._update_chat(chat_id, "REMOVE #questions.#day", names, {})
        return self._update_chat(
            chat_id, "SET #questions.#day = :questions", names, {":questions": cleaned}
        )

    def participants_before(self, chat_id: str, occurrence_id: str) -> set[str]:
        """Authors who first took part in a session before this one (ids sort by start)."""
        items = self._query_all(
            "pk = :pk AND begins_with(sk, :seen)", {":pk": f"CHAT#{chat_id}", ":seen": SEEN}
        )
        return {str(i["sk"]).removeprefix(SEEN) for i in items if i["first"] < occurrence_id}

    def record_participants(self, chat_id: str, occurrence_id: str, author_ids: set[str]) -> None:
        """Remember each author's first session: the earliest recorded, in whatever order (or at
        once) sessions are recorded. Their SEEN# items are read first (BatchGetItem, 100 a
        request) and only the authors not seen, or first seen later, are written: each a put
        conditional on that still being so, PARTICIPANT_WRITERS at once."""
        pk = f"CHAT#{chat_id}"
        authors = sorted(author_ids)
        seen = self.table.batch_get(
            [{"pk": pk, "sk": f"{SEEN}{author_id}"} for author_id in authors], consistent=False
        )  # a stale answer only costs a put whose condition fails
        first = {str(item["sk"]).removeprefix(SEEN): str(item["first"]) for item in seen}
        due = [a for a in authors if a not in first or first[a] > occurrence_id]

        def remember(author_id: str) -> None:
            self.table.write_if(  # None when an earlier session was recorded meanwhile
                "put_item",
                Item={"pk": pk, "sk": f"{SEEN}{author_id}", "first": occurrence_id},
                ConditionExpression="attribute_not_exists(pk) OR #first > :occurrence",
                ExpressionAttributeNames={"#first": "first"},
                ExpressionAttributeValues={":occurrence": occurrence_id},
            )

        if len(due) <= 1:
            for author_id in due:
                remember(author_id)
            return
        with ThreadPoolExecutor(min(PARTICIPANT_WRITERS, len(due))) as writers:
            list(writers.map(remember, due))  # list(): the first failure is raised here

    def feed_seed(self, email: str) -> FeedSeed | None:
        item = self.table.get_item(Key=_seed_key(email), ConsistentRead=True).get("Item")
        return FeedSeed(email, str(item["nonce"]), str(item["token_hash"])) if item else None

    def set_feed_seed(self, seed: FeedSeed, replacing: FeedSeed | None) -> bool:
        """The owner item first: until the seed names its hash it finds nobody. Then the seed,
        conditional on the one it replaces; then the replaced owner item goes (it already
        finds nobody)."""
        self.table.put_item(Item={**_owner_key(seed.token_hash), "email": seed.email})
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        if replacing is not None:
            condition = {
                "ConditionExpression": "token_hash = :replacing",
                "ExpressionAttributeValues": {":replacing": replacing.token_hash},
            }
        item = {**_seed_key(seed.email), "nonce": seed.nonce, "token_hash": seed.token_hash}
        if self.table.write_if("put_item", Item=item, **condition) is None:
            self.table.delete_item(Key=_owner_key(seed.token_hash))
            return False
        if replacing is not None:
            self.table.delete_item(Key=_owner_key(replacing.token_hash))
        return True

    def feed_owner(self, token_hash: str) -> str | None:
        item = self.table.get_item(Key=_owner_key(token_hash), ConsistentRead=True).get("Item")
        if not item:
            return None
        seed = self.feed_seed(str(item["email"]))
        return seed.email if seed is not None and seed.token_hash == token_hash else None

    def revoke_feed(self, email: str) -> bool:
        """The seed goes first: from then on its owner item finds nobody."""
        answer = self.table.delete_item(Key=_seed_key(email), ReturnValues="ALL_OLD")
        old = answer.get("Attributes")
        if old:
            self.table.delete_item(Key=_owner_key(str(old["token_hash"])))
        return bool(old)

    def _update_chat(
        self, chat_id: str, expression: str, names: dict[str, str], values: dict[str, Any]
    ) -> Chat:
        answer = self.table.write_if(
            "update_item",
            Key=_chat_key(chat_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            **({"ExpressionAttributeValues": values} if values else {}),
            ReturnValues="ALL_NEW",
        )
        if answer is None:
            raise UnknownChat(chat_id)
        return _chat(answer["Attributes"])

    def _query_all(self, condition: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        return self.table.query_all(
            KeyConditionExpression=condition, ExpressionAttributeValues=values
        )


class DynamoSubscriptionStore:
    def __init__(self, table: Table) -> None:
        self.table = table

    def subscribe(self, subscription: Subscription) -> None:
        item = subscription.model_dump(mode="json")
        self.table.put_item(Item={**_subscription_key(item["chat_id"], item["email"]), **item})

    def subscription(self, chat_id: str, email: str) -> Subscription | None:
        key = _subscription_key(chat_id, email)
        item = self.table.get_item(Key=key, ConsistentRead=True).get("Item")
        return _subscription(item) if item else None

    def subscribers(self, chat_id: str) -> list[Subscription]:
        """Everyone who wants a chat's reminders, digests or both, in order of email."""
        items = self._query_all(
            "pk = :pk AND begins_with(sk, :subscription)",
            {":pk": f"CHAT#{chat_id}", ":subscription": SUBSCRIPTION},
        )
        subscriptions = [_subscription(item) for item in items]
        return [s for s in subscriptions if s.reminders or s.digests]

    def unsubscribe(self, chat_id: str, email: str, what: str) -> bool:
        """Stop reminders, digests or both; False if there was no subscription to change."""
        key = _subscription_key(chat_id, email)
        if what == "all":
            answer = self.table.delete_item(Key=key, ReturnValues="ALL_OLD")
            return "Attributes" in answer
        if what not in ("reminders", "digests"):
            raise ValueError(f"Unsubscribe from reminders, digests or all, not “{what}”.")
        changed = self.table.write_if(
            "update_item",
            Key=key,
            UpdateExpression="SET #what = :off",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#what": what},
            ExpressionAttributeValues={":off": False},
        )
        return changed is not None

    def _query_all(self, condition: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        return self.table.query_all(
            KeyConditionExpression=condition, ExpressionAttributeValues=values
        )


def _chat_key(chat_id: str) -> dict[str, str]:
    return {"pk": CHATS, "sk": chat_id}


def _seed_key(email: str) -> dict[str, str]:
    return {"pk": f"FEEDOF#{email}", "sk": "SEED"}


def _owner_key(token_hash: str) -> dict[str, str]:
    return {"pk": f"FEED#{token_hash}", "sk": "OWNER"}


def _subscription_key(chat_id: str, email: str) -> dict[str, str]:
    return {"pk": f"CHAT#{chat_id}", "sk": f"{SUBSCRIPTION}{email.strip().lower()}"}


def _chat_item(chat: Chat) -> dict[str, Any]:
    item = {k: v for k, v in chat.model_dump(mode="json").items() if v is not None}
    item.pop("skipped")
    if chat.skipped:  # DynamoDB has no empty sets
        item["skipped"] = {day.isoformat() for day in chat.skipped}
    return {**_chat_key(chat.id), **item}


def _chat(item: dict[str, Any]) -> Chat:
    # pydantic takes DynamoDB's Decimal numbers for ints as they are
    fields = {k: v for k, v in item.items() if k not in ("pk", "sk")}
    fields["skipped"] = sorted(fields.get("skipped", ()))
    return Chat.model_validate(fields)


def _subscription(item: dict[str, Any]) -> Subscription:
    return Subscription.model_validate({k: v for k, v in item.items() if k not in ("pk", "sk")})
