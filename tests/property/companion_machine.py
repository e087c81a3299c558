"""The companion's state machine: reminders and digests of one weekly chat, searched by
hypothesis on the in-memory fakes (tests/unit/services/kit.py).

Rules: members subscribe (reminders, digests, a lead of 15 minutes to a day) and stop either;
time moves on from 70 minutes before a session, a minute to an hour at a time; the companion's
minute runs, sometimes twice for one event, or as two invocations whose steps (reminders,
polling, counts, digests) interleave; X's posts appear during the session; X's reads fail; the
mailer is down.

Checked after every step: no member gets the same reminder or the same digest twice (one email
per recipient and subject: a reminder's subject names the session's start, a digest's its date).
"""

import contextlib
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from chatdeck.domain.outcomes import ReadFailed
from tests.property.publishing_parts import Broken
from tests.unit.services.kit import (
    OTHER_TEACHER,
    START,
    TEACHER,
    Kit,
    a_tweet,
    build_kit,
)

MEMBERS = (TEACHER, OTHER_TEACHER)
LEADS = (15, 30, 60, 24 * 60)
STEPS = ("reminders", "polling", "counts", "digests")


class Companion(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.kit: Kit = build_kit(now=START - timedelta(minutes=70))
        self.kit.follow()
        self.kit.add_member(TEACHER, "Ana Rivera")
        self.kit.add_member(OTHER_TEACHER, "Ngozi Okafor")
        self.kit.subscribe(TEACHER, lead_minutes=30)
        self.serial = 0

    @rule(
        email=st.sampled_from(MEMBERS),
        reminders=st.booleans(),
        digests=st.booleans(),
        lead=st.sampled_from(LEADS),
    )
    def subscribe(self, email: str, reminders: bool, digests: bool, lead: int) -> None:
        self.kit.subscribe(email, reminders=reminders, digests=digests, lead_minutes=lead)

    @rule(email=st.sampled_from(MEMBERS), what=st.sampled_from(("reminders", "digests")))
    def stop(self, email: str, what: str) -> None:
        self.kit.subscriptions.unsubscribe("edtechchat", email, what)

    @rule(minutes=st.sampled_from((1, 5, 15, 30, 60)))
    def wait(self, minutes: int) -> None:
        self.kit.clock.set(self.kit.clock.now() + timedelta(minutes=minutes))

    @rule(twice=st.booleans())
    def minute(self, twice: bool) -> None:
        now = self.kit.clock.now()
        self.kit.companion.run(now)
        if twice:  # the same schedule event delivered again
            self.kit.companion.run(now)

    @rule(order=st.lists(st.sampled_from(STEPS), min_size=2, max_size=6))
    def interleaved(self, order: list[str]) -> None:
        """Two invocations' steps, in this order (each step as the companion runs it)."""
        now = self.kit.clock.now()
        run: dict[str, Callable[[], object]] = {
            "reminders": lambda: self.kit.reminders.send_due(now),
            "polling": lambda: self.kit.poller.poll(now),
            "counts": lambda: self.kit.poller.refresh_counts(now),
            "digests": lambda: self.kit.digests.send_ready(now),
        }
        for step in order:
            with contextlib.suppress(Exception):  # as the companion: one step's outage is logged
                run[step]()

    @rule(by=st.sampled_from(("edtechmod", "ana", "ben")))
    def someone_posts(self, by: str) -> None:
        now = self.kit.clock.now()
        if START <= now <= START + timedelta(hours=1):
            self.serial += 1
            minute = (now - START).total_seconds() / 60
            text = f"A{self.serial} feedback that works #edtechchat"
            self.kit.network.stage(a_tweet(self.serial, text, by=by, minute=minute))

    @rule(failures=st.integers(1, 3))
    def reads_fail(self, failures: int) -> None:
        self.kit.network.read_failures.extend(
            ReadFailed("X did not answer.") for _ in range(failures)
        )

    @rule(down=st.booleans())
    def mailer(self, down: bool) -> None:
        self.kit.mailer.fail_with = RuntimeError("SES: Throttling") if down else None

    @invariant()
    def no_reminder_or_digest_twice(self) -> None:
        sent = Counter((to, e.subject) for e in self.kit.mailer.sent for to in e.to)
        twice = [key for key, n in sent.items() if n > 1]
        if twice:
            raise Broken(f"sent twice: {twice}")
