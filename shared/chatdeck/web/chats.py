"""The chat calendar, subscriptions, iCal feeds, session pages and unsubscribe links: parse, call
the service, render."""

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from chatdeck.domain.calendar_links import google_event_link, subscribe_links
from chatdeck.domain.chats import Chat
from chatdeck.domain.members import Member
from chatdeck.domain.posts import FieldErrors
from chatdeck.domain.qa import normalise_handle
from chatdeck.domain.schedule import known_zones
from chatdeck.services.session_moderators import ModeratorChoiceRefused
from chatdeck.web.pages import WebServices, admin, base_url, form, redirect, render, signed_in


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
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

    def feed_url(member: Member, file: str) -> str:
        return base_url(app) + services.calendar.feed_path(member, file)

    @app.get("/chats")
    def chats() -> Response[str]:
        member = signed_in(app)
        rows = services.calendar.calendar(member, now())
        renewed = app.current_event.get_query_string_value("renewed") == "1"
        address = feed_url(member, "all.ics")
        links = subscribe_links(address)
        return render(app, "chats.html", rows=rows, feed_url=address, links=links, renewed=renewed)

    @app.get("/chats/new")
    def new_chat() -> Response[str]:
        admin(app)
        return chat_form({"zone": "America/New_York"})

    @app.post("/chats")
    def add_chat() -> Response[str]:
        values = form(app)
        try:
            chat = services.calendar.add(admin(app), values)
        except FieldErrors as invalid:
            return chat_form(values, invalid.errors)
        return redirect(f"/chats/{chat.id}")

    @app.get("/chats/<chat_id>/edit")
    def edit_chat(chat_id: str) -> Response[str]:
        admin(app)
        chat = services.calendar.chat(chat_id)
        return chat_form(_form_values(chat), editing=chat)

    @app.post("/chats/<chat_id>")
    def change_chat(chat_id: str) -> Response[str]:
        values = form(app)
        try:
            services.calendar.change(admin(app), chat_id, values)
        except FieldErrors as invalid:
            return chat_form(values, invalid.errors, editing=services.calendar.chat(chat_id))
        return redirect(f"/chats/{chat_id}")

    @app.post("/chats/<chat_id>/remove")
    def remove_chat(chat_id: str) -> Response[str]:
        services.calendar.remove(admin(app), chat_id)
        return redirect("/chats")

    @app.get("/chats/<chat_id>")
    def chat_page(chat_id: str) -> Response[str]:
        member = signed_in(app)
        page = services.calendar.chat_page(member, chat_id, now())
        address = feed_url(member, f"{page.chat.id}.ics")
        return render(
            app,
            "chat.html",
            chat=page.chat,
            upcoming=page.upcoming,
            past=page.past,
            subscription=page.subscription,
            notes=page.notes,
            feed_url=address,
            links=subscribe_links(address),
            event_link=google_event_link(page.chat, page.upcoming[0].start)
            if page.upcoming
            else None,
        )

    @app.post("/chats/<chat_id>/skip")
    def skip(chat_id: str) -> Response[str]:
        services.calendar.skip(admin(app), chat_id, form(app).get("local_date", ""))
        return redirect(f"/chats/{chat_id}")

    @app.post("/chats/<chat_id>/questions")
    def questions(chat_id: str) -> Response[str]:
        values = form(app)
        services.calendar.plan_questions(
            admin(app), chat_id, values.get("local_date", ""), values.get("questions", "")
        )
        return redirect(f"/chats/{chat_id}")

    @app.post("/chats/<chat_id>/subscription")
    def subscribe(chat_id: str) -> Response[str]:
        services.calendar.subscribe(signed_in(app), chat_id, form(app))
        return redirect(f"/chats/{chat_id}")

    @app.post("/calendar/renew")
    def renew_feed() -> Response[str]:
        services.calendar.renew_feed(signed_in(app))
        return redirect("/chats?renewed=1#calendar")

    @app.get("/calendar/<token>/<file>")
    def feed(token: str, file: str) -> Response[str]:
        found = services.calendar.feed(token, file)
        return Response(
            status_code=200,
            content_type="text/calendar; charset=utf-8",
            body=found.body.decode("utf-8"),
            headers={"Cache-Control": "private, max-age=900"},
        )

    def session(chat_id: str, start: str, status: int = 200, **extra: object) -> Response[str]:
        chat, page = services.calendar.session(chat_id, start)
        if page is None:
            return render(
                app, "message.html", title=chat.name, message="This session has no archive yet."
            )
        return render(
            app,
            "session.html",
            status=status,
            digest=page.digest,
            archive=page.archive,
            authors=page.authors,
            session_path=f"/sessions/{chat.id}/{start}",
            **extra,
        )

    @app.get("/sessions/<chat_id>/<start>")
    def session_page(chat_id: str, start: str) -> Response[str]:
        signed_in(app)
        saved = app.current_event.get_query_string_value("moderators") == "saved"
        return session(chat_id, start, moderators_saved=saved)

    @app.post("/sessions/<chat_id>/<start>/moderators")
    def session_moderators(chat_id: str, start: str) -> Response[str]:
        values = form(app)
        try:
            services.calendar.correct_moderators(admin(app), chat_id, start, values)
        except ModeratorChoiceRefused as refused:
            ticked = {normalise_handle(h) for h in values.get("moderators", "").split(",")}
            return session(chat_id, start, 422, moderator_error=refused.message, ticked=ticked)
        return redirect(f"/sessions/{chat_id}/{start}?moderators=saved#moderators")

    @app.get("/unsubscribe/<token>")
    def unsubscribe_page(token: str) -> Response[str]:
        # A GET never unsubscribes: mail scanners open links. The button's POST does.
        link = services.calendar.unsubscribe_link(token, now())
        return render(
            app, "unsubscribe.html", token=token, what=link.emails, chat=link.chat, email=link.email
        )

    @app.post("/unsubscribe/<token>")
    def unsubscribe(token: str) -> Response[str]:
        link = services.calendar.unsubscribe(token, now())
        name = link.chat.name if link.chat else "this chat"
        return render(
            app,
            "message.html",
            title="Unsubscribed",
            message=f"You will get no more {link.emails} for {name}.",
        )


def _form_values(chat: Chat) -> dict[str, str]:
    """A chat as its form's fields."""
    recurrence = chat.recurrence
    return {
        "name": chat.name,
        "hashtag": chat.hashtag,
        "extra_tags": " ".join(chat.extra_tags),
        "networks": ",".join(chat.networks),
        "weekday": str(recurrence.weekday),
        "start_time": f"{recurrence.start:%H:%M}",
        "zone": recurrence.zone,
        "duration_minutes": str(recurrence.duration_minutes),
        "every_weeks": str(recurrence.every_weeks),
        "first_date": recurrence.first_date.isoformat(),
        "moderators": ", ".join(chat.moderators),
        "chat_account": chat.chat_account or "",
        "organisations": ", ".join(chat.organisations),
        "description": chat.description,
        "link": chat.link or "",
    }
