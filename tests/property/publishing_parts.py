"""What the publishing state machine (publishing_machine.py) is built from: its constants, the
faults it scripts, the cohort's accounts it connects, and the stalled publisher it resumes."""

import re
from datetime import datetime, timedelta

from chatdeck.domain.accounts import Tokens, XUser
from chatdeck.domain.outcomes import (
    AccountUnavailable,
    DuplicateContent,
    NotSent,
    NotStarted,
    OutcomeUnknown,
    Published,
    PublishError,
    RateLimited,
    Rejected,
)
from chatdeck.domain.outgoing import Outgoing
from chatdeck.domain.posts import Job, PostStatus
from chatdeck.services.publishing import Publisher
from tests.fakes import FakeNetwork
from tests.unit.services.kit import Kit

NETWORKS = ("x", "bluesky", "mastodon")
NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}
ENDED = {
    PostStatus.POSTED,
    PostStatus.FAILED,
    PostStatus.UNCONFIRMED,
    PostStatus.CANCELLED,
    PostStatus.DECLINED,
}
NOT_ON_THE_NETWORK = {PostStatus.FAILED, PostStatus.CANCELLED, PostStatus.DECLINED}
FAULTS = (
    "rate_limited",
    "not_sent",
    "not_started",
    "answer_lost_not_created",
    "answer_lost_created",
    "rejected",
    "duplicate",
    "credentials_refused",
    "credits_used_up",
)
MAX_ATTEMPTS = 3  # the promise (docs/architecture.md), not the publisher's constant
GIVEN_BACK = (RateLimited, NotStarted, AccountUnavailable)  # certainly unsent: no attempt used
LONG_PAUSE = timedelta(days=3)  # outlasts the run: its targets must end waiting, with a reason
HORIZON = timedelta(hours=6)  # past every lease, retry, rate limit and automatic pause
FAILURE_EMAIL = re.compile(r"could not be published on (X|Bluesky|Mastodon) \(")
YOUR_POST = re.compile(r"Your post:\n(.+?)\n")


def connect_cohort_accounts(kit: Kit, networks: tuple[str, ...]) -> None:
    """The cohort's accounts on these networks, connected by an admin (X's needs no connection)."""
    for network in networks:
        store = kit.scheduling.targets.connections[network]
        user = XUser(
            f"{network}-cohort", f"edcohort.{network}.example", f"https://{network}.example"
        )
        tokens = Tokens("access", "refresh", kit.clock.now() + timedelta(days=365))
        store.connect("cohort", user, tokens, "admin@cohort.example", kit.clock.now())


class Broken(AssertionError):
    """An invariant does not hold."""


def scripted_error(network: str, fault: str, retry_at: datetime) -> PublishError:
    """What a network raises for one of FAULTS (but `answer_lost_created`, which the fake
    scripts itself: the post is made, then the answer lost)."""
    name = NAMES[network]
    errors: dict[str, PublishError] = {
        "rate_limited": RateLimited(f"{name} asked us to slow down.", retry_at),
        "not_sent": NotSent(f"Could not connect to {name}."),
        "not_started": NotStarted("Too little time was left to send it."),
        "answer_lost_not_created": OutcomeUnknown(f"{name} did not answer in time."),
        "rejected": Rejected(f"{name} refused the text."),
        "duplicate": DuplicateContent(f"{name} says this is a duplicate."),
        "credentials_refused": AccountUnavailable(f"{name} refused the credentials."),
        "credits_used_up": AccountUnavailable(f"The {name} API credits are used up."),
    }
    return errors[fault]


class Stalled:
    """A stalled publisher's claim and the answer its network call got; as the network its send
    goes on with, it hands back that answer (reconciling reads the real network)."""

    def __init__(
        self, claimed: Job, at: datetime, answer: Published | PublishError, network: FakeNetwork
    ) -> None:
        self.claimed, self.at, self.answer, self.network = claimed, at, answer, network

    def publish(self, outgoing: Outgoing) -> Published:
        if isinstance(self.answer, PublishError):
            raise self.answer
        return self.answer

    def find_own_post(self, outgoing: Outgoing, since: datetime) -> Published | None:
        return self.network.find_own_post(outgoing, since)


def finish(publisher: Publisher, seen: Job, claimed: Job, now: datetime) -> None:
    """What `Publisher.publish` does once it holds the claim."""
    if seen.target.status is PostStatus.PUBLISHING:  # a lease ran out: reconcile, never resend
        publisher.reconcile(claimed, now, "An earlier attempt stopped before it finished.")
    else:
        publisher.send(claimed, now)
