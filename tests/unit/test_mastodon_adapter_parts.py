"""The Mastodon adapter's own parts, without a network: OAuth's PKCE and state, what a member
types as their server, Mastodon.py's errors as the domain's outcomes, page tokens, the instance's
rules, and the app registered once per instance."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from mastodon import (
    MastodonAPIError,
    MastodonInternalServerError,
    MastodonNetworkError,
    MastodonRatelimitError,
)

from chatdeck.adapters.mastodon.apps import MastodonApps
from chatdeck.adapters.mastodon.errors import publish_outcome, read_failure, retry_at
from chatdeck.adapters.mastodon.instance import rules_from
from chatdeck.adapters.mastodon.oauth import code_challenge, typed_instance
from chatdeck.adapters.mastodon.reading import _decoded, _encoded, id_at
from chatdeck.domain.mastodon_app import SCOPES, MastodonApp, instance_of_state, state_for
from chatdeck.domain.mastodon_text import InstanceRules
from chatdeck.domain.outcomes import (
    AccountUnavailable,
    NotSent,
    OutcomeUnknown,
    RateLimited,
    ReadFailed,
    Rejected,
)
from tests.fakes.clock_and_mail import FixedClock
from tests.fakes.mastodon import FakeMastodonAppStore

RECORDED_INSTANCE = Path(__file__).parents[2] / "devstack" / "mastodon" / "data" / "instance.json"


def test_the_pkce_challenge_is_rfc_7636s_s256() -> None:
    # RFC 7636, appendix B
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_a_connects_state_names_its_instance_and_nothing_else_does() -> None:
    state = state_for("n0nce", "https://mastodon.social")

    assert instance_of_state(state) == "https://mastodon.social"
    assert instance_of_state("n0nce") is None
    assert instance_of_state("n0nce.bm90LWEtdXJs") is None  # "not-a-url"


@pytest.mark.parametrize(
    ("typed", "instance"),
    [
        ("mastodon.social", "https://mastodon.social"),
        (" Mastodon.Social/ ", "https://mastodon.social"),
        ("https://mastodon.social/@ann", "https://mastodon.social"),
        ("@ann@mastodon.social", "https://mastodon.social"),
        ("ann@fosstodon.org", "https://fosstodon.org"),
        ("http://127.0.0.1:8702", "http://127.0.0.1:8702"),
    ],
)
def test_what_a_member_types_becomes_the_servers_address(typed: str, instance: str) -> None:
    assert typed_instance(typed) == instance


def test_an_address_with_credentials_is_refused() -> None:
    with pytest.raises(ValueError):
        typed_instance("https://user:pw@mastodon.social")


def answer(status: int, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    return response


def api_error(kind: type[Exception], status: int, words: str) -> Exception:
    return kind("Mastodon API returned error", status, "Reason", words)


def test_a_429_is_retried_at_the_iso_reset_of_the_answer() -> None:
    last = answer(429, {"X-RateLimit-Reset": "2026-08-01T15:00:00.627625Z"})

    outcome = publish_outcome(MastodonRatelimitError("Hit rate limit."), last)

    assert isinstance(outcome, RateLimited)
    assert outcome.retry_at == datetime(2026, 8, 1, 15, 0, 0, 627625, tzinfo=UTC)
    assert retry_at(answer(429, {"X-RateLimit-Reset": "1785600000"})) == datetime.fromtimestamp(
        1785600000, UTC
    )


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (api_error(MastodonAPIError, 422, "Validation failed: Text can't be blank"), Rejected),
        (api_error(MastodonAPIError, 403, "This action is not allowed"), AccountUnavailable),
        (api_error(MastodonInternalServerError, 500, ""), OutcomeUnknown),
    ],
)
def test_answers_map_to_the_domains_outcomes(error: Exception, outcome: type) -> None:
    assert type(publish_outcome(error, None)) is outcome


def network_error(cause: Exception) -> Exception:
    try:
        try:
            raise cause
        except Exception as inner:
            raise MastodonNetworkError(f"Could not complete request: {inner}") from None
    except MastodonNetworkError as wrapped:
        wrapped.__context__ = cause
        return wrapped


def test_a_connection_never_made_is_not_sent_and_a_lost_answer_is_unknown() -> None:
    refused = network_error(requests.ConnectTimeout("connect timed out"))
    lost = network_error(requests.ReadTimeout("read timed out"))

    assert isinstance(publish_outcome(refused, None), NotSent)
    assert isinstance(publish_outcome(lost, None), OutcomeUnknown)


def test_a_reads_refusal_is_account_wide_only_for_the_accounts_access() -> None:
    forbidden = read_failure(api_error(MastodonAPIError, 403, "no"), "lookup", None)
    missing = read_failure(api_error(MastodonAPIError, 410, "gone"), "lookup", None)

    assert isinstance(forbidden, ReadFailed) and forbidden.account_wide
    assert isinstance(missing, ReadFailed) and not missing.account_wide


def test_a_page_token_keeps_each_hashtags_cursor_and_the_newest_id() -> None:
    token = _encoded({"edchat": "117020585924712638"}, 117020585924712999)

    assert _decoded(token) == ({"edchat": "117020585924712638"}, 117020585924712999)
    with pytest.raises(ReadFailed):
        _decoded("not-a-token")


def test_a_time_is_the_id_of_its_millisecond() -> None:
    created = datetime(2026, 8, 1, 13, 53, 56, 596000, tzinfo=UTC)  # the recorded status
    # its id was taken when the row was written, within a millisecond of created_at
    assert abs((117020585924712638 >> 16) - (id_at(created) >> 16)) <= 1
    assert id_at(created) & 0xFFFF == 0


def test_the_recorded_instances_rules() -> None:
    recorded: dict[str, Any] = json.loads(RECORDED_INSTANCE.read_text())

    assert rules_from(recorded) == InstanceRules(500, 23, True)
    recorded["configuration"]["timelines_access"]["hashtag_feeds"]["remote"] = "disabled"
    assert rules_from(recorded).hashtag_feeds_open is False
    assert rules_from({"version": "4.1.0"}) == InstanceRules()  # before timelines_access


def test_the_app_is_registered_once_and_a_lost_race_uses_the_winners() -> None:
    store, clock = FakeMastodonAppStore(), FixedClock()
    calls: list[str] = []

    def register(instance: str, redirect_uri: str, scopes: tuple[str, ...]) -> tuple[str, str]:
        calls.append(instance)
        assert scopes == SCOPES
        return f"id-{len(calls)}", "secret"

    apps = MastodonApps(store, register, clock)
    first = apps.app_for("https://a.example", "https://chatdeck.example/cb")
    again = apps.app_for("https://a.example", "https://chatdeck.example/cb")
    winner = MastodonApp("https://b.example", "winner", "s", "cb", SCOPES, clock.now())
    store.create(winner)
    raced = MastodonApps(_NoneFirst(store), register, clock).app_for("https://b.example", "cb")

    assert (first.client_id, again.client_id, calls[:1]) == ("id-1", "id-1", ["https://a.example"])
    assert raced.client_id == "winner"
    assert "secret" not in repr(first)


class _NoneFirst:
    """A store whose first read misses the app another function is keeping meanwhile."""

    def __init__(self, store: FakeMastodonAppStore) -> None:
        self.store = store
        self.reads = 0

    def get(self, instance: str) -> MastodonApp | None:
        self.reads += 1
        return None if self.reads == 1 else self.store.get(instance)

    def create(self, app: MastodonApp) -> bool:
        return self.store.create(app)


def test_own_posts_are_matched_as_mastodon_hands_them_back() -> None:
    from chatdeck.adapters.mastodon.publishing import _comparable
    from chatdeck.domain.mastodon_text import plain_text

    sent = "Thanks @ann@other.social &  see https://example.org/a\u0301"
    content = (
        '<p>Thanks <span class="h-card"><a href="https://other.social/@ann" class="u-url mention">'
        '@<span>ann</span></a></span> &amp; see <a href="https://example.org/\u00e1">'
        '<span class="invisible">https://</span><span class="">example.org/\u00e1</span>'
        '<span class="invisible"></span></a></p>'
    )
    assert _comparable(plain_text(content)) == _comparable(sent)
    assert _comparable("Thanks @ann") != _comparable("Thanks @bob@other.social")
