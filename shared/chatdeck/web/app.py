"""The web app: the scheduling form, the queue (HTML or JSON) and cancelling, on the HTTP API."""

import base64
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from jinja2 import Environment, PackageLoader, select_autoescape

from chatdeck.adapters.dynamodb import InvalidCursor
from chatdeck.domain.posts import FieldErrors, Post, post_from_form
from chatdeck.domain.schedule import known_zones, to_iso_utc
from chatdeck.domain.text import MAX_WEIGHTED_LENGTH
from chatdeck.ports import PostStore

MAX_BODY_BYTES = 16 * 1024
PAGE_SIZE = 25
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
STATIC_TYPES = {"app.js": "text/javascript", "style.css": "text/css"}
FORM_FIELDS = ("text", "author_name", "author_email", "local_date", "local_time", "zone")


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@lru_cache(maxsize=1)
def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("chatdeck.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["max_length"] = MAX_WEIGHTED_LENGTH
    return env


def html(name: str, status: int = 200, **context: Any) -> Response[str]:
    body = templates().get_template(name).render(**context)
    return Response(
        status_code=status,
        content_type="text/html; charset=utf-8",
        body=body,
        headers=dict(SECURITY_HEADERS),
    )


def redirect(location: str) -> Response[str]:
    return Response(status_code=303, body="", headers={"Location": location, **SECURITY_HEADERS})


def post_as_json(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "text": post.text,
        "status": post.status.value,
        "reason": post.reason,
        "due_utc": to_iso_utc(post.due_utc),
        "local_time": f"{post.local_date.isoformat()}T{post.local_time:%H:%M}{post.utc_offset}",
        "zone": post.zone,
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


def create_app(posts: PostStore, now: Callable[[], datetime]) -> APIGatewayHttpResolver:
    """`posts` stores posts; `now()` gives the current instant."""
    app = APIGatewayHttpResolver()

    def form_body() -> dict[str, str]:
        event = app.current_event
        raw = event.body or ""
        data = base64.b64decode(raw) if event.is_base64_encoded else raw.encode()
        if len(data) > MAX_BODY_BYTES:
            raise BadRequest("That request is too large.", 413)
        content_type = (event.headers or {}).get("content-type", "")
        if "application/x-www-form-urlencoded" not in content_type:
            raise BadRequest("Send the form as application/x-www-form-urlencoded.", 415)
        return dict(parse_qsl(data.decode("utf-8", "replace"), keep_blank_values=True))

    def new_form(values: dict[str, str] | None = None, **context: Any) -> dict[str, Any]:
        values = dict(values or {})
        values.setdefault("submission_id", secrets.token_urlsafe(16))
        values.setdefault("zone", "UTC")
        return {"values": values, "zones": sorted(known_zones()), **context}

    @app.get("/")
    def show_form() -> Response[str]:
        return html("form.html", **new_form())

    @app.post("/posts")
    def schedule() -> Response[str]:
        form = form_body()
        try:
            post = post_from_form(form, now())
        except FieldErrors as invalid:
            context = new_form(form, errors=invalid.errors, offset_choices=invalid.offset_choices)
            return html("form.html", status=422, **context)
        if not posts.add(post):  # the same form submitted twice: one post
            existing = posts.get(post.id)
            if existing is None:
                raise BadRequest("That form was already used; reload the page.", 409)
            post = existing
        return html("scheduled.html", status=201, post=post, due_utc=to_iso_utc(post.due_utc))

    @app.get("/posts")
    def queue() -> Response[str]:
        cursor = app.current_event.get_query_string_value("after") or None
        page = posts.page(cursor, PAGE_SIZE)
        accept = (app.current_event.headers or {}).get("accept", "")
        if "application/json" in accept and "text/html" not in accept:
            body = {"posts": [post_as_json(p) for p in page.posts], "next": page.next}
            return Response(
                status_code=200,
                content_type="application/json",
                body=json.dumps(body),
                headers=dict(SECURITY_HEADERS),
            )
        return html("queue.html", posts=[post_as_json(p) for p in page.posts], next=page.next)

    @app.post("/posts/<post_id>/cancel")
    def cancel(post_id: str) -> Response[str]:
        form_body()
        if posts.cancel(post_id) is not None:
            return redirect("/posts")
        if posts.get(post_id) is None:
            raise NotFoundError("No such post.")
        raise BadRequest("This post can no longer be cancelled: it has already started.", 409)

    @app.get("/static/<name>")
    def static(name: str) -> Response[str]:
        if name not in STATIC_TYPES:
            raise NotFoundError("No such file.")
        body = resources.files("chatdeck.web").joinpath("static", name).read_text("utf-8")
        return Response(
            status_code=200,
            content_type=STATIC_TYPES[name],
            body=body,
            headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
        )

    @app.exception_handler(BadRequest)  # type: ignore[untyped-decorator]
    def bad_request(error: BadRequest) -> Response[str]:
        return html("message.html", status=error.status, title="Not done", message=str(error))

    @app.exception_handler(InvalidCursor)  # type: ignore[untyped-decorator]
    def bad_cursor(error: InvalidCursor) -> Response[str]:
        return html("message.html", status=400, title="Not done", message=str(error))

    @app.not_found
    def not_found(error: NotFoundError) -> Response[str]:
        message = error.msg if error.msg != "Not found" else "There is no page here."
        return html("message.html", status=404, title="Not found", message=message)

    return app
