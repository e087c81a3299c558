"""The bad-input catalogue: for every route of the web app, the odd, hostile and mistaken requests
it must refuse with a clear 4xx, changing nothing (tests/integration/test_bad_input_catalogue.py
sends each one through the real handler, as API Gateway's HTTP API would, against moto server).

The catalogue is data: a case names its documented route, the concrete path, who sends it, its
form fields (or raw body bytes), headers and query, and the statuses that are the right answer.
Values in `{braces}` name things the test's world made (`{okafor_post}`: a post of another
member; `{used_link}`: a sign-in token already used; …), filled in when the case is sent.

Key decisions:
- Every case expects one or two exact 4xx statuses, never "anything but 500": a case that got
  a 404 where a 422 was meant would otherwise hide a route that no longer reads its form.
- A GET page whose only "input" is a link's token is refused (4xx) when the token is not good,
  except `GET /signin/confirm`, whose page never looks the token up (a mail scanner opening it
  must change nothing); its button's POST is the one that refuses.
- Bookkeeping a refused request may write (BOOKKEEPING below): a sign-in request's counter for
  the address asked about (it is counted before the address is looked up, so the answer cannot
  say whether someone is a member), and a session's last-used time. Everything else in every
  table must be byte-for-byte the same afterwards.
"""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

# StateTable items a refused request may legitimately write, by key prefix, and why.
BOOKKEEPING_PREFIXES = {
    "SIGNIN-RATE#": "a sign-in request is counted per address before anything is looked up",
    "SIGNIN-SENT#": "the emails sent to an address today (the daily cap), if kept apart",
    "SIGNIN-BROWSER#": "a browser's own sign-in requests, if kept apart",
}
# Attributes of a session item a request may refresh (an idle timeout's last-used time).
SESSION_BOOKKEEPING_ATTRIBUTES = frozenset({"last_used", "last_used_at", "seen_at", "used_at"})

# A valid post form: each post case changes one thing.
POST = {
    "submission_id": "catalogue-submission-0001",
    "text": "Join #edtechchat tonight at 8 ET.",
    "local_date": "2027-06-07",
    "local_time": "20:00",
    "zone": "America/New_York",
    "account": "cohort",
}
CHAT = {
    "name": "Catalogue Chat",
    "hashtag": "#CatalogueChat",
    "network": "x",
    "weekday": "0",
    "start_time": "20:00",
    "zone": "America/New_York",
    "duration_minutes": "60",
    "every_weeks": "1",
    "first_date": "2026-12-07",
    "moderators": "@edtechmod",
    "description": "Testing the catalogue.",
    "link": "https://example.org/chat",
}
INVITE = {"email": "new.teacher@school.example", "name": "New Teacher", "zone": "Europe/London"}
PROFILE = {"name": "Ms. Rivera", "zone": "Europe/London", "language": "en"}

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: makes "gpj.exe" read as "exe.jpg"
RLM = "\u200f"  # RIGHT-TO-LEFT MARK
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one joined emoji
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
HUGE = "9" * 400
OVERSIZED = "x" * (17 * 1024)  # the form reader's limit is 16 KiB
OTHERS_SITE = "https://evil.example"

R400 = frozenset({400})
R401 = frozenset({401})
R403 = frozenset({403})
R404 = frozenset({404})
R409 = frozenset({409})
R413 = frozenset({413})
R415 = frozenset({415})
R422 = frozenset({422})
R400_422 = frozenset({400, 422})
R403_404 = frozenset({403, 404})  # "That person is not a member." (membership says 403)


@dataclass(frozen=True)
class Case:
    name: str
    route: str  # as docs/architecture.md's route tables spell it
    path: str  # the concrete path, `{…}` filled from the world
    expect: frozenset[int]
    who: str = "teacher"  # admin, teacher (a member), or nobody (no session)
    fields: dict[str, str] | None = None  # the urlencoded form (the page's CSRF token added)
    raw_body: bytes | None = None  # sent as it is (base64, as API Gateway sends binary)
    headers: dict[str, str | None] = field(default_factory=dict)  # None: header left out
    query: str = ""
    method: str = ""  # from the route when empty

    @property
    def http_method(self) -> str:
        return self.method or self.route.split(" ", 1)[0]


def raw(fields: dict[str, str], tail: bytes) -> bytes:
    """A form body as bytes, `tail` appended as it is (a repeated field, invalid UTF-8)."""
    return urlencode(fields).encode() + tail


def case(name: str, route: str, expect: frozenset[int], **details: Any) -> Case:
    path = details.pop("path", route.split(" ", 1)[1])
    return Case(name, route, path, expect, **details)


def _posts() -> list[Case]:
    p, edit = "POST /posts", "POST /posts/{id}"
    return [
        case("oversized body", p, R413, fields={**POST, "text": OVERSIZED}),
        case("invalid UTF-8 bytes", p, R400, raw_body=raw(POST, b"&text=caf\xe9")),
        case("invalid UTF-8 percent-escaped", p, R400, raw_body=raw(POST, b"&text=%C3%28")),
        case("NUL in the text", p, R400, fields={**POST, "text": "tonight\x00at 8"}),
        case("bell and escape in the text", p, R400, fields={**POST, "text": "a\x07b\x1b[31m"}),
        case("control character in the zone", p, R400, fields={**POST, "zone": "UTC\x00"}),
        case("right-to-left override in the zone", p, R422, fields={**POST, "zone": RLO + "UTC"}),
        case("joined emoji as a date", p, R422, fields={**POST, "local_date": FAMILY}),
        case("script as the time", p, R422, fields={**POST, "local_time": SCRIPT}),
        case("year 0", p, R422, fields={**POST, "local_date": "0000-06-07"}),
        case("year 9999", p, R422, fields={**POST, "local_date": "9999-12-31"}),
        case("year 10000", p, R422, fields={**POST, "local_date": "10000-01-01"}),
        case("huge year", p, R422, fields={**POST, "local_date": HUGE + "-01-01"}),
        case("month 13", p, R422, fields={**POST, "local_date": "2027-13-01"}),
        case("hour 24", p, R422, fields={**POST, "local_time": "24:00"}),
        case("seconds in the time", p, R422, fields={**POST, "local_time": "20:00:61"}),
        case("in the past", p, R422, fields={**POST, "local_date": "2020-01-01"}),
        case("unknown zone", p, R422, fields={**POST, "zone": "Mars/Olympus_Mons"}),
        case("zone as a path", p, R422, fields={**POST, "zone": "../../etc/passwd"}),
        case("zone with a fixed offset", p, R422, fields={**POST, "zone": "+05:30"}),
        case("missing text", p, R422, fields={k: v for k, v in POST.items() if k != "text"}),
        case("missing date", p, R422, fields={k: v for k, v in POST.items() if k != "local_date"}),
        case("missing zone", p, R422, fields={k: v for k, v in POST.items() if k != "zone"}),
        case("no fields but the token", p, R422, fields={}),
        case("repeated date", p, R422, raw_body=raw(POST, b"&local_date=2027-06-08")),
        case("repeated submission id", p, R422, raw_body=raw(POST, b"&submission_id=other-0002")),
        case("repeated zone", p, R422, fields={**POST, "zone": "UTC,Europe/London"}),
        case("target not connected", p, R422, fields={**POST, "targets": "bluesky:mine"}),
        case("target on an unknown network", p, R422, fields={**POST, "targets": "myspace:cohort"}),
        case("target of nobody", p, R422, fields={**POST, "targets": "x:someone-else"}),
        case("target with no account", p, R422, fields={**POST, "targets": "x"}),
        case("targets shown and none ticked", p, R422, fields={**POST, "targets_shown": "1"}),
        case("account unknown", p, R422, fields={**POST, "account": "myspace"}),
        case("visibility unknown", p, R422, fields={**POST, "visibility": "everyone-ever"}),
        case(
            "wrong content type",
            p,
            R415,
            fields=POST,
            headers={"content-type": "application/json"},
        ),
        case(
            "multipart content type",
            p,
            R415,
            fields=POST,
            headers={"content-type": "multipart/form-data; boundary=x"},
        ),
        case("no content type", p, R415, fields=POST, headers={"content-type": None}),
        case("edit another member's post", edit, R404, path="/posts/{okafor_post}", fields=POST),
        case("edit no such post", edit, R404, path="/posts/no-such-post", fields=POST),
        case(
            "edit own post into year 0",
            edit,
            R422,
            path="/posts/{own_post}",
            fields={**POST, "local_date": "0000-01-01"},
        ),
        case(
            "edit own post to an unknown zone",
            edit,
            R422,
            path="/posts/{own_post}",
            fields={**POST, "zone": "Etc/Nowhere"},
        ),
        case("edit a huge id", edit, R404, path="/posts/" + "x" * 3000, fields=POST),
        case(
            "cancel another member's post",
            "POST /posts/{id}/cancel",
            R404,
            path="/posts/{okafor_post}/cancel",
            fields={},
        ),
        case(
            "cancel a cancelled post",
            "POST /posts/{id}/cancel",
            R409,
            path="/posts/{cancelled_post}/cancel",
            fields={},
        ),
        case(
            "edit page of another member's post",
            "GET /posts/{id}/edit",
            R404,
            path="/posts/{okafor_post}/edit",
        ),
        case("queue with a forged cursor", "GET /posts", R400, query="after=bm90LWEtY3Vyc29y"),
        case("queue with a cursor of script", "GET /posts", R400, query="after=%3Cscript%3E"),
        case("queue with a huge cursor", "GET /posts", R400, query="after=" + "A" * 5000),
        case(
            "approve as a member",
            "POST /posts/{id}/approve",
            R403,
            path="/posts/{waiting_post}/approve",
            fields={"version": "0"},
        ),
        case(
            "approve with a huge version",
            "POST /posts/{id}/approve",
            R400_422,
            who="admin",
            path="/posts/{waiting_post}/approve",
            fields={"version": HUGE},
        ),
        case(
            "approve a version never seen",
            "POST /posts/{id}/approve",
            R409,
            who="admin",
            path="/posts/{waiting_post}/approve",
            fields={"version": "7"},
        ),
        case(
            "approve with no version",
            "POST /posts/{id}/approve",
            R400,
            who="admin",
            path="/posts/{waiting_post}/approve",
            fields={},
        ),
        case(
            "approve into year 9999",
            "POST /posts/{id}/approve",
            R400_422,
            who="admin",
            path="/posts/{waiting_post}/approve",
            fields={
                "version": "0",
                "local_date": "9999-12-31",
                "local_time": "23:59",
                "zone": "UTC",
            },
        ),
        case(
            "approve a queued post",
            "POST /posts/{id}/approve",
            R409,
            who="admin",
            path="/posts/{okafor_post}/approve",
            fields={"version": "0"},
        ),
        case(
            "decline as a member",
            "POST /posts/{id}/decline",
            R403,
            path="/posts/{waiting_post}/decline",
            fields={"version": "0", "reason": "no"},
        ),
        case(
            "decline with a control character reason",
            "POST /posts/{id}/decline",
            R400,
            who="admin",
            path="/posts/{waiting_post}/decline",
            fields={"version": "0", "reason": "\x00"},
        ),
        case(
            "decline with a repeated version",
            "POST /posts/{id}/decline",
            R400,
            who="admin",
            path="/posts/{waiting_post}/decline",
            fields={"version": "0,0", "reason": "no"},
        ),
        case("settings as a member", "POST /settings", R403, fields={"require_approval": "on"}),
        case("settings page as a member", "GET /settings", R403),
        case("X cap as a member", "POST /settings", R403, fields={"x_cap": "5"}),
        *(
            case(f"X cap {what}", "POST /settings", R422, who="admin", fields={"x_cap": typed})
            for what, typed in (
                ("negative", "-5"),
                ("non-numeric", "five dollars"),
                ("NaN", "NaN"),
                ("infinite", "Infinity"),
                ("in exponent notation", "1e3"),
                ("with a fraction of a cent", "0.001"),
                ("absurd", HUGE),
                ("over the largest cap", "10000.01"),
                ("with a right-to-left override", RLO + "5"),
            )
        ),
        case(
            "X cap bad beside a good checkbox",
            "POST /settings",
            R422,
            who="admin",
            fields={"x_cap": "-1", "require_approval": "on", "members_post_to_cohort": "on"},
        ),
    ]


def _signin() -> list[Case]:
    confirm = "POST /signin/confirm"
    return [
        case("email oversized", "POST /signin", R413, who="nobody", fields={"email": OVERSIZED}),
        case(
            "email too long",
            "POST /signin",
            R422,
            who="nobody",
            fields={"email": "a" * 300 + "@school.example"},
        ),
        case(
            "email with a NUL",
            "POST /signin",
            R400,
            who="nobody",
            fields={"email": "rivera\x00@school.example"},
        ),
        case(
            "email with a newline (header injection)",
            "POST /signin",
            R422,
            who="nobody",
            fields={"email": "rivera@school.example\r\nBcc: all@school.example"},
        ),
        case(
            "email with a right-to-left override",
            "POST /signin",
            R422,
            who="nobody",
            fields={"email": RLO + "rivera@school.example"},
        ),
        case(
            "email of joined emoji",
            "POST /signin",
            R422,
            who="nobody",
            fields={"email": FAMILY + "@school.example"},
        ),
        case("email of script", "POST /signin", R422, who="nobody", fields={"email": SCRIPT}),
        case(
            "two emails",
            "POST /signin",
            R422,
            who="nobody",
            raw_body=raw({"email": "rivera@school.example"}, b"&email=okafor@school.example"),
        ),
        case("no email", "POST /signin", R422, who="nobody", fields={}),
        case(
            "email as JSON",
            "POST /signin",
            R415,
            who="nobody",
            raw_body=b'{"email": "rivera@school.example"}',
            headers={"content-type": "application/json"},
        ),
        case(
            "email in invalid UTF-8",
            "POST /signin",
            R400,
            who="nobody",
            raw_body=b"email=rivera%FF@school.example",
        ),
        case(
            "sign in from another site",
            "POST /signin",
            R403,
            who="nobody",
            fields={"email": "rivera@school.example"},
            headers={"origin": OTHERS_SITE},
        ),
        case(
            "forged Host and Origin",
            "POST /signin",
            R403,
            who="nobody",
            fields={"email": "rivera@school.example"},
            headers={
                "origin": OTHERS_SITE,
                "host": "evil.example",
                "x-forwarded-host": "evil.example",
            },
        ),
        case(
            "Origin that only starts with ours",
            "POST /signin",
            R403,
            who="nobody",
            fields={"email": "rivera@school.example"},
            headers={"origin": "{public_url}.evil.example"},
        ),
        case("confirm a used link", confirm, R400, who="nobody", fields={"token": "{used_link}"}),
        case(
            "confirm an expired link",
            confirm,
            R400,
            who="nobody",
            fields={"token": "{expired_link}"},
        ),
        case(
            "confirm with an unsubscribe token",
            confirm,
            R400,
            who="nobody",
            fields={"token": "{unsubscribe_token}"},
        ),
        case(
            "confirm with the calendar's token",
            confirm,
            R400,
            who="nobody",
            fields={"token": "{feed_token}"},
        ),
        case("confirm with no token", confirm, R400, who="nobody", fields={}),
        case(
            "confirm with two tokens",
            confirm,
            R400,
            who="nobody",
            raw_body=raw({"token": "{signin_link}"}, b"&token={signin_link}"),
        ),
        case(
            "confirm with a huge token", confirm, R400, who="nobody", fields={"token": "A" * 10000}
        ),
        case(
            "confirm with a control character",
            confirm,
            R400,
            who="nobody",
            fields={"token": "{signin_link}\x00"},
        ),
        case(
            "confirm from another site",
            confirm,
            R403,
            who="nobody",
            fields={"token": "{signin_link}"},
            headers={"origin": OTHERS_SITE},
        ),
        case(
            "sign out from another site",
            "POST /signout",
            R403,
            fields={},
            headers={"origin": OTHERS_SITE, "referer": None},
        ),
        case(
            "sign out without the page's token",
            "POST /signout",
            R403,
            raw_body=b"csrf_token=forged",
        ),
    ]


def _members() -> list[Case]:
    return [
        case(
            "sign out everywhere from another site",
            "POST /me/signout-everywhere",
            R403,
            fields={},
            headers={"origin": OTHERS_SITE},
        ),
        case(
            "sign out everywhere without the page's token",
            "POST /me/signout-everywhere",
            R403,
            raw_body=b"csrf_token=forged",
        ),
        case("members page as a member", "GET /members", R403),
        case("invite as a member", "POST /members", R403, fields=INVITE),
        case(
            "invite an address of script",
            "POST /members",
            R422,
            who="admin",
            fields={**INVITE, "email": SCRIPT},
        ),
        case(
            "invite with a newline in the name",
            "POST /members",
            R422,
            who="admin",
            fields={**INVITE, "name": "New\r\nBcc: x@evil.example"},
        ),
        case(
            "invite with a right-to-left override name",
            "POST /members",
            R422,
            who="admin",
            fields={**INVITE, "name": "Admin " + RLO + "nimda"},
        ),
        case(
            "invite with an unknown zone",
            "POST /members",
            R422,
            who="admin",
            fields={**INVITE, "zone": "Mars/Olympus"},
        ),
        case(
            "invite with a NUL in the name",
            "POST /members",
            R400,
            who="admin",
            fields={**INVITE, "name": "New\x00Teacher"},
        ),
        case(
            "invite with two addresses",
            "POST /members",
            R422,
            who="admin",
            raw_body=raw(INVITE, b"&email=second@school.example"),
        ),
        case(
            "invite someone already a member",
            "POST /members",
            R422,
            who="admin",
            fields={**INVITE, "email": "{okafor_email}"},
        ),
        case(
            "invite with an oversized name",
            "POST /members",
            R413,
            who="admin",
            fields={**INVITE, "name": OVERSIZED},
        ),
        case(
            "remove as a member",
            "POST /members/{email}/remove",
            R403,
            path="/members/{okafor_email}/remove",
            fields={"queued": "cancel"},
        ),
        case(
            "remove no such member",
            "POST /members/{email}/remove",
            R403_404,
            who="admin",
            path="/members/nobody%40school.example/remove",
            fields={},
        ),
        case(
            "remove an address of script",
            "POST /members/{email}/remove",
            R403_404,
            who="admin",
            path="/members/%3Cscript%3E/remove",
            fields={},
        ),
        case(
            "role as a member",
            "POST /members/{email}/role",
            R403,
            path="/members/{teacher_email}/role",
            fields={"role": "admin"},
        ),
        case(
            "role of no such member",
            "POST /members/{email}/role",
            R403_404,
            who="admin",
            path="/members/nobody%40school.example/role",
            fields={"role": "admin"},
        ),
        case(
            "profile with an unknown zone",
            "POST /me",
            R422,
            fields={**PROFILE, "zone": "Mars/Olympus"},
        ),
        case(
            "profile with a NUL in the name",
            "POST /me",
            R400,
            fields={**PROFILE, "name": "Ms.\x00Rivera"},
        ),
        case(
            "profile with a right-to-left override",
            "POST /me",
            R422,
            fields={**PROFILE, "name": RLO + "areviR .sM"},
        ),
        case("profile with no name", "POST /me", R422, fields={"zone": "UTC", "language": "en"}),
        case(
            "profile with an unknown language",
            "POST /me",
            R422,
            fields={**PROFILE, "language": "klingon-" + HUGE},
        ),
        case("profile with two zones", "POST /me", R422, raw_body=raw(PROFILE, b"&zone=UTC")),
        case("profile oversized", "POST /me", R413, fields={**PROFILE, "name": OVERSIZED}),
    ]


def _accounts() -> list[Case]:
    return [
        case(
            "connect the cohort's X as a member",
            "POST /accounts/connect",
            R403,
            fields={"account": "cohort"},
        ),
        case(
            "connect an unknown X account",
            "POST /accounts/connect",
            R400,
            fields={"account": "myspace"},
        ),
        case(
            "callback with a forged state",
            "GET /accounts/callback",
            R400,
            query="state=forged&code=abc",
        ),
        case("callback with no state", "GET /accounts/callback", R400, query="code=abc"),
        case(
            "callback with an error",
            "GET /accounts/callback",
            R400,
            query="error=access_denied&state=forged",
        ),
        case(
            "disconnect an unknown account",
            "POST /accounts/disconnect",
            R400,
            fields={"account": "everyone"},
        ),
        case(
            "disconnect the cohort's X as a member",
            "POST /accounts/disconnect",
            R403,
            fields={"account": "cohort"},
        ),
        case(
            "Bluesky handle of script",
            "POST /accounts/bluesky/connect",
            R400,
            fields={"account": "mine", "handle": SCRIPT, "app_password": "abcd-efgh-ijkl-mnop"},
        ),
        case(
            "Bluesky handle with an override",
            "POST /accounts/bluesky/connect",
            R400,
            fields={
                "account": "mine",
                "handle": RLO + "moc.yksb.lanru",
                "app_password": "abcd-efgh-ijkl-mnop",
            },
        ),
        case(
            "Bluesky for the cohort as a member",
            "POST /accounts/bluesky/connect",
            R403,
            fields={
                "account": "cohort",
                "handle": "cohort.bsky.social",
                "app_password": "abcd-efgh-ijkl-mnop",
            },
        ),
        case(
            "Bluesky with no password",
            "POST /accounts/bluesky/connect",
            R400,
            fields={"account": "mine", "handle": "rivera.bsky.social"},
        ),
        case(
            "Bluesky disconnect of nobody",
            "POST /accounts/bluesky/disconnect",
            R400,
            fields={"account": "myspace"},
        ),
        case(
            "Mastodon server of script",
            "POST /accounts/mastodon/connect",
            R400,
            fields={"account": "mine", "instance": SCRIPT},
        ),
        case(
            "Mastodon server on the private network",
            "POST /accounts/mastodon/connect",
            R400,
            fields={"account": "mine", "instance": "http://169.254.169.254"},
        ),
        case(
            "Mastodon server of joined emoji",
            "POST /accounts/mastodon/connect",
            R400,
            fields={"account": "mine", "instance": FAMILY + ".social"},
        ),
        case(
            "Mastodon for the cohort as a member",
            "POST /accounts/mastodon/connect",
            R403,
            fields={"account": "cohort", "instance": "mastodon.social"},
        ),
        case(
            "Mastodon callback with a forged state",
            "GET /accounts/mastodon/callback",
            R400,
            query="state=forged&code=abc",
        ),
        case(
            "Mastodon disconnect of nobody",
            "POST /accounts/mastodon/disconnect",
            R400,
            fields={"account": "myspace"},
        ),
    ]


def _chats() -> list[Case]:
    c = "POST /chats"
    return [
        case(
            "chat name with a bidi override",
            c,
            R422,
            who="admin",
            fields={**CHAT, "name": RLO + "tahC"},
        ),
        case(
            "chat name on two lines",
            c,
            R422,
            who="admin",
            fields={**CHAT, "name": "Chat\r\nBcc: x"},
        ),
        case(
            "calendar with a renewed-away address",
            "GET /calendar/{token}/{file}",
            R404,
            who="nobody",
            path="/calendar/{old_feed_token}/all.ics",
        ),
        case(
            "renew the feed from another site",
            "POST /calendar/renew",
            R403,
            fields={},
            headers={"origin": OTHERS_SITE},
        ),
        case(
            "renew the feed when signed out", "POST /calendar/renew", R401, who="nobody", fields={}
        ),
        case("new chat page as a member", "GET /chats/new", R403),
        case("add a chat as a member", c, R403, fields=CHAT),
        case(
            "chat with an unknown zone",
            c,
            R422,
            who="admin",
            fields={**CHAT, "zone": "Mars/Olympus"},
        ),
        case("chat on weekday 9", c, R422, who="admin", fields={**CHAT, "weekday": "9"}),
        case(
            "organisation's account of script",
            c,
            R422,
            who="admin",
            fields={**CHAT, "organisations": SCRIPT},
        ),
        case(
            "too many organisations' accounts",
            c,
            R422,
            who="admin",
            fields={**CHAT, "organisations": ", ".join(f"@org{n}" for n in range(21))},
        ),
        case(
            "chat lasting forever", c, R422, who="admin", fields={**CHAT, "duration_minutes": HUGE}
        ),
        case("chat every 0 weeks", c, R422, who="admin", fields={**CHAT, "every_weeks": "0"}),
        case(
            "chat starting in year 0",
            c,
            R422,
            who="admin",
            fields={**CHAT, "first_date": "0000-01-01"},
        ),
        case(
            "chat starting in year 9999",
            c,
            R422,
            who="admin",
            fields={**CHAT, "first_date": "9999-12-31"},
        ),
        case("chat hashtag of script", c, R422, who="admin", fields={**CHAT, "hashtag": SCRIPT}),
        case(
            "chat hashtag of joined emoji",
            c,
            R422,
            who="admin",
            fields={**CHAT, "hashtag": "#" + FAMILY},
        ),
        case(
            "chat hashtag with an override",
            c,
            R422,
            who="admin",
            fields={**CHAT, "hashtag": "#" + RLO + "tahc"},
        ),
        case("chat name with a NUL", c, R400, who="admin", fields={**CHAT, "name": "Chat\x00"}),
        case(
            "chat link of script",
            c,
            R422,
            who="admin",
            fields={**CHAT, "link": "javascript:alert(1)"},
        ),
        case(
            "chat on an unknown network",
            c,
            R422,
            who="admin",
            fields={**CHAT, "network": "myspace"},
        ),
        case("chat with two weekdays", c, R422, who="admin", raw_body=raw(CHAT, b"&weekday=3")),
        case(
            "chat with the hashtag of another",
            c,
            R422,
            who="admin",
            fields={**CHAT, "hashtag": "#EdTechChat"},
        ),
        case("chat oversized", c, R413, who="admin", fields={**CHAT, "description": OVERSIZED}),
        case(
            "chat of wrong content type",
            c,
            R415,
            who="admin",
            fields=CHAT,
            headers={"content-type": "text/plain"},
        ),
        case(
            "change a chat as a member", "POST /chats/{id}", R403, path="/chats/{chat}", fields=CHAT
        ),
        case(
            "change no such chat",
            "POST /chats/{id}",
            R404,
            who="admin",
            path="/chats/no-such-chat",
            fields=CHAT,
        ),
        case(
            "change a chat to an unknown zone",
            "POST /chats/{id}",
            R422,
            who="admin",
            path="/chats/{chat}",
            fields={**CHAT, "zone": "Etc/Nowhere"},
        ),
        case(
            "edit page of no such chat",
            "GET /chats/{id}/edit",
            R404,
            who="admin",
            path="/chats/no-such-chat/edit",
        ),
        case("edit page as a member", "GET /chats/{id}/edit", R403, path="/chats/{chat}/edit"),
        case(
            "remove a chat as a member",
            "POST /chats/{id}/remove",
            R403,
            path="/chats/{chat}/remove",
            fields={},
        ),
        case(
            "remove no such chat",
            "POST /chats/{id}/remove",
            R404,
            who="admin",
            path="/chats/no-such-chat/remove",
            fields={},
        ),
        case("chat page of no such chat", "GET /chats/{id}", R404, path="/chats/" + "x" * 3000),
        case(
            "skip as a member",
            "POST /chats/{id}/skip",
            R403,
            path="/chats/{chat}/skip",
            fields={"local_date": "2026-12-14"},
        ),
        case(
            "skip a day with no session",
            "POST /chats/{id}/skip",
            R400,
            who="admin",
            path="/chats/{chat}/skip",
            fields={"local_date": "2026-12-15"},
        ),
        case(
            "skip year 0",
            "POST /chats/{id}/skip",
            R400,
            who="admin",
            path="/chats/{chat}/skip",
            fields={"local_date": "0000-12-14"},
        ),
        case(
            "skip two days",
            "POST /chats/{id}/skip",
            R400,
            who="admin",
            path="/chats/{chat}/skip",
            raw_body=raw({"local_date": "2026-12-14"}, b"&local_date=2026-12-21"),
        ),
        case(
            "questions for a day of script",
            "POST /chats/{id}/questions",
            R400,
            who="admin",
            path="/chats/{chat}/questions",
            fields={"local_date": SCRIPT, "questions": "Q1"},
        ),
        case(
            "questions as a member",
            "POST /chats/{id}/questions",
            R403,
            path="/chats/{chat}/questions",
            fields={"local_date": "2026-12-14", "questions": "Q1"},
        ),
        case(
            "questions for no such chat",
            "POST /chats/{id}/questions",
            R404,
            who="admin",
            path="/chats/no-such-chat/questions",
            fields={"local_date": "2026-12-14", "questions": "Q1"},
        ),
        case(
            "reminders a year early",
            "POST /chats/{id}/subscription",
            R400,
            path="/chats/{chat}/subscription",
            fields={"reminders": "on", "lead_minutes": "525600"},
        ),
        case(
            "reminders a huge number early",
            "POST /chats/{id}/subscription",
            R400,
            path="/chats/{chat}/subscription",
            fields={"reminders": "on", "lead_minutes": HUGE},
        ),
        case(
            "reminders at minus minutes",
            "POST /chats/{id}/subscription",
            R400,
            path="/chats/{chat}/subscription",
            fields={"reminders": "on", "lead_minutes": "-30"},
        ),
        case(
            "reminders of joined emoji",
            "POST /chats/{id}/subscription",
            R400,
            path="/chats/{chat}/subscription",
            fields={"reminders": "on", "lead_minutes": FAMILY},
        ),
        case(
            "subscribe to no such chat",
            "POST /chats/{id}/subscription",
            R404,
            path="/chats/no-such-chat/subscription",
            fields={"reminders": "on"},
        ),
        case(
            "calendar with a wrong token",
            "GET /calendar/{token}/{file}",
            R404,
            who="nobody",
            path="/calendar/wrong-token/all.ics",
        ),
        case(
            "calendar with an unsubscribe token",
            "GET /calendar/{token}/{file}",
            R404,
            who="nobody",
            path="/calendar/{unsubscribe_token}/all.ics",
        ),
        case(
            "calendar of no such chat",
            "GET /calendar/{token}/{file}",
            R404,
            who="nobody",
            path="/calendar/{feed_token}/no-such-chat.ics",
        ),
        case(
            "calendar file of script",
            "GET /calendar/{token}/{file}",
            R404,
            who="nobody",
            path="/calendar/{feed_token}/%3Cscript%3E",
        ),
        case(
            "session of no such chat",
            "GET /sessions/{chat}/{start}",
            R404,
            path="/sessions/no-such-chat/2026-12-14T20:00",
        ),
        case(
            "session at year 0",
            "GET /sessions/{chat}/{start}",
            R404,
            path="/sessions/{chat}/0000-01-01T00:00",
        ),
        case(
            "session at a huge time",
            "GET /sessions/{chat}/{start}",
            R404,
            path="/sessions/{chat}/" + HUGE,
        ),
        *_session_moderators(),
        case(
            "unsubscribe page with a sign-in token",
            "GET /unsubscribe/{token}",
            R400,
            who="nobody",
            path="/unsubscribe/{signin_link}",
        ),
        case(
            "unsubscribe page, expired",
            "GET /unsubscribe/{token}",
            R400,
            who="nobody",
            path="/unsubscribe/{expired_unsubscribe}",
        ),
        case(
            "unsubscribe page, altered",
            "GET /unsubscribe/{token}",
            R400,
            who="nobody",
            path="/unsubscribe/{altered_unsubscribe}",
        ),
        case(
            "unsubscribe with a sign-in token",
            "POST /unsubscribe/{token}",
            R400,
            who="nobody",
            path="/unsubscribe/{signin_link}",
            fields={},
        ),
        case(
            "unsubscribe, expired",
            "POST /unsubscribe/{token}",
            R400,
            who="nobody",
            path="/unsubscribe/{expired_unsubscribe}",
            fields={},
        ),
        case(
            "unsubscribe with an action token of another purpose",
            "POST /unsubscribe/{token}",
            R400,
            who="nobody",
            path="/unsubscribe/{other_purpose}",
            fields={},
        ),
        case(
            "unsubscribe from everything",
            "POST /unsubscribe/{token}",
            R400,
            who="nobody",
            path="/unsubscribe/{unsubscribe_everything}",
            fields={},
        ),
        case(
            "unsubscribe with the calendar's token",
            "POST /unsubscribe/{token}",
            R400,
            who="nobody",
            path="/unsubscribe/{feed_token}",
            fields={},
        ),
        case(
            "unsubscribe with a huge token",
            "POST /unsubscribe/{token}",
            R400,
            who="nobody",
            path="/unsubscribe/" + "A" * 5000 + ".B",
            fields={},
        ),
    ]


def _session_moderators() -> list[Case]:
    m = "POST /sessions/{chat}/{start}/moderators"
    path = "/sessions/{chat}/{archived_session}/moderators"
    good = {"moderators": "edtechmod", "action": "save"}
    return [
        case("moderators as a member", m, R403, path=path, fields=good),
        case("moderators signed out", m, R401, who="nobody", path=path, fields=good),
        case(
            "moderators from another site",
            m,
            R403,
            who="admin",
            path=path,
            fields=good,
            headers={"origin": OTHERS_SITE},
        ),
        case(
            "moderator who did not post",
            m,
            R422,
            who="admin",
            path=path,
            fields={**good, "moderators": "edtechmod,somebody_else"},
        ),
        case("no moderator ticked", m, R422, who="admin", path=path, fields={"action": "save"}),
        case(
            "moderator of script",
            m,
            R422,
            who="admin",
            path=path,
            fields={**good, "moderators": SCRIPT},
        ),
        case(
            "moderator with a bidi override",
            m,
            R422,
            who="admin",
            path=path,
            fields={**good, "moderators": RLO + "domhcetde"},
        ),
        case(
            "moderators, a huge list",
            m,
            R422,
            who="admin",
            path=path,
            fields={**good, "moderators": ",".join(f"guest{n}" for n in range(1000))},
        ),
        case(
            "moderators, a made-up action",
            m,
            R422,
            who="admin",
            path=path,
            fields={**good, "action": "drop"},
        ),
        case(
            "moderators sent twice as actions",
            m,
            R422,
            who="admin",
            path=path,
            raw_body=raw(good, b"&action=infer"),
        ),
        case(
            "moderators of a session not archived",
            m,
            R404,
            who="admin",
            path="/sessions/{chat}/20260915T0000Z/moderators",
            fields=good,
        ),
        case(
            "moderators of no such chat",
            m,
            R404,
            who="admin",
            path="/sessions/no-such-chat/{archived_session}/moderators",
            fields=good,
        ),
        case(
            "moderators at a huge time",
            m,
            R404,
            who="admin",
            path="/sessions/{chat}/" + HUGE + "/moderators",
            fields=good,
        ),
        case(
            "moderators, oversized",
            m,
            R413,
            who="admin",
            path=path,
            fields={**good, "moderators": OVERSIZED},
        ),
    ]


def _pages() -> list[Case]:
    """The pages that read nothing from the request: signed out, or as a session that ended."""
    return [
        case(
            "form when signed out",
            "GET /",
            R401,
            who="nobody",
            headers={"accept": "application/json"},
        ),
        case(
            "form with an expired session",
            "GET /",
            R401,
            who="expired",
            headers={"accept": "application/json"},
        ),
        case(
            "form with a forged session",
            "GET /",
            R401,
            who="forged",
            headers={"accept": "application/json"},
        ),
        case(
            "queue when signed out",
            "GET /posts",
            R401,
            who="nobody",
            headers={"accept": "application/json"},
        ),
        case(
            "accounts with an expired session",
            "GET /accounts",
            R401,
            who="expired",
            headers={"accept": "application/json"},
        ),
        case(
            "calendar page when signed out",
            "GET /chats",
            R401,
            who="nobody",
            headers={"accept": "application/json"},
        ),
        case(
            "profile when signed out",
            "GET /me",
            R401,
            who="nobody",
            headers={"accept": "application/json"},
        ),
        case(
            "a file that is not ours",
            "GET /static/{file}",
            R404,
            who="nobody",
            path="/static/..%2F..%2Fapp.py",
        ),
        case(
            "a file of script",
            "GET /static/{file}",
            R404,
            who="nobody",
            path="/static/%3Cscript%3E.js",
        ),
        case("schedule with an expired session", "POST /posts", R401, who="expired", fields=POST),
        case(
            "schedule from another site",
            "POST /posts",
            R403,
            fields=POST,
            headers={"origin": OTHERS_SITE},
        ),
        case(
            "schedule with a forged Host",
            "POST /posts",
            R403,
            fields=POST,
            headers={"host": "evil.example", "origin": "https://evil.example"},
        ),
        case(
            "schedule with no Origin or Referer",
            "POST /posts",
            R403,
            fields=POST,
            headers={"origin": None, "referer": None},
        ),
        case(
            "schedule with a Referer on another host",
            "POST /posts",
            R403,
            fields=POST,
            headers={"origin": None, "referer": "{public_url}.evil.example/"},
        ),
        case(
            "schedule with a cross-site fetch",
            "POST /posts",
            R403,
            fields=POST,
            headers={"origin": None, "referer": None, "sec-fetch-site": "cross-site"},
        ),
    ]


# The catalogue, in groups (one test each: the world is made once per group).
CATALOGUE: dict[str, list[Case]] = {
    "posts": _posts(),
    "signin": _signin(),
    "members": _members(),
    "accounts": _accounts(),
    "chats": _chats(),
    "pages": _pages(),
}
from tests.integration.bad_input_chat_import import chat_import_cases  # noqa: E402 - uses the above

CATALOGUE["chat_import"] = chat_import_cases()
# Routes with no catalogue case, and why: they read nothing a request can make bad.
NOTHING_TO_REFUSE = {
    "GET /signin": "the sign-in page reads no input (a signed-in member is sent on to /)",
    "GET /signin/confirm": "the link's page never looks its token up; its button's POST refuses",
}
