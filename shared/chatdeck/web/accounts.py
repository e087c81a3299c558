"""Connecting X accounts through OAuth 2.0 with PKCE: the cohort's (admins) and one's own."""

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from chatdeck.accounts import ConnectError
from chatdeck.domain.members import Member
from chatdeck.web.pages import Forbidden, WebServices, base_url, form, redirect, render, signed_in


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    def account_for(member: Member, which: str) -> str:
        if which == "cohort":
            if not member.is_admin:
                raise Forbidden("Only an admin can connect or disconnect the cohort's account.")
            return "cohort"
        return member.own_account

    def accounts_page(status: int = 200, **extra: object) -> Response[str]:
        member = signed_in(app)
        return render(
            app,
            "accounts.html",
            status=status,
            own=services.accounts.connection(member.own_account),
            cohort=services.accounts.connection("cohort"),
            **extra,
        )

    @app.get("/accounts")
    def accounts() -> Response[str]:
        return accounts_page()

    @app.post("/accounts/connect")
    def connect() -> Response[str]:
        member = signed_in(app)
        account = account_for(member, form(app).get("account", "mine"))
        callback = f"{base_url(app)}/accounts/callback"
        return redirect(services.accounts.begin_connect(member.email, account, callback))

    @app.get("/accounts/callback")
    def callback() -> Response[str]:
        member = signed_in(app)
        event = app.current_event
        url = f"{base_url(app)}/accounts/callback?{event.raw_query_string}"
        try:
            services.accounts.complete_connect(
                state=event.get_query_string_value("state") or "",
                code=event.get_query_string_value("code"),
                error=event.get_query_string_value("error"),
                callback_url=url,
                member_email=member.email,
            )
        except ConnectError as failed:
            return accounts_page(400, error=str(failed))
        return redirect("/accounts")

    @app.post("/accounts/disconnect")
    def disconnect() -> Response[str]:
        account = account_for(signed_in(app), form(app).get("account", "mine"))
        services.accounts.disconnect(account)
        return redirect("/accounts")
