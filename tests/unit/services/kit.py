"""The real services on the fakes, wired as `chatdeck.bootstrap.Services` wires them, with a
FixedClock: what the unit tests of the use cases drive. No server, no network, no AWS.

`build_kit()` answers a `Kit`: every fake (to arrange a test and look at what happened) and every
service (to act). The helpers below it do what a test would otherwise repeat: schedule a post as
the web form would, run a publisher tick at an instant, add a member, follow a chat.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from chatdeck.domain.accounts import Connection
from chatdeck.domain.archive import ArchivedPost
from chatdeck.domain.chats import Chat, Recurrence, Subscription
from chatdeck.domain.email import Email
from chatdeck.domain.members import Member, Role
from chatdeck.domain.posts import Post, Target
from chatdeck.notifications.email_actions import EmailActions
from chatdeck.notifications.notices import Notices
from chatdeck.services.accounts import Accounts
from chatdeck.services.bluesky_accounts import BlueskyAccounts
from chatdeck.services.chats import ChatCalendar
from chatdeck.services.companion import Companion
from chatdeck.services.digests import Digests
from chatdeck.services.mastodon_accounts import MastodonAccounts
from chatdeck.services.membership import Membership
from chatdeck.services.polling import Poller
from chatdeck.services.posts import Scheduling
from chatdeck.services.publishing import Publisher, TickReport
from chatdeck.services.reminders import Reminders
from chatdeck.services.targets import TargetDirectory
from tests.fakes import (
    FakeAccountStore,
    FakeArchiveStore,
    FakeChatStore,
    FakeConnectionStore,
    FakeMailer,
    FakeMemberStore,
    FakeNetwork,
    FakeNoticeLog,
    FakeOAuthClient,
    FakePendingConnectionStore,
    FakePostStore,
    FakeSessionStore,
    FakeSettingsStore,
    FakeSignInLinkStore,
    FakeSubscriptionStore,
    FixedClock,
)
from tests.fakes.network_accounts import FakeBlueskySessions, FakeMastodonOAuth
from tests.posts import form_post

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)  # a Monday, after the US and EU clocks fell back
ADMIN = "admin@cohort.example"
TEACHER = "rivera@school.example"
OTHER_TEACHER = "okafor@school.example"
PUBLIC_URL = "https://chatdeck.example/"
CALLBACK = "https://chatdeck.example/accounts/callback"
SIGNING_KEY = b"unit-tests-signing-key-of-32-byt"
LEASE = timedelta(seconds=120)  # Settings' defaults, as deployed
CONCURRENCY = 16
BUDGET_READS = 2000
RETENTION = timedelta(days=180)

# The chat most tests follow: Mondays 20:00 in New York, which is 01:00 UTC on Tuesday in winter.
CHAT_ID = "edtechchat"
MODERATOR = "edtechmod"
START = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # Mon 2 Nov 2026, 20:00 in New York
END = START + timedelta(hours=1)
WINDOW_START = START - timedelta(minutes=15)
WINDOW_END = END + timedelta(minutes=30)
OCCURRENCE = f"{CHAT_ID}#2026-11-03T01:00:00Z"


@dataclass
class Kit:
    # The fakes: arrange a test with them, and look at them for what happened.
    clock: FixedClock
    posts: FakePostStore
    account_states: FakeAccountStore
    notice_log: FakeNoticeLog
    mailer: FakeMailer
    members: FakeMemberStore
    signin_links: FakeSignInLinkStore
    sessions: FakeSessionStore
    cohort_settings: FakeSettingsStore
    chats: FakeChatStore
    subscriptions: FakeSubscriptionStore
    pending_connections: FakePendingConnectionStore
    connections: FakeConnectionStore
    archive: FakeArchiveStore
    network: FakeNetwork  # X, for publishing and for reading
    bluesky: FakeNetwork
    mastodon: FakeNetwork
    oauth: FakeOAuthClient
    bluesky_connections: FakeConnectionStore
    mastodon_connections: FakeConnectionStore
    bluesky_sessions: FakeBlueskySessions  # createSession and deleteSession
    mastodon_oauth: FakeMastodonOAuth  # the instance's OAuth, revoking included
    # The services, as bootstrap.Services builds them.
    email_actions: EmailActions
    notices: Notices
    membership: Membership
    accounts: Accounts
    bluesky_accounts: BlueskyAccounts
    mastodon_accounts: MastodonAccounts
    scheduling: Scheduling
    publisher: Publisher
    reminders: Reminders
    poller: Poller
    digests: Digests
    calendar: ChatCalendar
    companion: Companion

    # Publishing

    def schedule(
        self,
        text: str,
        due: datetime,
        author: str = TEACHER,
        account: str = "cohort",
        targets: tuple[tuple[str, str], ...] | None = None,
    ) -> Post:
        """Store a post as the web form would (an hour before), due at `due`, a whole minute, to
        `targets` ((network, account) pairs) or to `account` on X."""
        submission = f"post-{len(self.posts.page(None, 1000).posts):04}"
        post = form_post(submission, text, due, author, account, targets)
        assert self.posts.add(post)
        return post

    def tick(self, at: datetime, publisher: Publisher | None = None) -> TickReport:
        """The publisher's minute at `at` (X's clock says `at` too)."""
        self.clock.set(at)
        return (publisher or self.publisher).publish_due_posts(at)

    def another_publisher(self, concurrency: int = 1) -> Publisher:
        """A second publisher on the same stores and network (one post at a time by default)."""
        return Publisher(
            self.posts, self.networks, self.account_states, self.notices, LEASE, concurrency
        )

    @property
    def networks(self) -> dict[str, FakeNetwork]:
        return {"x": self.network, "bluesky": self.bluesky, "mastodon": self.mastodon}

    def post(self, post_id: str) -> Post:
        found = self.posts.get(post_id)
        assert found is not None, post_id
        return found

    def target(self, post_id: str, key: str | None = None) -> Target:
        """The post's target `key` (`bluesky:cohort`), or its only one."""
        post = self.post(post_id)
        if key is None:
            [only] = post.targets
            return only
        found = post.target(key)
        assert found is not None, key
        return found

    def published_texts(self) -> list[str]:
        """What is on the network's accounts, in the order it was created."""
        return [published.text for published in self.network.published()]

    def publish_calls(self) -> int:
        return len(self.network.calls_to("publish"))

    # People and mail

    def add_member(
        self, email: str = TEACHER, name: str = "Ana Rivera", zone: str = "UTC", **fields: Any
    ) -> Member:
        member = Member(email=email, name=name, zone=zone, **fields)
        assert self.members.add(member, self.clock.now() - timedelta(days=30))
        return member

    def admin(self) -> Member:
        found = self.membership.member(ADMIN)
        assert found is not None and found.role is Role.ADMIN
        return found

    def emails_to(self, address: str) -> list[Email]:
        return self.mailer.to(address)

    def connect_own_account(self, member: Member) -> Connection:
        """What a member does to connect their own X account: the button, X's consent page (the
        fake grants it), and the callback."""
        authorize = self.accounts.connect_url(member, "mine", CALLBACK)
        state = parse_qs(urlsplit(authorize).query)["state"][0]
        callback = f"{CALLBACK}?{urlencode({'state': state, 'code': 'granted-code'})}"
        return self.accounts.complete_connect(state, "granted-code", None, callback, member.email)

    def connect_own_bluesky(self, member: Member) -> Connection:
        """A member connects their own Bluesky account with an app password (the fake's
        createSession accepts it)."""
        handle = member.email.split("@")[0] + ".bsky.social"
        return self.bluesky_accounts.connect_for(member, "mine", handle, "abcd-efgh-ijkl-mnop")

    def connect_own_mastodon(self, member: Member) -> Connection:
        """A member connects their own Mastodon account: the button, the instance's consent
        page (the fake grants it), and the callback."""
        authorize = self.mastodon_accounts.connect_url(member, "mine", "mastodon.example", CALLBACK)
        state = parse_qs(urlsplit(authorize).query)["state"][0]
        return self.mastodon_accounts.complete_connect(state, "granted-code", None, member.email)

    # Chats

    def follow(self, chat: Chat | None = None) -> Chat:
        chat = chat or a_chat()
        assert self.chats.add(chat)
        return chat

    def subscribe(
        self, email: str = TEACHER, chat_id: str = CHAT_ID, **fields: Any
    ) -> Subscription:
        values: dict[str, Any] = {"reminders": True, "digests": True, **fields}
        subscription = Subscription(chat_id=chat_id, email=email, **values)
        self.subscriptions.subscribe(subscription)
        return subscription


def build_kit(
    now: datetime = NOW,
    admins: tuple[str, ...] = (ADMIN,),
    concurrency: int = CONCURRENCY,
    budget_reads: int = BUDGET_READS,
) -> Kit:
    clock = FixedClock(now)
    posts, account_states = FakePostStore(), FakeAccountStore()
    notice_log, mailer = FakeNoticeLog(), FakeMailer()
    members, signin_links, sessions = FakeMemberStore(), FakeSignInLinkStore(), FakeSessionStore()
    cohort_settings = FakeSettingsStore(require_approval_default=False)
    chats, subscriptions = FakeChatStore(), FakeSubscriptionStore()
    pending_connections, connections = FakePendingConnectionStore(), FakeConnectionStore()
    archive = FakeArchiveStore()
    network = FakeNetwork(clock, username="edcohort")
    bluesky = FakeNetwork(clock, username="edcohort.bsky.social")
    mastodon = FakeNetwork(clock, username="edcohort@mastodon.example")
    other_connections = {
        "bluesky": FakeConnectionStore("bluesky"),
        "mastodon": FakeConnectionStore("mastodon"),
    }
    oauth = FakeOAuthClient(clock)

    email_actions = EmailActions(lambda: SIGNING_KEY, lambda: PUBLIC_URL)
    notices = Notices(notice_log, mailer, list(admins), PUBLIC_URL, email_actions, clock)
    accounts = Accounts(connections, pending_connections, oauth, clock)
    bluesky_sessions, mastodon_oauth = FakeBlueskySessions(clock), FakeMastodonOAuth(clock)
    bluesky_accounts = BlueskyAccounts(
        other_connections["bluesky"], lambda: bluesky_sessions, clock, "https://bsky.social"
    )
    mastodon_accounts = MastodonAccounts(
        other_connections["mastodon"], pending_connections, mastodon_oauth, clock
    )
    membership = Membership(
        members=members,
        links=signin_links,
        sessions=sessions,
        notices=notices,
        posts=posts,
        admins=list(admins),
        chats=chats,
        subscriptions=subscriptions,
        accounts={"x": accounts, "bluesky": bluesky_accounts, "mastodon": mastodon_accounts},
        signing_key=lambda: SIGNING_KEY,
    )
    targets = TargetDirectory({"x": connections, **other_connections}, cohort_settings)
    scheduling = Scheduling(posts, membership, targets, cohort_settings, notices)
    publisher = Publisher(
        posts=posts,
        networks={"x": network, "bluesky": bluesky, "mastodon": mastodon},
        accounts=account_states,
        notices=notices,
        lease=LEASE,
        concurrency=concurrency,
    )
    reminders = Reminders(chats, subscriptions, membership, notices)
    poller = Poller(
        chats=chats,
        archive=archive,
        readers={"x": network, "bluesky": bluesky, "mastodon": mastodon},
        budget_reads=budget_reads,
        retention=RETENTION,
    )
    digests = Digests(
        archive=archive,
        chats=chats,
        subscriptions=subscriptions,
        membership=membership,
        notices=notices,
    )
    calendar = ChatCalendar(chats, subscriptions, digests, email_actions, membership)
    companion = Companion(reminders, poller, digests)
    return Kit(
        clock=clock,
        posts=posts,
        account_states=account_states,
        notice_log=notice_log,
        mailer=mailer,
        members=members,
        signin_links=signin_links,
        sessions=sessions,
        cohort_settings=cohort_settings,
        chats=chats,
        subscriptions=subscriptions,
        pending_connections=pending_connections,
        connections=connections,
        archive=archive,
        network=network,
        bluesky=bluesky,
        mastodon=mastodon,
        oauth=oauth,
        bluesky_connections=other_connections["bluesky"],
        mastodon_connections=other_connections["mastodon"],
        bluesky_sessions=bluesky_sessions,
        mastodon_oauth=mastodon_oauth,
        email_actions=email_actions,
        notices=notices,
        membership=membership,
        accounts=accounts,
        bluesky_accounts=bluesky_accounts,
        mastodon_accounts=mastodon_accounts,
        scheduling=scheduling,
        publisher=publisher,
        reminders=reminders,
        poller=poller,
        digests=digests,
        calendar=calendar,
        companion=companion,
    )


# ----- values -----------------------------------------------------------------------------------


def a_chat(chat_id: str = CHAT_ID, **fields: Any) -> Chat:
    """Mondays 20:00 to 21:00 in New York, every week since 5 Oct 2026."""
    values: dict[str, Any] = {
        "id": chat_id,
        "name": "EdTech Chat",
        "hashtag": f"#{chat_id}",
        "network": "x",
        "recurrence": Recurrence(
            weekday=0,
            start=time(20, 0),
            zone="America/New_York",
            duration_minutes=60,
            first_date=date(2026, 10, 5),
        ),
        "moderators": [MODERATOR],
        **fields,
    }
    return Chat.model_validate(values)


_AUTHORS = {
    MODERATOR: ("4000", "EdTech Moderator"),
    "ana": ("4001", "Ana Rivera"),
    "ben": ("4002", "Ben Okafor"),
    "cy": ("4003", "Cy Lindqvist"),
    "dee": ("4004", "Dee Patel"),
    "eve": ("4005", "Eve Moreau"),
}


def a_tweet(
    serial: int,
    text: str,
    by: str = "ana",
    minute: float = 5,
    start: datetime = START,
    **fields: Any,
) -> ArchivedPost:
    """A post on X `minute` minutes after `start`; a higher `serial` is a newer id."""
    author_id, name = _AUTHORS[by]
    post_id = str(1_851_000_000_000_000_000 + serial)
    values: dict[str, Any] = {
        "id": post_id,
        "author_id": author_id,
        "author_handle": by,
        "author_name": name,
        "text": text,
        "created_at": start + timedelta(minutes=minute),
        "url": f"https://x.com/{by}/status/{post_id}",
        **fields,
    }
    return ArchivedPost.model_validate(values)
