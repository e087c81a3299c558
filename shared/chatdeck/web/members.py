"""The cohort's members and each member's profile: parse, call the service, render."""

from collections.abc import Callable
from datetime import datetime
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from chatdeck.domain.members import LANGUAGES, Role
from chatdeck.domain.posts import FieldErrors
from chatdeck.domain.schedule import known_zones
from chatdeck.web.pages import (
    SESSION_COOKIE,
    WebServices,
    admin,
    base_url,
    cookie,
    form,
    redirect,
    render,
    signed_in,
)


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    def members_page(status: int = 200, **extra: object) -> Response[str]:
        after = app.current_event.get_query_string_value("after") or None
        page = services.membership.members_page(admin(app), after)
        return render(
            app,
            "members.html",
            status=status,
            members=page.members,
            next=page.following,
            failed_emails=page.failed_emails,
            deploy_admins=services.membership.admins,
            zones=sorted(known_zones()),
            **extra,
        )

    @app.get("/members")
    def members() -> Response[str]:
        return members_page()

    @app.post("/members")
    def invite() -> Response[str]:
        values = form(app)
        try:
            services.membership.invite(admin(app), values, base_url(app), now())
        except FieldErrors as invalid:
            return members_page(422, errors=invalid.errors, values=values)
        return redirect("/members")

    @app.post("/members/<email>/remove")
    def remove(email: str) -> Response[str]:
        cancel = form(app).get("queued") == "cancel"
        services.membership.remove(admin(app), unquote(email), cancel_queued=cancel)
        return redirect("/members")

    @app.post("/members/<email>/role")
    def set_role(email: str) -> Response[str]:
        role = Role.ADMIN if form(app).get("role") == "admin" else Role.MEMBER
        services.membership.set_role(admin(app), unquote(email), role)
        return redirect("/members")

    @app.get("/me")
    def profile() -> Response[str]:
        member = signed_in(app)
        values = {"name": member.name, "zone": member.zone, "language": member.language}
        return render(
            app, "profile.html", values=values, zones=sorted(known_zones()), languages=LANGUAGES
        )

    @app.post("/me/signout-everywhere")
    def sign_out_everywhere() -> Response[str]:
        services.membership.sign_out_everywhere(signed_in(app), now())
        response = redirect("/signin")
        response.cookies.append(cookie(SESSION_COOKIE, "", 0))
        return response

    @app.post("/me")
    def save_profile() -> Response[str]:
        values = form(app)
        try:
            services.membership.update_profile(signed_in(app), values, now())
        except FieldErrors as invalid:
            return render(
                app,
                "profile.html",
                status=422,
                values=values,
                errors=invalid.errors,
                zones=sorted(known_zones()),
                languages=LANGUAGES,
            )
        return render(
            app,
            "profile.html",
            values=values,
            saved=True,
            zones=sorted(known_zones()),
            languages=LANGUAGES,
        )
