"""Connecting Mastodon accounts on any instance, the cohort's (admins) and one's own, on the
Accounts page: parse, call the service, render.

The Accounts page (web/accounts.py) includes `accounts_mastodon.html`, which asks the template
global `mastodon_accounts_of(member)` for the member's own and the cohort's connections (the
store only: the page never loads Mastodon.py). The member types their server's address; the
connect button redirects to that server's authorize page, which comes back to
`/accounts/mastodon/callback`. A connect that fails shows the page again (400) with the reason
and the address as typed.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from chatdeck.domain.accounts import Connection
from chatdeck.domain.errors import ConnectError
from chatdeck.domain.members import Member
from chatdeck.services.mastodon_accounts import (
    CALLBACK_PATH,
    HasMastodonAccounts,
    MastodonAccounts,
)
from chatdeck.web.pages import (
    WebServices,
    base_url,
    form,
    redirect,
    render,
    signed_in,
    template_global,
)


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    def mastodon() -> MastodonAccounts:
        return cast(HasMastodonAccounts, services).mastodon_accounts

    def connections(member: Member | None) -> tuple[Connection | None, Connection | None]:
        return mastodon().connected(member) if member is not None else (None, None)

    template_global("mastodon_accounts_of", connections)

    def accounts_page(status: int, **extra: Any) -> Response[str]:
        own, cohort = services.accounts.connected(signed_in(app))
        return render(app, "accounts.html", status=status, own=own, cohort=cohort, **extra)

    @app.post("/accounts/mastodon/connect")
    def connect() -> Response[str]:
        member = signed_in(app)
        fields = form(app)
        which = fields.get("account", "mine")
        typed = fields.get("instance", "")[:256]
        try:
            url = mastodon().connect_url(member, which, typed, f"{base_url(app)}{CALLBACK_PATH}")
        except ConnectError as failed:
            return accounts_page(
                400, mastodon_error=failed.message, mastodon_which=which, mastodon_instance=typed
            )
        return redirect(url)

    @app.get(CALLBACK_PATH)
    def callback() -> Response[str]:
        member = signed_in(app)
        event = app.current_event
        try:
            mastodon().complete_connect(
                state=event.get_query_string_value("state") or "",
                code=event.get_query_string_value("code"),
                error=event.get_query_string_value("error"),
                member_email=member.email,
            )
        except ConnectError as failed:
            return accounts_page(400, mastodon_error=failed.message)
        return redirect("/accounts")

    @app.post("/accounts/mastodon/disconnect")
    def disconnect() -> Response[str]:
        mastodon().disconnect_for(signed_in(app), form(app).get("account", "mine"))
        return redirect("/accounts")
