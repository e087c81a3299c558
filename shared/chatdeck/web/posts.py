"""Scheduling, the queue, editing, cancelling, and approval."""

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from chatdeck.domain.members import Member
from chatdeck.domain.posts import (
    CANCELLABLE,
    FieldErrors,
    Post,
    PostStatus,
    approve_post,
    decline_post,
    edit_post,
    post_from_form,
)
from chatdeck.domain.schedule import known_zones, to_iso_utc
from chatdeck.notices import render_email
from chatdeck.web.pages import (
    BadRequest,
    WebServices,
    admin,
    form,
    json_response,
    redirect,
    render,
    signed_in,
    wants_json,
)

PAGE_SIZE = 25


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
        "targets": [
            {
                "network": post.network,
                "account": post.account,
                "status": post.status.value,
                "url": post.url,
                "reason": post.reason,
            }
        ],
    }


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    def account_choices(member: Member) -> list[tuple[str, str]]:
        choices = [("cohort", "The cohort's X account")]
        own = services.accounts.connection(member.own_account)
        if own is not None:
            choices.append(("mine", f"My own X account (@{own.username})"))
        return choices

    def chosen_account(member: Member, values: dict[str, str]) -> str:
        choice = values.get("account", "cohort")
        if choice == "mine":
            if services.accounts.connection(member.own_account) is None:
                raise FieldErrors(
                    {"account": "Connect your X account first, on the Accounts page."}
                )
            return str(member.own_account)
        if choice != "cohort":
            raise FieldErrors({"account": "Choose an account to post to."})
        return "cohort"

    def needs_approval(member: Member, account: str) -> bool:
        return (
            account == "cohort"
            and not member.is_admin
            and bool(services.cohort_settings.require_approval())
        )

    def show_form(
        member: Member,
        values: dict[str, str],
        status: int = 200,
        post: Post | None = None,
        **extra: Any,
    ) -> Response[str]:
        values = dict(values)
        values.setdefault("submission_id", secrets.token_urlsafe(16))
        values.setdefault("zone", member.zone)
        return render(
            app,
            "form.html",
            status=status,
            values=values,
            zones=sorted(known_zones()),
            accounts=account_choices(member),
            editing=post,
            approval=needs_approval(member, "cohort"),
            **extra,
        )

    def managed_post(post_id: str, member: Member) -> Post:
        post: Post | None = services.posts.get(post_id) if len(post_id) <= 64 else None
        if post is None or not (member.is_admin or post.author_email == member.email):
            raise NotFoundError("No such post.")
        return post

    @app.get("/")
    def new_post() -> Response[str]:
        return show_form(signed_in(app), {})

    @app.post("/posts")
    def schedule() -> Response[str]:
        member = signed_in(app)
        values = form(app)
        try:
            account = chosen_account(member, values)
            post = post_from_form(
                values,
                now(),
                author_name=member.name,
                author_email=member.email,
                account=account,
                needs_approval=needs_approval(member, account),
            )
        except FieldErrors as invalid:
            return show_form(
                member, values, 422, errors=invalid.errors, offset_choices=invalid.offset_choices
            )
        if not services.posts.add(post):  # the same form submitted twice: one post
            existing = services.posts.get(post.id)
            if existing is None or existing.author_email != member.email:
                raise BadRequest("That form was already used; reload the page.", 409)
            post = existing
        return render(
            app, "scheduled.html", status=201, post=post, due_utc=to_iso_utc(post.due_utc)
        )

    @app.get("/posts")
    def queue() -> Response[str]:
        member = signed_in(app)
        cursor = app.current_event.get_query_string_value("after") or None
        author = None if member.is_admin else member.email
        page = services.posts.page(cursor, PAGE_SIZE, author=author)
        listed = [post_as_json(p) for p in page.posts]
        if wants_json(app):
            return json_response({"posts": listed, "next": page.next})
        return render(app, "queue.html", posts=listed, next=page.next)

    @app.get("/posts/<post_id>/edit")
    def edit_page(post_id: str) -> Response[str]:
        member = signed_in(app)
        post = managed_post(post_id, member)
        if post.status not in CANCELLABLE:
            raise BadRequest("This post can no longer be changed: it has already started.", 409)
        values = {
            "text": post.text,
            "local_date": post.local_date.isoformat(),
            "local_time": f"{post.local_time:%H:%M}",
            "zone": post.zone,
            "account": "cohort" if post.account == "cohort" else "mine",
        }
        return show_form(member, values, post=post)

    @app.post("/posts/<post_id>")
    def save_edit(post_id: str) -> Response[str]:
        member = signed_in(app)
        post = managed_post(post_id, member)
        values = form(app)
        if post.status not in CANCELLABLE:
            raise BadRequest("This post can no longer be changed: it has already started.", 409)
        author = services.membership.member(post.author_email) or member
        try:
            account = chosen_account(author, values)
            edited = edit_post(
                post,
                values,
                now(),
                account=account,
                # An admin's edit keeps a waiting post waiting: approving is its own step.
                needs_approval=post.status is PostStatus.PENDING_APPROVAL
                if member.is_admin
                else needs_approval(author, account),
            )
        except FieldErrors as invalid:
            return show_form(
                member,
                values,
                422,
                post=post,
                errors=invalid.errors,
                offset_choices=invalid.offset_choices,
            )
        if not services.posts.replace(edited, post.status):
            raise BadRequest("This post changed while you edited it; it was not saved.", 409)
        return redirect("/posts")

    @app.post("/posts/<post_id>/cancel")
    def cancel(post_id: str) -> Response[str]:
        managed_post(post_id, signed_in(app))
        if services.posts.cancel(post_id) is None:
            raise BadRequest("This post can no longer be cancelled: it has already started.", 409)
        return redirect("/posts")

    @app.post("/posts/<post_id>/approve")
    def approve(post_id: str) -> Response[str]:
        managed_post(post_id, admin(app))
        post = services.posts.get(post_id)
        if post is None or post.status is not PostStatus.PENDING_APPROVAL:
            raise BadRequest("This post is not waiting for approval.", 409)
        values = form(app)
        if values.get("local_date") or values.get("local_time"):
            try:  # the admin picked a new time
                post = edit_post(
                    post,
                    values | {"text": post.text},
                    now(),
                    account=post.account,
                    needs_approval=False,
                )
            except FieldErrors as invalid:
                raise BadRequest(" ".join(invalid.errors.values())) from None
        if not services.posts.replace(approve_post(post, now()), PostStatus.PENDING_APPROVAL):
            raise BadRequest("This post is no longer waiting for approval.", 409)
        return redirect("/posts")

    @app.post("/posts/<post_id>/decline")
    def decline(post_id: str) -> Response[str]:
        approver = admin(app)
        post = managed_post(post_id, approver)
        if post.status is not PostStatus.PENDING_APPROVAL:
            raise BadRequest("This post is not waiting for approval.", 409)
        try:
            declined = decline_post(post, form(app).get("reason", ""))
        except FieldErrors as invalid:
            raise BadRequest(invalid.errors["reason"]) from None
        if not services.posts.replace(declined, PostStatus.PENDING_APPROVAL):
            raise BadRequest("This post is no longer waiting for approval.", 409)
        email = render_email("post_declined", [post.author_email], post=declined, admin=approver)
        services.notices.send_once(f"post-declined#{post.id}", email)
        return redirect("/posts")
