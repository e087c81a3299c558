"""Scheduling, the queue, editing, cancelling, and approval: parse, call the service, render.

The form says what a post costs the cohort on X (a link $0.20) and what is left of the month's X
spending cap; the settings page shows the month's X spending and sets the cap
(services/x_spending.py)."""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from chatdeck.domain.limits import X_RULE, LengthRule
from chatdeck.domain.members import Member
from chatdeck.domain.posts import FieldErrors, Post
from chatdeck.domain.schedule import known_zones, to_iso_utc
from chatdeck.domain.spending import CAP_FIELD, post_kind
from chatdeck.web.pages import (
    WebServices,
    admin,
    form,
    json_response,
    redirect,
    render,
    signed_in,
    wants_json,
)

if TYPE_CHECKING:  # the service's module (its notices and digests) loads with the service
    from chatdeck.services.posts import PostForm


def post_as_json(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "text": post.text,
        "status": post.status.value,
        "reason": post.reason,
        "due_utc": to_iso_utc(post.due_utc),
        "local_time": f"{post.local_date.isoformat()}T{post.local_time:%H:%M}{post.utc_offset}",
        "zone": post.zone,
        "author": post.author_name,
        "version": post.version,
        "targets": [
            {
                "network": t.network,
                "account": t.account,
                "status": t.status.value,
                "url": t.url,
                "reason": t.reason,
            }
            for t in post.targets
        ],
    }


def _rules(shown: "PostForm") -> dict[str, LengthRule]:
    """One length rule per network offered (the strictest, when two accounts' differ)."""
    rules: dict[str, LengthRule] = {}
    for choice in shown.targets or []:
        known = rules.get(choice.network)
        if known is None or choice.rule.limit < known.limit:
            rules[choice.network] = choice.rule
    return rules or {X_RULE.network: X_RULE}


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    def show_form(shown: "PostForm", status: int = 200) -> Response[str]:
        rules = _rules(shown)
        on_x = "x" in rules
        return render(
            app,
            "form.html",
            status=status,
            values=shown.values,
            zones=sorted(known_zones()),
            targets=shown.targets,
            chosen=shown.chosen,
            rules=rules,
            x_spending=services.x_spending.summary(now()) if on_x else None,
            has_link=on_x and post_kind(shown.values.get("text") or "") == "link_post",
            editing=shown.editing,
            approval=shown.approval,
            errors=shown.errors or None,
            offset_choices=shown.offset_choices,
        )

    def corrected(
        member: Member, values: dict[str, str], invalid: FieldErrors, post_id: str | None = None
    ) -> Response[str]:
        return show_form(services.scheduling.form(member, values, post_id, invalid), 422)

    @app.get("/")
    def new_post() -> Response[str]:
        return show_form(services.scheduling.form(signed_in(app)))

    @app.post("/posts")
    def schedule() -> Response[str]:
        member, values = signed_in(app), form(app)
        try:
            post = services.scheduling.schedule(member, values, now())
        except FieldErrors as invalid:
            return corrected(member, values, invalid)
        return render(
            app, "scheduled.html", status=201, post=post, due_utc=to_iso_utc(post.due_utc)
        )

    @app.get("/posts")
    def queue() -> Response[str]:
        cursor = app.current_event.get_query_string_value("after") or None
        page = services.scheduling.queue(signed_in(app), cursor)
        listed = [post_as_json(p) for p in page.posts]
        if wants_json(app):
            return json_response({"posts": listed, "next": page.next})
        return render(app, "queue.html", posts=listed, next=page.next)

    @app.get("/posts/<post_id>/edit")
    def edit_page(post_id: str) -> Response[str]:
        return show_form(services.scheduling.form(signed_in(app), post_id=post_id))

    @app.post("/posts/<post_id>")
    def save_edit(post_id: str) -> Response[str]:
        member, values = signed_in(app), form(app)
        try:
            services.scheduling.edit(member, post_id, values, now())
        except FieldErrors as invalid:
            return corrected(member, values, invalid, post_id)
        return redirect("/posts")

    @app.post("/posts/<post_id>/cancel")
    def cancel(post_id: str) -> Response[str]:
        services.scheduling.cancel(signed_in(app), post_id)
        return redirect("/posts")

    @app.post("/posts/<post_id>/approve")
    def approve(post_id: str) -> Response[str]:
        values = form(app)
        services.scheduling.approve(admin(app), post_id, values.get("version"), values, now())
        return redirect("/posts")

    @app.post("/posts/<post_id>/decline")
    def decline(post_id: str) -> Response[str]:
        values = form(app)
        services.scheduling.decline(
            admin(app), post_id, values.get("version"), values.get("reason", "")
        )
        return redirect("/posts")

    def show_settings(
        typed_cap: str | None = None, invalid: FieldErrors | None = None
    ) -> Response[str]:
        summary = services.x_spending.summary(now())
        return render(
            app,
            "settings.html",
            status=422 if invalid else 200,
            require_approval=services.scheduling.approval_required(),
            members_post_to_cohort=services.scheduling.members_post_to_cohort(),
            x=summary,
            x_cap=typed_cap
            if typed_cap is not None
            else ""
            if summary.cap is None
            else summary.cap,
            errors=invalid.errors if invalid else None,
        )

    @app.get("/settings")
    def settings_page() -> Response[str]:
        admin(app)
        return show_settings()

    @app.post("/settings")
    def save_settings() -> Response[str]:
        chosen, member = form(app), admin(app)
        if CAP_FIELD in chosen:  # first: a cap that is not one saves nothing at all
            try:
                services.x_spending.set_cap(member, chosen[CAP_FIELD])
            except FieldErrors as invalid:
                return show_settings(chosen[CAP_FIELD], invalid)
        services.scheduling.set_approval_required(member, chosen.get("require_approval") == "on")
        allowed = chosen.get("members_post_to_cohort") == "on"
        services.scheduling.set_members_post_to_cohort(member, allowed)
        return redirect("/settings")
