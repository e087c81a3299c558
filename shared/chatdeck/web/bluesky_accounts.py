"""Connecting Bluesky accounts with a handle and an app password, the cohort's (admins) and
one's own, on the Accounts page: parse, call the service, render.

The Accounts page (web/accounts.py) includes `accounts_bluesky.html`, which asks the template
global `bluesky_accounts_of(member)` for the member's own and the cohort's connections; it is
registered here and reads only the store, so the page never loads atproto. A connect that fails
shows the page again (400) with Bluesky's reason and the handle as typed, never the password.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from chatdeck.domain.accounts import Connection
from chatdeck.domain.errors import ConnectError
from chatdeck.domain.members import Member
from chatdeck.services.bluesky_accounts import BlueskyAccounts, HasBlueskyAccounts
from chatdeck.web.pages import WebServices, form, redirect, render, signed_in, template_global


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    def bluesky() -> BlueskyAccounts:
        return cast(HasBlueskyAccounts, services).bluesky_accounts

    def connections(member: Member | None) -> tuple[Connection | None, Connection | None]:
        return bluesky().connected(member) if member is not None else (None, None)

    template_global("bluesky_accounts_of", connections)

    def accounts_page(status: int, **extra: Any) -> Response[str]:
        own, cohort = services.accounts.connected(signed_in(app))
        return render(app, "accounts.html", status=status, own=own, cohort=cohort, **extra)

    @app.post("/accounts/bluesky/connect")
    def connect() -> Response[str]:
        member = signed_in(app)
        fields = form(app)
        which = fields.get("account", "mine")
        try:
            bluesky().connect_for(
                member, which, fields.get("handle", ""), fields.get("app_password", "")
            )
        except ConnectError as failed:
            return accounts_page(
                400,
                bluesky_error=failed.message,
                bluesky_which=which,
                bluesky_handle=fields.get("handle", "")[:256],
            )
        return redirect("/accounts")

    @app.post("/accounts/bluesky/disconnect")
    def disconnect() -> Response[str]:
        bluesky().disconnect_for(signed_in(app), form(app).get("account", "mine"))
        return redirect("/accounts")
