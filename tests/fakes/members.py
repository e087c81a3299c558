"""Members, sign-in links, sessions and the cohort's settings."""

import threading
from dataclasses import dataclass
from datetime import datetime

from chatdeck.domain.members import Member, Role

# ----- members, signing in, settings ------------------------------------------------------------


class FakeMemberStore:
    def __init__(self) -> None:
        self._members: dict[str, Member] = {}
        self._lock = threading.Lock()

    def get(self, email: str) -> Member | None:
        with self._lock:
            return self._members.get(email)

    def page(self, after: str | None, limit: int) -> tuple[list[Member], str | None]:
        with self._lock:
            emails = sorted(e for e in self._members if not after or e > after)
            page = [self._members[e] for e in emails[:limit]]
        return page, (page[-1].email if len(emails) > limit else None)

    def add(self, member: Member, now: datetime) -> bool:
        with self._lock:
            if member.email in self._members:
                return False
            self._members[member.email] = member.model_copy(update={"joined_at": now})
            return True

    def save_profile(self, email: str, name: str, zone: str, language: str | None = None) -> bool:
        if language is None:
            return self._set(email, name=name, zone=zone)
        return self._set(email, name=name, zone=zone, language=language)

    def save_role(self, email: str, role: Role) -> bool:
        return self._set(email, role=role)

    def _set(self, email: str, **fields: object) -> bool:
        with self._lock:
            before = self._members.get(email)
            if before is None:  # removed meanwhile: not stored again
                return False
            # Read back as the adapter reads a stored item: validated, when they joined kept.
            changed = Member.model_validate({**before.model_dump(), **fields})
            self._members[email] = changed.model_copy(update={"joined_at": before.joined_at})
            return True

    def remove(self, email: str) -> bool:
        with self._lock:
            return self._members.pop(email, None) is not None


@dataclass
class _Link:
    email: str
    expires_at: int
    used_at: int | None = None


class FakeSignInLinkStore:
    def __init__(self) -> None:
        self._links: dict[str, _Link] = {}
        self._newest: dict[str, str] = {}  # address -> its newest link's hash
        self._requests: dict[tuple[str, str], list[int]] = {}
        self._days: dict[str, tuple[str, dict[str, int]]] = {}  # address -> (day, counts)
        self._lock = threading.Lock()

    def add(self, token_hash: str, email: str, expires_at: int) -> None:
        with self._lock:
            self._links[token_hash] = _Link(email, expires_at)
            self._newest[email] = token_hash

    def use(self, token_hash: str, now: int) -> str | None:
        with self._lock:
            link = self._links.get(token_hash)
            if link is None or link.used_at is not None or not link.expires_at > now:
                return None
            link.used_at = now
            return link.email if self._newest.get(link.email) == token_hash else None

    def peek(self, token_hash: str, now: int) -> str | None:
        with self._lock:
            link = self._links.get(token_hash)
            if link is None or link.used_at is not None or not link.expires_at > now:
                return None
            return link.email if self._newest.get(link.email) == token_hash else None

    def allow_request(
        self, email: str, now: int, window: int, limit: int, allowance: str = "anyone"
    ) -> bool:
        with self._lock:
            key = (email, allowance)
            recent = [t for t in self._requests.get(key, []) if t > now - window]
            if len(recent) >= limit:
                return False
            self._requests[key] = [*recent, now]
            return True

    def allow_email(
        self, email: str, day: str, allowance: str, limit: int, allowance_limit: int, ttl: int
    ) -> bool:
        with self._lock:
            seen, counts = self._days.get(email, (day, {}))
            if seen != day:
                counts = {}
            sent = sum(counts.values())
            if sent >= limit or counts.get(allowance, 0) >= allowance_limit:
                return False
            self._days[email] = (day, {**counts, allowance: counts.get(allowance, 0) + 1})
            return True

    def forget_requests(self, email: str) -> None:
        with self._lock:
            for key in [k for k in self._requests if k[0] == email]:
                del self._requests[key]
            self._days.pop(email, None)
            self._newest.pop(email, None)


class FakeSessionStore:
    """As DynamoSessionStore: `touches` counts the writes of last use (kept low: once an hour)."""

    def __init__(self) -> None:
        self._sessions: dict[str, tuple[str, int, int, int]] = {}  # email, began, used, expires
        self._ended_before: dict[str, tuple[int, int]] = {}  # email: (instant, kept until)
        self.touches = 0
        self._lock = threading.Lock()

    def add(self, token_hash: str, email: str, now: int, expires_at: int) -> None:
        with self._lock:
            self._sessions[token_hash] = (email, now, now, expires_at)

    def get(self, token_hash: str, now: int) -> tuple[str, int, int] | None:
        with self._lock:
            session = self._sessions.get(token_hash)
            if session is None or session[3] <= now:
                return None
            email, began, used, _ = session
            ended = self._ended_before.get(email)
        if ended is not None and ended[1] > now and began <= ended[0]:
            return None
        return email, began, used

    def touch(self, token_hash: str, now: int) -> None:
        with self._lock:
            session = self._sessions.get(token_hash)
            if session is not None:
                self.touches += 1
                self._sessions[token_hash] = (session[0], session[1], now, session[3])

    def end(self, token_hash: str) -> None:
        with self._lock:
            self._sessions.pop(token_hash, None)

    def end_all(self, email: str, now: int, keep_until: int) -> None:
        with self._lock:
            self._ended_before[email] = (now, keep_until)


class FakeSettingsStore:
    def __init__(self, require_approval_default: bool = False) -> None:
        self.default = require_approval_default
        self._require_approval: bool | None = None
        self._members_post_to_cohort = True
        self._lock = threading.Lock()

    def require_approval(self) -> bool:
        with self._lock:
            value = self._require_approval
        return self.default if value is None else value

    def set_require_approval(self, value: bool) -> None:
        with self._lock:
            self._require_approval = value

    def members_post_to_cohort(self) -> bool:
        with self._lock:
            return self._members_post_to_cohort

    def set_members_post_to_cohort(self, value: bool) -> None:
        with self._lock:
            self._members_post_to_cohort = value
