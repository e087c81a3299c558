"""The publishing state machine: random sequences of what teachers, admins, publishers and
networks do, on the in-memory fakes, with the invariants a cohort relies on checked throughout.

`Publishing` is a hypothesis `RuleBasedStateMachine` over the real services wired on the fakes
(tests/unit/services/kit.py, one post at a time so a run is repeatable). Its rules are what can
happen: posts submitted to one network or cross-posted to X, Bluesky and Mastodon, edited,
approved, declined and cancelled, approval turned on and off; the publisher's minute with time
moving on (or passing before the minute's event arrives), the same minute delivered twice, two
publishers interleaved step by step (both read what is due, both claim, each sends what it got);
a publisher that dies after its claim, or after the network call and before recording; scripted
answers on each network (429 with a reset time, connection errors, lost answers with the post
created or not, refusals, duplicate refusals, refused credentials, used-up credits, own posts
unreadable); accounts paused (credits used up); the mailer down.

Checked after every step: no post reaches any network twice (every text is unique to its post,
and an edit's new text is mapped to the same post); no target sent more than three times (not
counting sends that were certainly not created: rate limited, not started, account refused); none
sent again before the reset time of a 429 recorded for it; no
failure email twice for one target; no create asked of a paused account; and,
right after a whole publisher minute at T, nothing is PUBLISHING with its lease over at T and
nothing due by T is QUEUED without a reason. At the end (`teardown`), admins decide every
waiting post and time runs past every lease and retry: then every target is POSTED, FAILED,
UNCONFIRMED, CANCELLED or DECLINED, or QUEUED with its reason while its account is paused; a
POSTED target is on its network once, with its id; a FAILED, CANCELLED, DECLINED or waiting one
is not there at all; and each FAILED or UNCONFIRMED target's notice was sent, or is listed for
admins as not sent.

The invariants raise `Broken` (an AssertionError), so a test can tell them from other errors.
"""

import contextlib
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from chatdeck.domain.errors import Conflict
from chatdeck.domain.members import Member
from chatdeck.domain.outcomes import CannotTell, Published, PublishError, RateLimited
from chatdeck.domain.outgoing import Outgoing
from chatdeck.domain.posts import Job, Post, PostStatus, Target
from chatdeck.services.publishing import Publisher
from tests.property.publishing_parts import (
    ENDED,
    FAILURE_EMAIL,
    FAULTS,
    GIVEN_BACK,
    HORIZON,
    LONG_PAUSE,
    MAX_ATTEMPTS,
    NAMES,
    NETWORKS,
    NOT_ON_THE_NETWORK,
    YOUR_POST,
    Broken,
    Stalled,
    connect_cohort_accounts,
    finish,
    scripted_error,
)
from tests.unit.services.kit import ADMIN, LEASE, TEACHER, Kit, build_kit


class Publishing(RuleBasedStateMachine):
    runs = 0  # runs that reached their end and passed every check (the test reads it)

    def __init__(self) -> None:
        super().__init__()
        self.kit: Kit = build_kit(concurrency=1)  # one target at a time: a run is repeatable
        connect_cohort_accounts(self.kit, ("bluesky", "mastodon"))
        self.teacher = self.kit.add_member(TEACHER, "Ana Rivera")
        self.admin = self.kit.admin()
        self.post_of_text: dict[str, str] = {}  # every text ever saved → its post's id
        self.post_ids: list[str] = []
        self.serial = 0
        self.broken = False
        self.stalled: list[Stalled] = []
        # Creates that count as an attempt (not given back), by network and post.
        self.sends: Counter[tuple[str, str]] = Counter()
        self.not_before: dict[tuple[str, str], datetime] = {}  # a 429's reset, by network and post
        for network, fake in self.kit.networks.items():
            setattr(fake, "publish", self.counting(network, fake.publish))  # noqa: B010

    # ----- helpers ------------------------------------------------------------------------------

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            self.broken = True  # teardown then leaves the first broken invariant to be reported
            raise Broken(message)

    @property
    def now(self) -> datetime:
        return self.kit.clock.now()

    def member(self, as_admin: bool) -> Member:
        return self.admin if as_admin else self.teacher

    def manager(self, post_id: str, as_admin: bool) -> Member:
        """An admin, or the post's author."""
        return self.admin if as_admin else self.member(self.kit.post(post_id).author_email == ADMIN)

    def new_text(self, what: str) -> str:
        self.serial += 1
        return f"[{self.serial}] {what} #edtechchat"

    def stored(self) -> list[Post]:
        return [self.kit.post(post_id) for post_id in self.post_ids]

    def form(self, text: str, minutes_ahead: int, networks: tuple[str, ...]) -> dict[str, str]:
        due = self.now + timedelta(minutes=minutes_ahead)
        return {
            "text": text,
            "local_date": due.date().isoformat(),
            "local_time": f"{due:%H:%M}",
            "zone": "UTC",
            "targets_shown": "1",
            "targets": ",".join(f"{network}:cohort" for network in networks),
        }

    def calls(self, network: str) -> tuple[int, int]:
        """How many creates and own-post reads the network was asked for so far."""
        fake = self.kit.networks[network]
        return len(fake.calls_to("publish")), len(fake.calls_to("find_own_post"))

    def paused_until(self, network: str) -> datetime | None:
        return self.kit.account_states.state(network, "cohort").paused_until(self.now)

    def pick(self, data: st.DataObject, jobs: list[Job]) -> Job:
        return jobs[data.draw(st.integers(0, len(jobs) - 1), label="job")]

    def publisher(self) -> Publisher:
        """A fresh invocation: its own per-minute view of accounts and rate limits."""
        return self.kit.another_publisher()

    def counting(
        self, network: str, publish: Callable[[Outgoing], Published]
    ) -> Callable[[Outgoing], Published]:
        def counted(outgoing: Outgoing) -> Published:
            key, given_back = (network, self.post_of_text[outgoing.text]), False
            reset = self.not_before.get(key)
            self.check(
                reset is None or self.now >= reset, f"{key} sent again before its 429's reset"
            )
            try:
                return publish(outgoing)
            except RateLimited as limited:
                self.not_before[key] = limited.retry_at
                given_back = True
                raise
            except GIVEN_BACK:
                given_back = True
                raise
            finally:
                if not given_back:
                    self.sends[key] += 1

        return counted

    # ----- teachers and admins --------------------------------------------------------------------

    @rule(
        as_admin=st.booleans(),
        networks=st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=3, unique=True),
        minutes_ahead=st.integers(1, 90),
    )
    def submit(self, as_admin: bool, networks: list[str], minutes_ahead: int) -> None:
        text = self.new_text("Tonight's chat on feedback")
        values = {
            "submission_id": f"form-{self.serial:05}",
            **self.form(text, minutes_ahead, tuple(networks)),
        }
        member = self.member(as_admin)
        post = self.kit.scheduling.schedule(member, values, self.now)
        again = self.kit.scheduling.schedule(member, values, self.now)  # submitted twice
        self.check(again.id == post.id, "the same form submitted twice made two posts")
        self.post_of_text[text] = post.id
        self.post_ids.append(post.id)

    @precondition(lambda self: self.post_ids)
    @rule(
        data=st.data(),
        as_admin=st.booleans(),
        networks=st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=3, unique=True),
        minutes_ahead=st.integers(1, 90),
    )
    def edit(
        self, data: st.DataObject, as_admin: bool, networks: list[str], minutes_ahead: int
    ) -> None:
        post_id = data.draw(st.sampled_from(self.post_ids), label="post")
        text = self.new_text("Edited: tonight's chat")
        self.post_of_text[text] = post_id
        values = self.form(text, minutes_ahead, tuple(networks))
        # Refused when it started (or changed) meanwhile: nothing is saved.
        with contextlib.suppress(Conflict):
            self.kit.scheduling.edit(self.manager(post_id, as_admin), post_id, values, self.now)
            for network in NETWORKS:  # an edit sets its own time again
                self.not_before.pop((network, post_id), None)

    @precondition(lambda self: self.post_ids)
    @rule(data=st.data(), as_admin=st.booleans())
    def cancel(self, data: st.DataObject, as_admin: bool) -> None:
        post_id = data.draw(st.sampled_from(self.post_ids), label="post")
        with contextlib.suppress(Conflict):
            self.kit.scheduling.cancel(self.manager(post_id, as_admin), post_id)

    @rule(required=st.booleans())
    def set_approval(self, required: bool) -> None:
        self.kit.scheduling.set_approval_required(self.admin, required)

    @precondition(lambda self: self.post_ids)
    @rule(data=st.data(), approve=st.booleans())
    def decide(self, data: st.DataObject, approve: bool) -> None:
        waiting = [p for p in self.stored() if p.status is PostStatus.PENDING_APPROVAL]
        if waiting:
            self.decide_on(data.draw(st.sampled_from(waiting), label="waiting"), approve)

    def decide_on(self, post: Post, approve: bool) -> None:
        scheduling, version = self.kit.scheduling, str(post.version)
        if approve:
            scheduling.approve(self.admin, post.id, version, {}, self.now)
        else:
            scheduling.decline(self.admin, post.id, version, "Not for the cohort this week.")

    # ----- the publisher ------------------------------------------------------------------------

    @rule(minutes=st.integers(0, 30), twice=st.booleans())
    def tick(self, minutes: int, twice: bool) -> None:
        at = self.now + timedelta(minutes=minutes)
        paused = [
            n for n in NETWORKS if self.kit.account_states.state(n, "cohort").paused_until(at)
        ]
        calls = {n: self.calls(n) for n in paused}
        self.kit.tick(at, self.publisher())
        if twice:  # the same schedule event delivered again
            self.kit.tick(at, self.publisher())
        self.check_after_a_whole_minute(at)
        for network, (creates, reads) in calls.items():
            # A post found on the account by reconciling resumes it (docs/reliability.md), even
            # one made before the pause: the minute's other posts are then sent.
            resumed = self.calls(network)[1] > reads and not self.paused_until(network)
            asked = self.calls(network)[0] > creates
            self.check(not asked or resumed, f"{network} was asked to post while paused")

    @rule(minutes=st.integers(1, 30))
    def wait(self, minutes: int) -> None:
        """Time passes before the publisher's next minute arrives (a late schedule event), so
        what comes next (two publishers, a crash) finds posts due."""
        self.kit.clock.set(self.now + timedelta(minutes=minutes))

    @rule(data=st.data())
    def interleave(self, data: st.DataObject) -> None:
        """Two publishers read what is due; for each job, either both claim before either sends,
        or one does all of it and then the other tries with what it read."""
        now, a, b = self.now, self.publisher(), self.publisher()
        seen_by_a, seen_by_b = a.posts.due(now), b.posts.due(now)
        for job_a, job_b in zip(seen_by_a, seen_by_b, strict=True):
            first, second = data.draw(st.permutations([(a, job_a), (b, job_b)]), label="order")
            network = job_a.target.network
            if data.draw(st.booleans(), label="claims first") and not self.paused_until(network):
                claims = [(p, job, p.claim(job, now)) for p, job in (first, second)]
                for p, job, claimed in claims:
                    if claimed is not None:
                        finish(p, job, claimed, now)
            else:
                for p, job in (first, second):
                    p.publish(job, now)

    @rule(data=st.data(), after_send=st.booleans())
    def crash(self, data: st.DataObject, after_send: bool) -> None:
        """A publisher claims a due target and dies: at once, or after the network call and
        before recording what it answered."""
        jobs = self.kit.posts.due(self.now)
        if not jobs:
            return
        job = self.pick(data, jobs)
        claimed = self.publisher().claim(job, self.now)
        if claimed is None or not after_send or job.target.status is not PostStatus.QUEUED:
            return
        if self.paused_until(job.target.network):
            return  # a publisher would have deferred it, not sent it
        with contextlib.suppress(PublishError):
            self.kit.networks[job.target.network].publish(claimed.outgoing)
        self.forget_reset(job)  # a 429's reset dies with the publisher: the lease decides

    @rule(data=st.data())
    def stall(self, data: st.DataObject) -> None:
        """A publisher claims a due target and makes the network call, then stalls before
        recording the answer (until `stall_ends`), its lease running out meanwhile."""
        jobs = [j for j in self.kit.posts.due(self.now) if j.target.status is PostStatus.QUEUED]
        jobs = [j for j in jobs if not self.paused_until(j.target.network)]
        if not jobs:
            return
        job = self.pick(data, jobs)
        claimed = self.publisher().claim(job, self.now)
        if claimed is None:
            return
        network = self.kit.networks[job.target.network]
        answer: Published | PublishError
        try:
            answer = network.publish(claimed.outgoing)
        except PublishError as error:
            answer = error
        self.forget_reset(job)  # known again only if the stalled publisher still records it
        self.stalled.append(Stalled(claimed, self.now, answer, network))

    @precondition(lambda self: self.stalled)
    @rule(data=st.data())
    def stall_ends(self, data: st.DataObject) -> None:
        self.resume_stalled(self.stalled.pop(data.draw(st.integers(0, len(self.stalled) - 1))))

    def forget_reset(self, job: Job) -> None:
        self.not_before.pop((job.target.network, job.post.id), None)

    def resume_stalled(self, stalled: Stalled) -> None:
        """The stalled publisher goes on from the network's answer, as of the minute it began."""
        network = stalled.claimed.target.network
        publisher = Publisher(
            self.kit.posts, {network: stalled}, self.kit.account_states, self.kit.notices, LEASE, 1
        )
        outcome = publisher.send(stalled.claimed, stalled.at)
        if outcome != "lost" and isinstance(stalled.answer, RateLimited):
            key = (network, stalled.claimed.post.id)
            self.not_before[key] = stalled.answer.retry_at

    # ----- networks, accounts and mail ------------------------------------------------------------

    @rule(
        network=st.sampled_from(NETWORKS),
        fault=st.sampled_from(FAULTS),
        minutes=st.integers(1, 60),
        times=st.integers(1, 4),
    )
    def fault(self, network: str, fault: str, minutes: int, times: int) -> None:
        """What the network's next `times` creates answer (an outage lasts a while)."""
        for _ in range(times):
            self.script(network, fault, minutes)

    def script(self, network: str, fault: str, minutes: int) -> None:
        fake = self.kit.networks[network]
        if fault == "answer_lost_created":
            name = NAMES[network]
            fake.lose_answer(f"The connection to {name} dropped after the post was created.")
        else:
            fake.script(scripted_error(network, fault, self.now + timedelta(minutes=minutes)))

    @rule(network=st.sampled_from(NETWORKS), unreadable=st.booleans())
    def own_posts_readable(self, network: str, unreadable: bool) -> None:
        """Whether reconciling can read the account's own posts."""
        reason = f"{NAMES[network]}'s timeline could not be read."
        self.kit.networks[network].cannot_tell = CannotTell(reason) if unreadable else None

    @rule(network=st.sampled_from(NETWORKS), long=st.booleans(), minutes=st.integers(5, 90))
    def pause(self, network: str, long: bool, minutes: int) -> None:
        until = self.now + (LONG_PAUSE if long else timedelta(minutes=minutes))
        reason = "credits used up"
        self.kit.account_states.pause(network, "cohort", reason, self.now, until)

    @rule(down=st.booleans())
    def mailer(self, down: bool) -> None:
        self.kit.mailer.fail_with = RuntimeError("SES: Throttling") if down else None

    # ----- invariants ---------------------------------------------------------------------------

    @invariant()
    def no_post_reaches_a_network_twice(self) -> None:
        for network, fake in self.kit.networks.items():
            copies = Counter(
                (own.account, self.post_of_text[own.published.text]) for own in fake.own_posts
            )
            twice = [key for key, n in copies.items() if n > 1]
            self.check(not twice, f"posted twice on {network}: {twice}")

    @invariant()
    def no_target_is_sent_more_than_three_times(self) -> None:
        tried = [key for key, n in self.sends.items() if n > MAX_ATTEMPTS]
        self.check(not tried, f"sent more than {MAX_ATTEMPTS} times: {tried}")

    @invariant()
    def no_failure_email_twice_for_one_target(self) -> None:
        told = Counter[tuple[str, str, str]]()
        for email in self.kit.mailer.sent:
            network, text = FAILURE_EMAIL.search(email.text), YOUR_POST.search(email.text)
            if network and text:
                for to in email.to:
                    told[(to, self.post_of_text[text.group(1)], network.group(1))] += 1
        twice = [key for key, n in told.items() if n > 1]
        self.check(not twice, f"a failure emailed twice: {twice}")

    def check_after_a_whole_minute(self, at: datetime) -> None:
        for post in self.stored():
            for target in post.targets:
                if target.status.needs_publisher and target.next_action_at is not None:
                    late = target.next_action_at <= at
                    where = f"{post.id} {target.key}"
                    self.check(
                        not (late and target.status is PostStatus.PUBLISHING),
                        f"{where} is PUBLISHING past its lease after the minute at {at}",
                    )
                    self.check(not (late and not target.reason), f"{where} was due and is not sent")

    def teardown(self) -> None:
        if self.broken:
            return
        while self.stalled:
            self.resume_stalled(self.stalled.pop(0))
        self.settle()
        self.no_post_reaches_a_network_twice()
        self.no_target_is_sent_more_than_three_times()
        self.no_failure_email_twice_for_one_target()
        for post in self.stored():
            for target in post.targets:
                self.check_ended(post, target)
        self.check_notices_name_what_happened()
        Publishing.runs += 1

    def settle(self) -> None:
        """Admins decide every waiting post; then time runs past every lease and retry."""
        for n, post in enumerate(self.stored()):
            if post.status is PostStatus.PENDING_APPROVAL:
                self.decide_on(post, approve=n % 2 == 0)
        for _ in range(200):
            upcoming = [
                t.next_action_at
                for post in self.stored()
                for t in post.targets
                if t.status.needs_publisher
                and t.next_action_at is not None
                and t.next_action_at <= self.now + HORIZON
            ]
            if not upcoming:
                return
            self.kit.tick(max(min(upcoming), self.now + timedelta(minutes=1)), self.publisher())
        self.check(False, "time ran on and targets still come due: a retry loop")

    def check_ended(self, post: Post, target: Target) -> None:
        where, status = f"{post.id} {target.key} ({target.status}: {target.reason})", target.status
        # Only a long pause outlasts the horizon; a later post that went out on the account (a
        # lost answer reconciled) may have resumed it, and its other posts keep their next try.
        waiting = (
            status is PostStatus.QUEUED
            and "paused" in (target.reason or "")
            and target.next_action_at is not None
            and target.next_action_at > self.now + HORIZON
        )
        self.check(status in ENDED or waiting, f"{where} did not end")
        fake = self.kit.networks[target.network]
        copies = [
            own.published
            for own in fake.own_posts
            if own.account == target.account and self.post_of_text[own.published.text] == post.id
        ]
        if status is PostStatus.POSTED:
            self.check(
                [p.remote_id for p in copies] == [target.remote_id],
                f"{where} is POSTED but its network has {copies}",
            )
        if status in NOT_ON_THE_NETWORK or waiting:
            self.check(not copies, f"{where} is on its network: {copies}")
        for kind, ended in (
            ("post-failed", PostStatus.FAILED),
            ("post-unconfirmed", PostStatus.UNCONFIRMED),
        ):
            if status is ended:
                self.check_told(f"{kind}#{post.id}#{target.key}", where)

    def check_notices_name_what_happened(self) -> None:
        """A failure or unconfirmed notice only for a target that ended so."""
        kinds = {"post-failed": PostStatus.FAILED, "post-unconfirmed": PostStatus.UNCONFIRMED}
        for notice_id in self.kit.notice_log.notices:
            kind, *about = notice_id.split("#")
            if kind in kinds:
                status = self.kit.target(about[0], about[1]).status
                self.check(status is kinds[kind], f"{notice_id} sent, but the target is {status}")

    def check_told(self, notice_id: str, where: str) -> None:
        """Each recipient's notice (`<id>#to#<address>`, or one `<id>`) was sent, or admins see
        that it was not."""
        notices = self.kit.notice_log.notices
        ids = [n for n in notices if n == notice_id or n.startswith(f"{notice_id}#to#")]
        self.check(bool(ids), f"{where}: nobody was told")
        listed = {f.notice_id for f in self.kit.notices.failed(1000)}
        for one in ids:
            told = notices[one].status == "SENT" or one in listed
            self.check(told, f"{where}: {one} was not sent, and admins cannot see it")
