"""Signing in with a link by email, and out."""

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from chatdeck.domain.errors import InvalidLink
from chatdeck.domain.posts import FieldErrors
from chatdeck.web.pages import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    WebServices,
    base_url,
    cookie,
    form,
    redirect,
    render,
    state,
)


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    @app.get("/signin")
    def signin_page() -> Response[str]:
        if state(app).member is not None:
            return redirect("/")
        return render(app, "signin.html")

    @app.post("/signin")
    def send_link() -> Response[str]:
        email = form(app).get("email", "")
        try:
            services.membership.request_link(email, base_url(app), now())
        except FieldErrors as invalid:
            return render(app, "signin.html", status=422, errors=invalid.errors, email=email)
        return render(app, "signin_sent.html", email=email)

    @app.get("/signin/confirm")
    def confirm_page() -> Response[str]:
        # Never signs in: mail scanners open links. Only the button's POST does.
        token = app.current_event.get_query_string_value("token") or ""
        return render(app, "signin_confirm.html", token=token)

    @app.post("/signin/confirm")
    def confirm() -> Response[str]:
        try:
            signed = services.membership.sign_in(form(app).get("token", ""), now())
        except InvalidLink:
            return render(
                app,
                "message.html",
                status=400,
                title="That link did not work",
                message="Sign-in links work once, for 15 minutes. Ask for a new one.",
                link=("/signin", "Get a new sign-in link"),
            )
        response = redirect("/")
        response.cookies.append(cookie(SESSION_COOKIE, signed.session_token, SESSION_MAX_AGE))
        return response

    @app.post("/signout")
    def signout() -> Response[str]:
        token = state(app).session_token
        if token:
            services.membership.sign_out(token)
        response = redirect("/signin")
        response.cookies.append(cookie(SESSION_COOKIE, "", 0))
        return response
