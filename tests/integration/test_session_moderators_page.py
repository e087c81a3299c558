"""The session page through the web handler on moto server: who was taken as moderator, an
admin's correction (kept in the archive META, the digest rebuilt), refusals that name what is
wrong and keep nothing, and shortened links shown where the companion's cache says they lead."""

from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from chatdeck.adapters.link_expansion import EXPANDED_TTL, CachedLinks
from chatdeck.domain.archive import ArchivedPost, ArchiveSession
from tests.integration.deployment import Deployment, sample_chat
from tests.integration.web_kit import SAMPLE_NOW, event_as, invoke, post_form

pytestmark = pytest.mark.integration

START = datetime(2026, 9, 8, 0, 0, tzinfo=UTC)  # Mon 7 Sep 2026, 20:00 in New York
OCCURRENCE = "edtechchat#2026-09-08T00:00:00Z"
PAGE = "/sessions/edtechchat/20260908T0000Z"
ARTICLE = "https://example.org/2026/feedback-that-lands"


def a_post(serial: int, by: str, text: str, minute: int, **fields: Any) -> ArchivedPost:
    post_id = str(1_851_000_000_000_000_000 + serial)
    return ArchivedPost(
        id=post_id,
        author_id=f"40{serial:02d}" if by != "dee" else "4004",
        author_handle=by,
        author_name=by.title(),
        text=text,
        created_at=START + timedelta(minutes=minute),
        url=f"https://x.com/{by}/status/{post_id}",
        **fields,
    )


def archive_a_guest_session(deployment: Deployment) -> None:
    """A session Dee moderated as a guest; the chat's configured moderator only said hello."""
    services = deployment.services
    services.chats.save(sample_chat())
    end = START + timedelta(hours=1)
    session = services.archive.start(
        ArchiveSession(
            occurrence_id=OCCURRENCE,
            chat_id="edtechchat",
            networks=("x",),
            hashtags=("#EdTechChat",),
            start_utc=START,
            end_utc=end,
            window_start=START - timedelta(minutes=15),
            window_end=end + timedelta(minutes=30),
            status="counted",
            budget_reads=2000,
            expires_at=end + timedelta(days=180),
        )
    )
    services.archive.add_posts(
        session,
        [
            a_post(1, "edtechmod", "Welcome to #edtechchat! Dee moderates tonight.", 0),
            a_post(2, "dee", "Q1 What makes feedback land? #edtechchat", 2),
            a_post(3, "ana", "A1 Feedback they can act on today #edtechchat", 4, likes=9),
            a_post(4, "ben", "A1 This: https://bit.ly/3xYz12", 5, links=("https://bit.ly/3xYz12",)),
            a_post(5, "eve", "A1 same #edtechchat", 6, links=(ARTICLE,)),
        ],
        START.date(),
    )


def get(web: ModuleType, session: str, path: str, query: str = "") -> dict[str, Any]:
    event = event_as("web_get_form", session)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    if query:
        event["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&"))
    return invoke(web, event)


@pytest.fixture
def archived(deployment: Deployment) -> Deployment:
    archive_a_guest_session(deployment)
    return deployment


def test_an_admin_sees_who_was_taken_as_moderator_and_a_box_per_author(
    web: ModuleType, archived: Deployment, admin_session: str, teacher_session: str
) -> None:
    page = get(web, admin_session, PAGE)
    assert page["statusCode"] == 200, page["body"]
    body = page["body"]
    taken = body.split("Taken as moderators: ", 1)[1].split("</p>", 1)[0]
    assert "<strong>@dee</strong>" in taken and "inferred from who asked" in taken
    assert f'action="{PAGE}/moderators"' in body
    for handle in ("edtechmod", "dee", "ana", "ben", "eve"):
        assert f'name="moderators" value="{handle}"' in body
    assert 'value="dee" checked' in body and 'value="ana" checked' not in body

    members_page = get(web, teacher_session, PAGE)["body"]
    assert "Taken as moderators: " in members_page and "<strong>@dee</strong>" in members_page
    assert "/moderators" not in members_page.split('id="moderators"', 1)[1].split("</section>")[0]


def test_an_admins_correction_is_kept_and_the_digest_rebuilt(
    web: ModuleType, archived: Deployment, admin_session: str
) -> None:
    def voices(body: str) -> str:
        return body.split('id="voices"', 1)[1].split("</section>", 1)[0]

    assert "@edtechmod on X:" not in voices(get(web, admin_session, PAGE)["body"])
    saved = post_form(web, admin_session, f"{PAGE}/moderators", {"moderators": "dee"})
    assert saved["statusCode"] == 303, saved.get("body")
    assert saved["headers"]["Location"] == f"{PAGE}?moderators=saved#moderators"
    stored = archived.services.archive.get(OCCURRENCE)
    assert stored is not None and stored.moderator_override == ("dee",)

    body = get(web, admin_session, PAGE, "moderators=saved")["body"]
    assert "Moderators saved" in body and "set by an admin" in body
    assert "The digest emailed after the session will use them." in body
    assert "Taken as moderators: <strong>@dee</strong> <span" in body  # Dee alone
    assert "@edtechmod on X:" in voices(body)  # who only said hello is a voice now
    assert '<h3 id="q1">Q1 What makes feedback land? #edtechchat</h3>' in body

    again = post_form(web, admin_session, f"{PAGE}/moderators", {"action": "infer"})
    assert again["statusCode"] == 303
    stored = archived.services.archive.get(OCCURRENCE)
    assert stored is not None and stored.moderator_override is None


@pytest.mark.parametrize(
    ("who", "fields", "status", "said"),
    [
        ("admin", {"moderators": "Dee,nobody_here"}, 422, "@nobody_here posted nothing"),
        ("admin", {}, 422, "Tick at least one moderator"),
        ("admin", {"moderators": "dee", "action": "wipe"}, 422, "Choose “Save moderators”"),
        ("teacher", {"moderators": "dee"}, 403, ""),
    ],
)
def test_a_bad_correction_is_refused_naming_why_and_keeps_nothing(
    web: ModuleType,
    archived: Deployment,
    admin_session: str,
    teacher_session: str,
    who: str,
    fields: dict[str, str],
    status: int,
    said: str,
) -> None:
    session = admin_session if who == "admin" else teacher_session
    refused = post_form(web, session, f"{PAGE}/moderators", fields)
    assert refused["statusCode"] == status, refused["body"]
    assert said in refused["body"]
    if status == 422:  # the page again, the error beside the form, the boxes as ticked
        assert 'role="alert"' in refused["body"] and 'id="moderators-error"' in refused["body"]
        ticked_dee = "dee" in fields.get("moderators", "").lower()
        assert ticked_dee == ('value="dee" checked' in refused["body"])  # the boxes as ticked
        assert 'value="edtechmod" checked' not in refused["body"]
    stored = archived.services.archive.get(OCCURRENCE)
    assert stored is not None and stored.moderator_override is None


def test_a_session_without_an_archive_cannot_be_corrected(
    web: ModuleType, archived: Deployment, admin_session: str
) -> None:
    refused = post_form(
        web, admin_session, "/sessions/edtechchat/20260915T0000Z/moderators", {"moderators": "dee"}
    )
    assert refused["statusCode"] == 404 and "no archive yet" in refused["body"]


def test_the_page_shows_a_short_link_where_the_cache_says_it_leads_and_asks_nobody(
    web: ModuleType, archived: Deployment, admin_session: str
) -> None:
    before = get(web, admin_session, PAGE)["body"]
    assert '<a href="https://bit.ly/3xYz12">' in before  # nothing cached: kept as posted

    cache = CachedLinks(archived.services._state_table)
    cache.keep("https://bit.ly/3xYz12", ARTICLE, SAMPLE_NOW, EXPANDED_TTL)
    after = get(web, admin_session, PAGE)["body"]
    links = after.split('id="links"', 1)[1].split("</section>", 1)[0]
    assert links.count("<li>") == 1 and f'<a href="{ARTICLE}">' in links
    assert "shared twice, first by @ben" in links


def test_an_admin_marks_an_organisations_account_and_the_voices_leave_it_out(
    web: ModuleType, archived: Deployment, admin_session: str
) -> None:
    def voices() -> str:
        body = get(web, admin_session, PAGE)["body"]
        return body.split('id="voices"', 1)[1].split("</section>", 1)[0]

    assert "@ben on X:" in voices()
    form = {
        "name": "EdTech Chat",
        "hashtag": "#EdTechChat",
        "networks": "x",
        "weekday": "0",
        "start_time": "20:00",
        "zone": "America/New_York",
        "duration_minutes": "60",
        "every_weeks": "1",
        "first_date": "2026-09-07",
        "moderators": "@edtechmod",
        "organisations": "@Ben, @edpublisher",
    }
    bad = post_form(web, admin_session, "/chats/edtechchat", {**form, "organisations": "<b>"})
    assert bad["statusCode"] == 422 and 'id="organisations-error"' in bad["body"]
    saved = post_form(web, admin_session, "/chats/edtechchat", form)
    assert saved["statusCode"] == 303, saved.get("body")
    chat = archived.services.chats.get("edtechchat")
    assert chat is not None and chat.organisations == ["ben", "edpublisher"]
    edit = get(web, admin_session, "/chats/edtechchat/edit")["body"]
    assert 'name="organisations" type="text" value="ben, edpublisher"' in edit
    assert "@ben on X:" not in voices() and "@eve on X:" in voices()
