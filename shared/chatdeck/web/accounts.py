"""Connecting X accounts through OAuth 2.0 with PKCE, the cohort's (admins) and one's own: parse,
call the service, render."""

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from chatdeck.domain.errors import ConnectError
from chatdeck.web.pages import WebServices, base_url, form, redirect, render, signed_in


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    def accounts_page(status: int = 200, **extra: object) -> Response[str]:
        own, cohort = services.accounts.connected(signed_in(app))
        return render(app, "accounts.html", status=status, own=own, cohort=cohort, **extra)

    @app.get("/accounts")
    def accounts_list() -> Response[str]:
        return accounts_page()

    @app.post("/accounts/connect")
    def connect() -> Response[str]:
        member = signed_in(app)
        callback = f"{base_url(app)}/accounts/callback"
        return redirect(
            services.accounts.connect_url(member, form(app).get("account", "mine"), callback)
        )

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
        services.accounts.disconnect_for(signed_in(app), form(app).get("account", "mine"))
        return redirect("/accounts")
