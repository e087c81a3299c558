"""The chat calendar: chats in each member's time zone, subscriptions, iCal feeds, digests."""

import hmac
import re
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from chatdeck.action_tokens import InvalidToken
from chatdeck.domain.chats import (
    SESSION_START,
    Chat,
    Occurrence,
    Subscription,
    chat_from_form,
    clean_questions,
    occurrences,
    session_path,
)
from chatdeck.domain.posts import FieldErrors
from chatdeck.domain.schedule import known_zones
from chatdeck.web.pages import (
    BadRequest,
    WebServices,
    admin,
    base_url,
    form,
    redirect,
    render,
    signed_in,
)

UPCOMING = timedelta(weeks=5)
EXPIRED_LINK = "This unsubscribe link is not valid any more; sign in to change your subscriptions."


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    def chat_or_404(chat_id: str) -> Chat:
        chat: Chat | None = services.chats.get(chat_id) if len(chat_id) <= 64 else None
        if chat is None:
            raise NotFoundError("No such chat.")
        return chat

    def chat_form(
        values: dict[str, str], errors: dict[str, str] | None = None, editing: Chat | None = None
    ) -> Response[str]:
        """The chat form, empty, being corrected (422), or holding a chat to change."""
        return render(
            app,
            "chat_form.html",
            status=422 if errors else 200,
            values=values,
            errors=errors,
            editing=editing,
            zones=sorted(known_zones()),
        )

    def feed_url(suffix: str) -> str:
        return f"{base_url(app)}/calendar/{services.chats.feed_token()}/{suffix}"

    def local(occurrence: Occurrence, zone: str) -> dict[str, Any]:
        start = occurrence.start_utc.astimezone(ZoneInfo(zone))
        return {"occurrence": occurrence, "start": start, "path": session_path(occurrence)}

    @app.get("/chats")
    def calendar() -> Response[str]:
        member = signed_in(app)
        today = now()
        rows = []
        for chat in services.chats.all():
            upcoming = occurrences(chat, today, today + UPCOMING)
            rows.append(
                {
                    "chat": chat,
                    "next": local(upcoming[0], member.zone) if upcoming else None,
                    "subscription": services.chats.subscription(chat.id, member.email),
                }
            )
        rows.sort(
            key=lambda r: (
                r["next"]["start"] if r["next"] else datetime.max.replace(tzinfo=today.tzinfo)
            )
        )
        return render(app, "chats.html", rows=rows, feed_url=feed_url("all.ics"))

    @app.get("/chats/new")
    def new_chat() -> Response[str]:
        admin(app)
        return chat_form({"zone": "America/New_York"})

    @app.post("/chats")
    def create_chat() -> Response[str]:
        admin(app)
        values = form(app)
        # The id is the hashtag in URL-safe letters (#café_chat -> caf_chat), or a random one.
        slug = re.sub(r"[^a-z0-9_-]", "", values.get("hashtag", "").lower())[:64]
        chat_id = slug or secrets.token_hex(4)
        try:
            chat = chat_from_form(values, chat_id=chat_id)
        except FieldErrors as invalid:
            return chat_form(values, invalid.errors)
        if services.chats.get(chat.id) is not None:
            return chat_form(values, {"hashtag": f"The cohort already follows {chat.hashtag}."})
        services.chats.save(chat)
        return redirect(f"/chats/{chat.id}")

    @app.get("/chats/<chat_id>/edit")
    def edit_chat(chat_id: str) -> Response[str]:
        admin(app)
        chat = chat_or_404(chat_id)
        return chat_form(_form_values(chat), editing=chat)

    @app.post("/chats/<chat_id>")
    def save_chat(chat_id: str) -> Response[str]:
        admin(app)
        stored = chat_or_404(chat_id)
        values = form(app)
        try:
            edited = chat_from_form(values, chat_id=chat_id)
        except FieldErrors as invalid:
            return chat_form(values, invalid.errors, editing=stored)
        # Skipped sessions and planned questions are managed on the chat's page, not here.
        services.chats.save(
            edited.model_copy(update={"skipped": stored.skipped, "questions": stored.questions})
        )
        return redirect(f"/chats/{chat_id}")

    @app.post("/chats/<chat_id>/remove")
    def remove_chat(chat_id: str) -> Response[str]:
        admin(app)
        chat_or_404(chat_id)
        services.chats.remove(chat_id)
        return redirect("/chats")

    @app.get("/chats/<chat_id>")
    def chat_page(chat_id: str) -> Response[str]:
        member = signed_in(app)
        chat = chat_or_404(chat_id)
        today = now()
        upcoming = [local(o, member.zone) for o in occurrences(chat, today, today + UPCOMING)]
        past = [local(o, member.zone) for o in occurrences(chat, today - UPCOMING, today)]
        return render(
            app,
            "chat.html",
            chat=chat,
            upcoming=upcoming,
            past=list(reversed(past)),
            subscription=services.chats.subscription(chat.id, member.email)
            or Subscription(chat_id=chat.id, email=member.email, reminders=False, digests=False),
            feed_url=feed_url(f"{chat.id}.ics"),
        )

    @app.post("/chats/<chat_id>/skip")
    def skip(chat_id: str) -> Response[str]:
        admin(app)
        chat = chat_or_404(chat_id)
        day = _local_date(form(app).get("local_date", ""))
        if not chat.recurrence.falls_on(day):
            raise BadRequest(f"{chat.name} has no session on {day:%a %d %b %Y}.")
        services.chats.skip(chat_id, day)
        return redirect(f"/chats/{chat_id}")

    @app.post("/chats/<chat_id>/questions")
    def questions(chat_id: str) -> Response[str]:
        admin(app)
        chat = chat_or_404(chat_id)
        values = form(app)
        day = _local_date(values.get("local_date", ""))
        if not chat.recurrence.falls_on(day):
            raise BadRequest(f"{chat.name} has no session on {day:%a %d %b %Y}.")
        try:
            lines = clean_questions(values.get("questions", "").splitlines())
        except ValueError as invalid:
            raise BadRequest(str(invalid)) from None
        services.chats.set_questions(chat_id, day, lines)
        return redirect(f"/chats/{chat_id}")

    @app.post("/chats/<chat_id>/subscription")
    def subscribe(chat_id: str) -> Response[str]:
        member = signed_in(app)
        chat_or_404(chat_id)
        values = form(app)
        try:
            lead = int(values.get("lead_minutes") or 30)
        except ValueError:
            raise BadRequest("Choose how many minutes before the chat to be reminded.") from None
        if not 5 <= lead <= 1440:
            raise BadRequest("Reminders can come 5 minutes to a day before a chat.")
        services.chats.subscribe(
            Subscription(
                chat_id=chat_id,
                email=member.email,
                reminders=values.get("reminders") == "on",
                digests=values.get("digests") == "on",
                lead_minutes=lead,
            )
        )
        return redirect(f"/chats/{chat_id}")

    @app.get("/calendar/<token>/<file>")
    def feed(token: str, file: str) -> Response[str]:
        if not hmac.compare_digest(token.encode(), services.chats.feed_token().encode()):
            raise NotFoundError("No such calendar.")
        chats = services.chats.all()
        if file != "all.ics":
            chats = [c for c in chats if f"{c.id}.ics" == file]
            if not chats:
                raise NotFoundError("No such calendar.")
        name = "Chatdeck: the cohort's chats" if file == "all.ics" else chats[0].name
        return Response(
            status_code=200,
            content_type="text/calendar; charset=utf-8",
            body=services.calendar_feed(chats, name).decode("utf-8"),
            headers={"Cache-Control": "private, max-age=900"},
        )

    @app.get("/sessions/<chat_id>/<start>")
    def session_page(chat_id: str, start: str) -> Response[str]:
        signed_in(app)
        chat = chat_or_404(chat_id)
        try:
            when = datetime.strptime(start, SESSION_START).replace(tzinfo=ZoneInfo("UTC"))
            upcoming = occurrences(chat, when, when + timedelta(minutes=1))
        except (ValueError, OverflowError):  # not a time, or one off the calendar
            raise NotFoundError("No such session.") from None
        matching = [o for o in upcoming if o.start_utc == when]
        if not matching:
            raise NotFoundError("No such session.")
        digest = services.digests.for_page(chat, matching[0])
        if digest is None:
            return render(
                app, "message.html", title=chat.name, message="This session has no archive yet."
            )
        return render(app, "session.html", **digest)

    @app.get("/unsubscribe/<token>")
    def unsubscribe_page(token: str) -> Response[str]:
        # A GET never unsubscribes: mail scanners open links. The button's POST does.
        try:
            subject = services.email_actions.verify(token, "unsubscribe", now())
        except InvalidToken:
            raise BadRequest(EXPIRED_LINK) from None
        chat = services.chats.get(subject["chat"])
        what = {"reminders": "reminders", "digests": "digests"}.get(subject["what"], "emails")
        return render(
            app, "unsubscribe.html", token=token, what=what, chat=chat, email=subject["email"]
        )

    @app.post("/unsubscribe/<token>")
    def unsubscribe(token: str) -> Response[str]:
        try:
            subject = services.email_actions.verify(token, "unsubscribe", now())
        except InvalidToken:
            raise BadRequest(EXPIRED_LINK) from None
        services.chats.unsubscribe(subject["chat"], subject["email"], subject["what"])
        chat = services.chats.get(subject["chat"])
        what = {"reminders": "reminders", "digests": "digests"}.get(subject["what"], "emails")
        return render(
            app,
            "message.html",
            title="Unsubscribed",
            message=f"You will get no more {what} for {chat.name if chat else 'this chat'}.",
        )


def _form_values(chat: Chat) -> dict[str, str]:
    """A chat as its form's fields."""
    recurrence = chat.recurrence
    return {
        "name": chat.name,
        "hashtag": chat.hashtag,
        "extra_tags": " ".join(chat.extra_tags),
        "network": chat.network,
        "weekday": str(recurrence.weekday),
        "start_time": f"{recurrence.start:%H:%M}",
        "zone": recurrence.zone,
        "duration_minutes": str(recurrence.duration_minutes),
        "every_weeks": str(recurrence.every_weeks),
        "first_date": recurrence.first_date.isoformat(),
        "moderators": ", ".join(chat.moderators),
        "chat_account": chat.chat_account or "",
        "description": chat.description,
        "link": chat.link or "",
    }


def _local_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest("Choose a date such as 2026-12-07.") from None
