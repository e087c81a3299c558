"""The fakes themselves: each has its port's methods with the same parameters, the stores the
publisher shares between threads stay right under them, and the scriptable network, mailer and
clock do what tests tell them. None of this needs moto server."""

import inspect
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chatdeck import ports
from chatdeck.domain.email import Email
from chatdeck.domain.outcomes import (
    CannotTell,
    NotSent,
    OutcomeUnknown,
    Published,
    ReadFailed,
    Rejected,
)
from chatdeck.domain.outgoing import Outgoing
from chatdeck.domain.posts import PostStatus
from chatdeck.notifications.email_actions import EmailActions
from chatdeck.notifications.notices import Notices
from chatdeck.services.publishing import Publisher
from tests import fakes
from tests.contract.builders import SESSION_START, an_archived_post
from tests.contract.test_post_store import NOW, a_post

FAKES: list[tuple[type, type]] = [
    (ports.PostStore, fakes.FakePostStore),
    (ports.AccountStore, fakes.FakeAccountStore),
    (ports.NoticeLog, fakes.FakeNoticeLog),
    (ports.MemberStore, fakes.FakeMemberStore),
    (ports.SignInLinkStore, fakes.FakeSignInLinkStore),
    (ports.SessionStore, fakes.FakeSessionStore),
    (ports.SettingsStore, fakes.FakeSettingsStore),
    (ports.ChatStore, fakes.FakeChatStore),
    (ports.SubscriptionStore, fakes.FakeSubscriptionStore),
    (ports.PendingConnectionStore, fakes.FakePendingConnectionStore),
    (ports.ConnectionStore, fakes.FakeConnectionStore),
    (ports.ArchiveStore, fakes.FakeArchiveStore),
    (ports.DataKeyStore, fakes.FakeDataKeyStore),
    (ports.Mailer, fakes.FakeMailer),
    (ports.Clock, fakes.FixedClock),
    (ports.Network, fakes.FakeNetwork),
    (ports.PostReader, fakes.FakeNetwork),
    (ports.MastodonAppStore, fakes.FakeMastodonAppStore),
    (ports.SpendingStore, fakes.FakeSpendingStore),
]


def port_methods(port: type) -> dict[str, Callable[..., Any]]:
    return {
        name: member
        for name, member in vars(port).items()
        if callable(member) and not name.startswith("_")
    }


@pytest.mark.parametrize(("port", "fake"), FAKES, ids=[port.__name__ for port, _ in FAKES])
def test_each_fake_has_its_ports_methods_with_the_same_parameters(port: type, fake: type) -> None:
    methods = port_methods(port)
    assert methods, f"{port.__name__} declares no methods"
    for name, declared in methods.items():
        implemented = getattr(fake, name, None)
        assert callable(implemented), f"{fake.__name__} has no {name}"
        want = [
            (p.name, p.kind, p.default) for p in inspect.signature(declared).parameters.values()
        ]
        got = [
            (p.name, p.kind, p.default) for p in inspect.signature(implemented).parameters.values()
        ]
        assert got == want, f"{fake.__name__}.{name}{inspect.signature(implemented)}"


def test_every_store_port_has_a_fake() -> None:
    stores = {
        name
        for name, value in vars(ports).items()
        if isinstance(value, type) and name.endswith(("Store", "Log"))
    }
    assert stores <= {port.__name__ for port, _ in FAKES}


# ----- threads ----------------------------------------------------------------------------------


def in_threads(work: Callable[[int], Any], times: int = 16) -> list[Any]:
    start = threading.Barrier(times)

    def run(n: int) -> Any:
        start.wait()
        return work(n)

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(run, range(times)))


def test_of_sixteen_threads_claiming_one_post_one_wins() -> None:
    store = fakes.FakePostStore()
    store.add(a_post())
    [job] = store.due(NOW)
    claims = in_threads(lambda n: store.claim(job, f"claim-{n}", NOW, NOW + timedelta(minutes=5)))
    assert sum(claim is not None for claim in claims) == 1


def test_posts_added_from_many_threads_are_all_kept() -> None:
    store = fakes.FakePostStore()
    added = in_threads(lambda n: store.add(a_post(f"post-{n % 8}")), 16)
    assert sum(added) == 8
    assert len(store.due(NOW)) == 8


def test_a_notice_recorded_from_many_threads_is_recorded_once() -> None:
    log = fakes.FakeNoticeLog()
    email = Email(["a@school.example"], "Paused", "text", "<p>html</p>")
    assert sum(in_threads(lambda n: log.record("account-paused#x#cohort", email, NOW))) == 1


def test_an_account_paused_from_many_threads_keeps_one_start() -> None:
    store = fakes.FakeAccountStore()
    states = in_threads(
        lambda n: store.pause("x", "cohort", f"refused {n}", NOW + timedelta(seconds=n), NOW)
    )
    assert {state.paused_since for state in states} == {store.state("x", "cohort").paused_since}


def test_the_publisher_runs_on_the_fakes() -> None:
    posts, accounts, log, mailer = (
        fakes.FakePostStore(),
        fakes.FakeAccountStore(),
        fakes.FakeNoticeLog(),
        fakes.FakeMailer(),
    )
    clock = fakes.FixedClock(NOW)
    network = fakes.FakeNetwork(clock)
    actions = EmailActions(lambda: b"k" * 32, lambda: "https://chatdeck.example/")
    notices = Notices(
        log, mailer, ["admin@cohort.example"], "https://chatdeck.example/", actions, clock
    )
    publisher = Publisher(posts, {"x": network}, accounts, notices, timedelta(minutes=5), 16)
    for n in range(20):
        posts.add(a_post(f"post-{n:02}", text=f"Post {n}"))
    network.script(Rejected("X refused the text."), NotSent("No connection."))

    report = publisher.publish_due_posts(NOW)

    assert report.due == 20
    assert report.outcomes == {"posted": 18, "failed": 1, "requeued": 1}
    assert len(network.published()) == 18
    failed = [p for p in posts.page(None, 50).posts if p.status is PostStatus.FAILED]
    assert len(failed) == 1 and failed[0].reason == "X refused the text."
    assert [email.subject for email in mailer.sent] != []
    assert all(notice.status == "SENT" for notice in log.notices.values())


# ----- the network ------------------------------------------------------------------------------


def outgoing(text: str, account: str = "cohort") -> Outgoing:
    """The post on its way to `account` on X, as the publisher hands it to the network."""
    return Outgoing(post_id="post-1", network="x", account=account, text=text, due_utc=NOW)


def test_the_network_publishes_and_finds_its_own_posts() -> None:
    clock = fakes.FixedClock(NOW)
    network = fakes.FakeNetwork(clock, username="edcohort")

    sent = outgoing("Tonight: #edtechchat &amp; friends")
    published = network.publish(sent)

    assert published.url == f"https://x.com/edcohort/status/{published.remote_id}"
    assert published.created_at == NOW
    found = network.find_own_post(outgoing("Tonight:  #edtechchat & friends"), NOW)
    assert found is not None and found.remote_id == published.remote_id
    assert network.find_own_post(outgoing("Tonight"), NOW) is None
    assert network.find_own_post(outgoing(published.text), NOW + timedelta(seconds=1)) is None
    elsewhere = outgoing(published.text, account="member:a@school.example")
    assert network.find_own_post(elsewhere, NOW) is None
    assert network.calls_to("publish") == [
        {"account": "cohort", "text": "Tonight: #edtechchat &amp; friends"}
    ]
    assert network.outgoing == [sent]


def test_the_network_answers_what_it_was_scripted_to_in_order() -> None:
    network = fakes.FakeNetwork()
    given = Published("42", "https://x.com/c/status/42", "Hello", NOW)
    network.script(NotSent("down"), None, given)

    hello = outgoing("Hello")
    with pytest.raises(NotSent):
        network.publish(hello)
    ordinary = network.publish(hello)
    assert network.publish(hello) == given
    assert network.publish(hello).remote_id not in ("42", ordinary.remote_id)
    assert [p.remote_id for p in network.published("cohort")][1] == "42"


def test_a_lost_answer_leaves_a_post_to_reconcile() -> None:
    network = fakes.FakeNetwork(fakes.FixedClock(NOW))
    network.lose_answer()
    with pytest.raises(OutcomeUnknown):
        network.publish(outgoing("Hello"))
    assert network.find_own_post(outgoing("Hello"), NOW - timedelta(minutes=5)) is not None

    network.cannot_tell = CannotTell("X's list could not be read.")
    with pytest.raises(CannotTell):
        network.find_own_post(outgoing("Hello"), NOW)


def test_a_staged_own_post_is_found() -> None:
    network = fakes.FakeNetwork()
    staged = network.stage_own_post("cohort", "Earlier attempt", NOW)
    assert network.find_own_post(outgoing("Earlier attempt"), NOW) == staged
    assert network.calls_to("publish") == []


def test_a_search_reads_the_staged_posts_newest_first_a_page_at_a_time() -> None:
    network = fakes.FakeNetwork()
    posts = [
        an_archived_post(str(1851000000000000000 + n), created_at=SESSION_START + timedelta(n))
        for n in range(25)
    ]
    network.stage(*posts)
    network.stage(
        an_archived_post("1851000000000000100", text="RT @a: #edtechchat", repost_of="1"),
        an_archived_post("1851000000000000101", text="#ukedchat only"),
    )

    first = network.search_recent("cohort", ["#edtechchat", "#edchat"], max_results=1)
    assert first.reads == 10 and first.newest_id == posts[-1].id
    assert first.posts == posts[::-1][:10]
    pages = [first]
    while pages[-1].next_token:
        pages.append(
            network.search_recent("cohort", ["#edtechchat"], next_token=pages[-1].next_token)
        )
    assert [post for page in pages for post in page.posts] == posts[::-1]

    newer = network.search_recent("cohort", ["#EdTechChat"], since_id=posts[22].id)
    assert {p.id for p in newer.posts} == {posts[23].id, posts[24].id}  # reposts left out
    with pytest.raises(TypeError, match="list of hashtags"):
        network.search_recent("cohort", "#edtechchat")
    bounded = network.search_recent(
        "cohort",
        ["#edtechchat"],
        start_time=SESSION_START + timedelta(1),
        end_time=SESSION_START + timedelta(3),
    )
    assert [p.id for p in bounded.posts] == [posts[2].id, posts[1].id]


def test_lookups_answer_the_posts_that_still_exist_with_their_counts_now() -> None:
    network = fakes.FakeNetwork()
    post = an_archived_post()
    network.stage(post, an_archived_post("2"))
    network.stage(post.model_copy(update={"likes": 5}))
    network.unstage("2")
    assert network.lookup_posts("cohort", [post.id, "2", "3"]) == [
        post.model_copy(update={"likes": 5})
    ]
    assert network.lookup_posts("cohort", []) == []
    with pytest.raises(ValueError, match="at most 100"):
        network.lookup_posts("cohort", [str(n) for n in range(101)])


def test_reads_fail_as_scripted() -> None:
    network = fakes.FakeNetwork()
    network.read_failures.append(ReadFailed("Rate limited.", retry_at=NOW))
    network.read_failures.append(ReadFailed("Credits used up.", account_wide=True))
    with pytest.raises(ReadFailed, match="Rate limited"):
        network.search_recent("cohort", ["#edtechchat"])
    with pytest.raises(ReadFailed, match="Credits"):
        network.lookup_posts("cohort", ["1"])
    assert network.search_recent("cohort", ["#edtechchat"]).posts == []


# ----- mailer and clock -------------------------------------------------------------------------


def test_the_mailer_records_what_it_sends_until_told_to_fail() -> None:
    mailer = fakes.FakeMailer()
    email = Email(["a@school.example", "b@school.example"], "Hi", "text", "<p>html</p>")
    assert mailer.send(email) == "fake-message-1"
    assert mailer.to("b@school.example") == [email]
    mailer.fail_with = RuntimeError("SES refused it")
    with pytest.raises(RuntimeError, match="SES refused"):
        mailer.send(email)
    assert mailer.sent == [email]


def test_the_clock_says_what_it_is_told() -> None:
    clock = fakes.FixedClock(NOW)
    assert clock.now() == NOW
    clock.set(NOW + timedelta(hours=1))
    assert clock.advance(minutes=1) == NOW + timedelta(hours=1, minutes=1) == clock.now()
    clock.instant = datetime(2027, 1, 1, tzinfo=UTC)
    assert clock.now() == datetime(2027, 1, 1, tzinfo=UTC)
