"""Mastodon's entities as the sandbox renders them: Account, Status, and a status's HTML content.

- Shapes come from the recorded `POST /api/v1/statuses` answer in data/status.json (Mastodon
  4.6.4): every field is kept, its values replaced by the status's own.
- Content is HTML as Mastodon's TextFormatter writes it: paragraphs (`<p>`, `<br />` for a single
  newline), links shortened for display (`<span class="invisible">https://</span>`, the next 30
  characters, the rest invisible, an `ellipsis` class when cut), hashtags as in the recorded tag
  timeline (`<a href="<base>/tags/x" class="mention hashtag" rel="tag">#<span>x</span></a>`),
  mentions of the sandbox's own accounts as `h-card` links; every other character escaped.
- The length Mastodon checks (StatusLengthValidator): grapheme clusters of the text, each link
  (with its scheme) counting `characters_reserved_per_url`, a mention `@user@domain` counting as
  `@user`.
- Counts: Mastodon always sends `replies_count`, `reblogs_count`, `favourites_count` and
  `quotes_count`. A post staged without counts (an imported transcript) is served without them
  (the staging contract in DESIGN.md: a transcript has none), which Mastodon itself never does;
  Chatdeck's reader then keeps them unknown instead of showing a made-up 0.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import regex

DATA = Path(__file__).parent / "data"
RECORDED_BASE = "http://localhost:3000"
_STATUS_TEMPLATE: dict[str, Any] = json.loads((DATA / "status.json").read_text())

URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}"
HASHTAG = re.compile(r"(?<![=/)\w])#(\w*[^\W\d]\w*)")
MENTION = re.compile(r"(?<![=/\w])@(\w+)(?:@([\w.-]+\w))?")
_URL_PREFIX = re.compile(r"^(https?://(www\.)?)", re.IGNORECASE)


def mastodon_time(moment: datetime) -> str:
    """Mastodon's timestamps: UTC, milliseconds, `Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def links_in(text: str) -> list[tuple[int, int]]:
    """Where each http(s) link is, trailing punctuation left out."""
    spans = []
    for match in URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        spans.append((start, end))
    return spans


def countable_length(text: str, url_length: int) -> int:
    """How long Mastodon counts a status's text."""
    pieces, last = [], 0
    for start, end in links_in(text):
        pieces += [text[last:start], "x" * url_length]
        last = end
    pieces.append(text[last:])
    countable = MENTION.sub(lambda m: f"@{m.group(1)}", "".join(pieces))
    return len(regex.findall(r"\X", countable))


def hashtags_in(text: str) -> list[str]:
    """The status's hashtags, lowercase, each once, in order (links left out)."""
    found: dict[str, None] = {}
    for segment, is_link in _segments(text):
        if not is_link:
            for match in HASHTAG.finditer(segment):
                found[match.group(1).lower()] = None
    return list(found)


def _segments(text: str) -> list[tuple[str, bool]]:
    pieces, last = [], 0
    for start, end in links_in(text):
        pieces += [(text[last:start], False), (text[start:end], True)]
        last = end
    pieces.append((text[last:], False))
    return pieces


def content_html(text: str, base: str, local_users: dict[str, str]) -> str:
    """The status's text as Mastodon's HTML content."""
    paragraphs = re.split(r"\n{2,}", text.strip("\n"))
    rendered = []
    for paragraph in paragraphs:
        lines = [_line_html(line, base, local_users) for line in paragraph.split("\n")]
        rendered.append("<p>" + "<br />".join(lines) + "</p>")
    return "".join(rendered)


def _line_html(line: str, base: str, local_users: dict[str, str]) -> str:
    out = []
    for segment, is_link in _segments(line):
        out.append(_link_html(segment) if is_link else _words_html(segment, base, local_users))
    return "".join(out)


def _link_html(url: str) -> str:
    prefix = _URL_PREFIX.match(url)
    cut = len(prefix.group(1)) if prefix else 0
    rest = url[cut:]
    display, hidden = rest[:30], rest[30:]
    shown = "ellipsis" if hidden else ""
    return (
        f'<a href="{escape(url)}" target="_blank" rel="nofollow noopener" translate="no">'
        f'<span class="invisible">{escape(url[:cut])}</span>'
        f'<span class="{shown}">{escape(display)}</span>'
        f'<span class="invisible">{escape(hidden)}</span></a>'
    )


def _words_html(segment: str, base: str, local_users: dict[str, str]) -> str:
    def entity(match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole.startswith("#"):
            name = match.group(1)
            return (
                f'<a href="{escape(base)}/tags/{escape(name.lower())}" class="mention hashtag"'
                f' rel="tag">#<span>{escape(name)}</span></a>'
            )
        user, domain = match.group(1), match.group(2)
        if domain is None and user in local_users:
            return (
                f'<span class="h-card" translate="no"><a href="{escape(base)}/@{escape(user)}"'
                f' class="u-url mention">@<span>{escape(user)}</span></a></span>'
            )
        return escape(whole)

    pattern = re.compile(f"{HASHTAG.pattern}|{MENTION.pattern}")
    out, last = [], 0
    for match in pattern.finditer(segment):
        out += [escape(segment[last : match.start()]), entity(_normalised(match))]
        last = match.end()
    out.append(escape(segment[last:]))
    return "".join(out)


def _normalised(match: re.Match[str]) -> re.Match[str]:
    """The alternation's groups, as HASHTAG or MENTION alone would give them."""
    whole = match.group(0)
    again = (HASHTAG if whole.startswith("#") else MENTION).match(whole)
    return again if again is not None else match


@dataclass
class Account:
    id: str
    username: str
    display_name: str
    created_at: datetime
    statuses_count: int = 0
    last_status_at: datetime | None = None
    seeded: bool = True  # an account of this instance you can sign in as (not a staged author)

    def render(self, base: str) -> dict[str, Any]:
        account: dict[str, Any] = copy.deepcopy(_STATUS_TEMPLATE["account"])
        account.update(
            id=self.id,
            username=self.username,
            acct=self.username,
            display_name=self.display_name,
            locked=False,
            discoverable=True,
            created_at=self.created_at.strftime("%Y-%m-%dT00:00:00.000Z"),
            note="",
            url=f"{base}/@{self.username}",
            uri=f"{base}/users/{self.username}",
            avatar=f"{base}/avatars/original/missing.png",
            avatar_static=f"{base}/avatars/original/missing.png",
            header=f"{base}/headers/original/missing.png",
            header_static=f"{base}/headers/original/missing.png",
            statuses_count=self.statuses_count,
            last_status_at=self.last_status_at.strftime("%Y-%m-%d")
            if self.last_status_at
            else None,
            fields=[],
        )
        return account


@dataclass
class Status:
    id: str
    account: Account
    text: str
    created_at: datetime
    visibility: str = "public"
    language: str | None = "en"
    in_reply_to_id: str | None = None
    in_reply_to_account_id: str | None = None
    quote_id: str | None = None
    idempotency_key: str | None = None
    staged: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def tags(self) -> list[str]:
        return hashtags_in(self.text)

    def url(self, base: str) -> str:
        return f"{base}/@{self.account.username}/{self.id}"

    def render(self, base: str, local_users: dict[str, str]) -> dict[str, Any]:
        status: dict[str, Any] = copy.deepcopy(_STATUS_TEMPLATE)
        status.update(
            id=self.id,
            created_at=mastodon_time(self.created_at),
            in_reply_to_id=self.in_reply_to_id,
            in_reply_to_account_id=self.in_reply_to_account_id,
            sensitive=False,
            visibility=self.visibility,
            language=self.language,
            uri=f"{base}/users/{self.account.username}/statuses/{self.id}",
            url=self.url(base),
            replies_count=self.counts.get("replies", 0),
            reblogs_count=self.counts.get("reblogs", 0),
            favourites_count=self.counts.get("favourites", 0),
            quotes_count=0,
            content=content_html(self.text, base, local_users),
            application=None if self.staged else {"name": "Chatdeck", "website": None},
            account=self.account.render(base),
            mentions=[
                {
                    "id": local_users[name],
                    "username": name,
                    "url": f"{base}/@{name}",
                    "acct": name,
                }
                for name in dict.fromkeys(m.group(1) for m in MENTION.finditer(self.text))
                if name in local_users
            ],
            tags=[{"name": tag, "url": f"{base}/tags/{tag}"} for tag in self.tags],
            quote=None,
        )
        if self.staged and not self.counts:  # an imported transcript: no counts at all
            for name in ("replies_count", "reblogs_count", "favourites_count", "quotes_count"):
                status.pop(name, None)
        return status
