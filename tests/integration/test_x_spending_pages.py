"""The X spending cap's pages through the web handler on moto server: admins see the month's X
spending and set the cap on the settings page; authors see what a post costs on X in the form."""

from decimal import Decimal
from types import ModuleType

import pytest

from chatdeck.domain.spending import XSpending
from tests.integration.deployment import Deployment
from tests.integration.web_kit import SAMPLE_NOW, call, get_json, post_form

pytestmark = pytest.mark.integration

MONTH = SAMPLE_NOW.strftime("%Y-%m")


def page(web: ModuleType, session: str, path: str) -> tuple[int, str]:
    answer = call(web, "web_get_form", session, rawPath=path)
    answer_body: str = answer["body"]
    return answer["statusCode"], answer_body


def test_admins_see_the_months_x_spending_and_what_is_left_of_the_cap(
    web: ModuleType, deployment: Deployment, admin_session: str
) -> None:
    store = deployment.services.x_spending.store
    store.charge_post(MONTH, "earlier#x:cohort", "link_post", None)
    store.charge_post(MONTH, "plain#x:cohort", "post", None)
    store.count_reads(SAMPLE_NOW.date(), [str(n) for n in range(10)])

    saved = post_form(web, admin_session, "/settings", {"x_cap": "$0.50"})
    status, body = page(web, admin_session, "/settings")

    assert saved["statusCode"] == 303
    assert store.cap() == Decimal("0.50")
    assert status == 200
    assert f"X spending in {MONTH} (UTC)" in body
    assert '<td id="x-spent">$0.265</td>' in body  # 0.20 + 0.015 + 10 x 0.005
    assert "Monthly cap: $0.50; $0.235 left." in body
    assert 'value="0.50"' in body


def test_the_accounts_own_posts_read_show_in_the_months_x_spending(
    web: ModuleType, deployment: Deployment, admin_session: str
) -> None:
    store = deployment.services.x_spending.store
    store.count_reads(SAMPLE_NOW.date(), [str(n) for n in range(7)], "own_read")

    status, body = page(web, admin_session, "/settings")

    assert status == 200
    assert '<td id="x-own-reads">$0.007</td>' in body
    assert '<td id="x-spent">$0.007</td>' in body


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("-1", "cannot be negative"),
        ("lots", "Type the cap in dollars"),
        ("0.005", "at most two digits"),
        ("99999999", "surely a typo"),
    ],
)
def test_a_cap_that_is_not_one_is_refused_and_nothing_is_saved(
    web: ModuleType, deployment: Deployment, admin_session: str, typed: str, says: str
) -> None:
    settings = deployment.services.cohort_settings
    deployment.services.x_spending.store.set_cap(Decimal(5))

    refused = post_form(web, admin_session, "/settings", {"x_cap": typed, "require_approval": "on"})

    assert refused["statusCode"] == 422
    assert says in refused["body"]
    assert "nothing was saved" in refused["body"]
    assert deployment.services.x_spending.store.cap() == Decimal(5)
    assert settings.require_approval() is False  # the checkbox beside it was not saved either


def test_a_blank_cap_means_no_cap_and_a_form_without_the_field_keeps_it(
    web: ModuleType, deployment: Deployment, admin_session: str
) -> None:
    store = deployment.services.x_spending.store
    store.set_cap(Decimal(5))
    post_form(web, admin_session, "/settings", {"require_approval": "on"})
    assert store.cap() == Decimal(5)

    post_form(web, admin_session, "/settings", {"x_cap": "  "})

    assert store.cap() is None
    assert "No monthly cap is set" in page(web, admin_session, "/settings")[1]


def test_the_form_tells_an_author_what_a_link_costs_on_x_and_what_is_left(
    web: ModuleType, deployment: Deployment, teacher_session: str
) -> None:
    store = deployment.services.x_spending.store
    store.set_cap(Decimal("0.50"))
    store.charge_post(MONTH, "earlier#x:cohort", "link_post", None)

    status, body = page(web, teacher_session, "/")

    assert status == 200
    assert "On X, every post costs the cohort: $0.20 with a link, $0.015 without." in body
    assert "$0.30 is left of this month's $0.50 X spending cap" in body
    assert '<strong id="x-cost-link" hidden>' in body  # no text yet: no link


def test_without_javascript_a_refused_post_with_a_link_shows_its_x_price(
    web: ModuleType, deployment: Deployment, teacher_session: str
) -> None:
    fields = {
        "submission_id": "x-cost-0001",
        "text": "Slides: https://example.org/slides #edtechchat",
        "local_date": "2020-01-01",  # in the past: the form comes back
        "local_time": "20:00",
        "zone": "America/New_York",
    }

    refused = post_form(web, teacher_session, "/posts", fields)

    assert refused["statusCode"] == 422
    assert (
        '<strong id="x-cost-link">This post has a link: on X it costs the cohort $0.20.'
        in (refused["body"])
    )
    assert deployment.services.x_spending.summary(SAMPLE_NOW).spending == XSpending(MONTH)


def test_a_post_held_by_the_cap_shows_why_on_the_queue(
    web: ModuleType, deployment: Deployment, admin_session: str
) -> None:
    deployment.services.x_spending.store.set_cap(Decimal(0))
    due = deployment.minute
    post = deployment.schedule("Tonight at 8 ET. #edtechchat", due)
    deployment.tick(due)

    listed = {p["id"]: p for p in get_json(web, admin_session)}

    assert listed[post.id]["status"] == "QUEUED"
    [target] = listed[post.id]["targets"]
    assert target["reason"].startswith(
        "Waiting: posting to X is paused by the cohort's monthly X spending cap of $0.00"
    )
    assert deployment.sandbox_posts() == []
