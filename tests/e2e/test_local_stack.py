"""The local stack as `make dev` runs it: three processes, the form, the tick, the sandbox."""

import os
import re
import signal
from datetime import UTC, datetime, timedelta
from html import escape

import pytest
import requests

from tests.e2e.browser.helpers import ADMIN, minutes_ahead, sandbox_posts, tick
from tests.e2e.conftest import LocalStack
from tests.e2e.member_client import MemberClient

pytestmark = pytest.mark.e2e


def test_it_runs_a_process_each_and_records_their_ids(local_stack: LocalStack) -> None:
    pids = local_stack.pids()
    assert set(pids) == {"moto", "sandbox", "bluesky", "mastodon", "runtime"}
    assert len(set(pids.values())) == 5
    for pid in pids.values():
        os.kill(pid, 0)  # each is alive


def test_someone_not_signed_in_sees_neither_the_form_nor_the_queue(local_stack: LocalStack) -> None:
    stranger = MemberClient(local_stack)
    assert stranger.get("/").status_code == 303
    assert stranger.get("/").headers["Location"] == "/signin"
    assert stranger.get("/posts", headers={"Accept": "application/json"}).status_code == 401
    forged = stranger.post(
        "/posts", data={"text": "Not a member."}, headers={"Origin": "https://evil.example"}
    )
    assert forged.status_code == 403


def test_the_sign_in_page_says_the_same_for_members_and_strangers(local_stack: LocalStack) -> None:
    answers = [
        MemberClient(local_stack).post("/signin", data={"email": email})
        for email in (ADMIN, "nobody@nowhere.example")
    ]
    assert [a.status_code for a in answers] == [200, 200]
    bodies = [
        a.text.replace(email, "ADDRESS")
        for a, email in zip(answers, (ADMIN, "nobody@nowhere.example"), strict=True)
    ]
    bodies = [re.sub(r'value="[A-Za-z0-9_-]{40,}"', 'value="TOKEN"', b) for b in bodies]
    assert bodies[0] == bodies[1]


def test_opening_a_sign_in_link_without_pressing_its_button_signs_nobody_in(
    local_stack: LocalStack,
) -> None:
    scanner = MemberClient(local_stack)
    link = scanner.ask_for_sign_in_link(ADMIN)
    for _ in range(3):
        assert scanner.get(link.removeprefix(local_stack.web)).status_code == 200
    assert "__Host-chatdeck-session" not in scanner.jar
    assert scanner.get("/").status_code == 303


def test_the_form_is_served_with_its_script_file_and_no_inline_script(
    local_stack: LocalStack, admin: MemberClient
) -> None:
    page = admin.get("/")
    assert page.status_code == 200
    assert '<meta charset="utf-8">' in page.text
    assert '<script src="/static/app.js" defer></script>' in page.text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text) is None
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = requests.get(f"{local_stack.web}/static/app.js", timeout=10)
    assert script.status_code == 200 and "weightedLength" in script.text


def test_a_post_from_the_form_reaches_the_sandbox_once_at_its_minute_and_not_before(
    local_stack: LocalStack, admin: MemberClient
) -> None:
    due = minutes_ahead(5)
    text = f"Scheduled through the form for {due:%H:%M} UTC. #edchat"
    form = {
        "submission_id": admin.form_field("/", "submission_id"),
        "text": text,
        "local_date": due.strftime("%Y-%m-%d"),
        "local_time": due.strftime("%H:%M"),
        "zone": "UTC",
    }
    scheduled = admin.post("/posts", data=form)
    assert scheduled.status_code == 201
    assert f"{due:%Y-%m-%dT%H:%M:%SZ}" in scheduled.text

    def on_sandbox() -> list[str]:
        return [post["text"] for post in sandbox_posts(local_stack, text)]

    tick(local_stack, due - timedelta(minutes=1))
    assert on_sandbox() == []
    tick(local_stack, due)
    assert on_sandbox() == [text]
    tick(local_stack, due + timedelta(minutes=1))
    assert on_sandbox() == [text]

    mine = [p for p in admin.posts() if p["id"] == form["submission_id"]]
    assert mine[0]["status"] == "POSTED"
    assert mine[0]["targets"][0]["url"].startswith("https://x.com/")
    assert mine[0]["due_utc"] == f"{due:%Y-%m-%dT%H:%M:%SZ}"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "漢" * 141}, "text"),
        ({"local_date": "2020-01-01"}, "local_time"),
        ({"local_date": "2030-01-01"}, "local_date"),
        ({"zone": "Mars/Olympus"}, "zone"),
        (
            {"zone": "America/New_York", "local_date": "2027-03-14", "local_time": "02:30"},
            "local_time",
        ),
        (
            {"zone": "America/New_York", "local_date": "2027-11-07", "local_time": "01:30"},
            "local_time",
        ),
    ],
)
def test_bad_input_comes_back_with_a_message_and_stores_nothing(
    admin: MemberClient, change: dict[str, str], field: str
) -> None:
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    form = {
        "submission_id": admin.form_field("/", "submission_id"),
        "text": "Kept as typed <b>even markup</b>",
        "local_date": tomorrow.strftime("%Y-%m-%d"),
        "local_time": "20:00",
        "zone": "UTC",
        **change,
    }
    answer = admin.post("/posts", data=form)

    assert 400 <= answer.status_code < 500
    assert f'id="{field}-error"' in answer.text
    assert escape(form["text"], quote=False) in answer.text  # what was typed is kept, escaped
    assert "<b>even markup</b>" not in answer.text
    assert form["submission_id"] not in [p["id"] for p in admin.posts()]


def test_the_outbox_and_tick_answer_json(local_stack: LocalStack) -> None:
    ticked = requests.post(f"{local_stack.web}/_dev/tick", timeout=60).json()
    assert "PublisherFunction" in ticked["functions"]
    outbox = requests.get(
        f"{local_stack.web}/_dev/outbox", headers={"Accept": "application/json"}, timeout=10
    )
    assert outbox.status_code == 200 and "emails" in outbox.json()


def test_a_crashed_runtime_restarts_with_every_queued_post_still_there(
    local_stack: LocalStack, admin: MemberClient
) -> None:
    due = datetime.now(UTC) + timedelta(days=2)
    form = {
        "submission_id": admin.form_field("/", "submission_id"),
        "text": "Still here after a crash.",
        "local_date": due.strftime("%Y-%m-%d"),
        "local_time": "09:00",
        "zone": "UTC",
    }
    assert admin.post("/posts", data=form).status_code == 201
    before = local_stack.pids()

    os.kill(before["runtime"], signal.SIGKILL)  # the runtime dies mid-flight
    log = local_stack.state_dir / "make-dev-again.log"
    local_stack.wait_until_up(local_stack.start(log), log)

    after = local_stack.pids()
    assert (after["moto"], after["sandbox"]) == (before["moto"], before["sandbox"])
    assert after["runtime"] != before["runtime"]
    assert form["submission_id"] in [p["id"] for p in admin.posts()]
