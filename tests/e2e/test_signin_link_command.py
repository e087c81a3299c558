"""`make signin-link EMAIL=...` against the local stack: a sign-in link without email, only the
link on standard output; nothing there, and a non-zero exit, for a stranger or without a stack."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.browser.helpers import ADMIN, email_ids
from tests.e2e.conftest import LocalStack
from tests.e2e.member_client import MemberClient

pytestmark = pytest.mark.e2e


def make_signin_link(env: dict[str, str], email: str) -> subprocess.CompletedProcess[str]:
    """What a person types at a shell (not inside another make: no MAKELEVEL, so make says
    nothing of directories)."""
    shell = {k: v for k, v in env.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(  # noqa: S603 - make, our own Makefile
        ["make", "signin-link", f"EMAIL={email}"],  # noqa: S607 - make from PATH, as people run it
        cwd=ROOT,
        env=shell,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_admin_gets_one_line_the_link_which_signs_in(local_stack: LocalStack) -> None:
    emails_before = email_ids(local_stack)

    result = make_signin_link(local_stack.env, ADMIN)

    assert result.returncode == 0, result.stderr
    (link,) = result.stdout.splitlines()
    assert result.stdout == link + "\n"
    assert re.fullmatch(
        rf"{re.escape(local_stack.web)}/signin/confirm\?token=[A-Za-z0-9_-]{{40,}}", link
    ), link
    assert email_ids(local_stack) == emails_before  # no email

    person = MemberClient(local_stack)
    page = person.get(link.removeprefix(local_stack.web))
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and token, page.text
    signed = person.post("/signin/confirm", data={"token": token.group(1)})
    assert signed.status_code == 303, signed.text
    assert person.get("/").status_code == 200
    again = MemberClient(local_stack).post("/signin/confirm", data={"token": token.group(1)})
    assert again.status_code == 400  # single use


def test_a_stranger_gets_nothing_on_stdout_and_a_non_zero_exit(local_stack: LocalStack) -> None:
    result = make_signin_link(local_stack.env, "stranger@elsewhere.example")

    assert result.returncode != 0
    assert result.stdout == ""
    assert "not a member" in result.stderr
    assert "stranger@elsewhere.example" not in result.stderr  # the function's logs included


def test_without_a_running_stack_it_says_so_on_stderr_only(tmp_path: Path) -> None:
    env = {**os.environ, "DEVSTACK_STATE_DIR": str(tmp_path)}

    result = make_signin_link(env, ADMIN)

    assert result.returncode != 0
    assert result.stdout == ""
    assert "not running" in result.stderr and "make dev" in result.stderr
