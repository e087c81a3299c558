"""Signing in with a link by email, and out.

The confirm page names the account the link signs in to, and refuses (409, nothing changed, the
link still usable) while the browser is signed in as another member, offering to sign out first.
Signing in leaves a long-lived "known browser" cookie, signed and naming the member only by a
keyed hash: that browser's requests for links are counted apart from anyone else's.
"""

import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from chatdeck.domain.errors import InvalidLink, SignedInAsOther
from chatdeck.domain.posts import FieldErrors
from chatdeck.web.pages import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    WebServices,
    base_url,
    cookie,
    cookies,
    form,
    redirect,
    render,
    state,
)

KNOWN_BROWSER_COOKIE = "__Host-chatdeck-known"
# Where sign-out may go on to: back to the confirm page of a link, nowhere else.
CONFIRM_PAGE = re.compile(r"/signin/confirm\?token=[A-Za-z0-9_-]{1,128}")


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    def link_failed() -> Response[str]:
        return render(
            app,
            "message.html",
            status=400,
            title="That link did not work",
            message="Sign-in links work once, for 15 minutes, and only the newest one sent. "
            "Ask for a new one.",
            link=("/signin", "Get a new sign-in link"),
        )

    def signed_in_as_other(refused: SignedInAsOther, token: str) -> Response[str]:
        return render(
            app,
            "signin_other.html",
            status=409,
            signed_in=refused.signed_in,
            account=refused.link_for,
            next=f"/signin/confirm?token={quote(token, safe='')}",
        )

    @app.get("/signin")
    def signin_page() -> Response[str]:
        if state(app).member is not None:
            return redirect("/")
        return render(app, "signin.html")

    @app.post("/signin")
    def send_link() -> Response[str]:
        email = form(app).get("email", "")
        known = cookies(app).get(KNOWN_BROWSER_COOKIE, "")
        try:
            services.membership.request_link(email, base_url(app), now(), known_browser=known)
        except FieldErrors as invalid:
            return render(app, "signin.html", status=422, errors=invalid.errors, email=email)
        return render(app, "signin_sent.html", email=email)

    @app.get("/signin/confirm")
    def confirm_page() -> Response[str]:
        # Never signs in: mail scanners open links. Only the button's POST does.
        token = app.current_event.get_query_string_value("token") or ""
        account = services.membership.link_account(token, now())
        if account is None:
            return link_failed()
        member = state(app).member
        if member is not None and member.email != account:
            return signed_in_as_other(SignedInAsOther(member.email, account), token)
        return render(app, "signin_confirm.html", token=token, account=account)

    @app.post("/signin/confirm")
    def confirm() -> Response[str]:
        token = form(app).get("token", "")
        request = state(app)
        try:
            signed = services.membership.sign_in(token, now(), signed_in_as=request.member)
        except SignedInAsOther as refused:
            return signed_in_as_other(refused, token)
        except InvalidLink:
            return link_failed()
        if request.session_token:  # the same member again: their old session ends
            services.membership.sign_out(request.session_token)
        response = redirect("/")
        response.cookies.append(cookie(SESSION_COOKIE, signed.session_token, SESSION_MAX_AGE))
        # Imported here, where sign_in has loaded it: at the top it brought the membership
        # service and the notices and digests it sends into every cold start (~40 ms).
        from chatdeck.services.membership import KNOWN_BROWSER_LIFETIME

        known_for = int(KNOWN_BROWSER_LIFETIME.total_seconds())
        response.cookies.append(cookie(KNOWN_BROWSER_COOKIE, signed.known_browser, known_for))
        return response

    @app.post("/signout")
    def signout() -> Response[str]:
        token = state(app).session_token
        if token:
            services.membership.sign_out(token)
        following = form(app).get("next", "")
        response = redirect(following if CONFIRM_PAGE.fullmatch(following) else "/signin")
        response.cookies.append(cookie(SESSION_COOKIE, "", 0))
        return response
