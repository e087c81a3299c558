"""Importing many chats: the form, its preview and the confirm step (services/chat_import.py).
Admins only; the guard's same-origin and CSRF checks apply to both POSTs as to every form."""

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from chatdeck.domain.chat_import import MAX_ROWS, ImportRefused
from chatdeck.domain.chats import WEEKDAYS
from chatdeck.web.pages import WebServices, admin, form, render

IMPORT_PATH = "/import/chats"


def register(
    app: APIGatewayHttpResolver, services: WebServices, now: Callable[[], datetime]
) -> None:
    def page(status: int = 200, **context: object) -> Response[str]:
        context.setdefault("values", {})
        return render(
            app, "chat_import.html", status, max_rows=MAX_ROWS, weekdays=WEEKDAYS, **context
        )

    @app.get(IMPORT_PATH)
    def import_form() -> Response[str]:
        admin(app)
        return page()

    @app.post(IMPORT_PATH)
    def import_preview() -> Response[str]:
        values = form(app)
        member = admin(app)
        try:
            preview = services.chat_imports.preview(member, values, now())
        except ImportRefused as refused:
            return page(refused.status, values=values, error=refused.message)
        # Nothing importable and nothing already followed: every row is named, and it is a 422.
        useful = preview.importable or any(r.duplicate for r in preview.rows)
        return page(200 if useful else 422, values=values, preview=preview)

    @app.post(IMPORT_PATH + "/confirm")
    def import_confirm() -> Response[str]:
        values = form(app)
        member = admin(app)
        try:
            result = services.chat_imports.confirm(member, values, now())
        except ImportRefused as refused:
            return page(refused.status, error=refused.message)
        return page(422 if result.problems and not result.added else 200, result=result)
