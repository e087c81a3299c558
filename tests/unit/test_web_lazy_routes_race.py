"""The web's route modules registered on their first request (chatdeck.web.app.Resolver) when
two first requests arrive at once, as the resolver's lock allows: one request registering a
module while the other is still looking at which modules wait must not break the other."""

import threading
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

import chatdeck.web.app as web_app
from chatdeck.web.app import LATER, create_app


def request(path: str) -> dict[str, Any]:
    return {
        "rawPath": path,
        "requestContext": {"stage": "$default", "http": {"method": "GET", "path": path}},
    }


def test_a_module_registered_while_another_request_looks_breaks_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in LATER:  # imported beforehand: registering is then quick
        __import__(f"chatdeck.web.{name}")
    app = create_app(cast(Any, None), now=lambda: datetime.now(UTC))
    resolved: list[str] = []
    monkeypatch.setattr(
        APIGatewayHttpResolver, "resolve", lambda self, event, context: resolved.append("ok")
    )
    looking, registered = threading.Event(), threading.Event()
    real_under = web_app.under

    def under(path: str, prefixes: tuple[str, ...]) -> bool:
        if threading.current_thread().name == "second" and not looking.is_set():
            looking.set()  # the second request is among the waiting modules: the first goes now
            registered.wait(5)
        return real_under(path, prefixes)

    monkeypatch.setattr(web_app, "under", under)
    failures: list[BaseException] = []

    def serve(path: str) -> None:
        try:
            app.resolve(request(path), cast(Any, None))
        except BaseException as error:  # the test reports it
            failures.append(error)

    second = threading.Thread(target=serve, args=("/accounts",), name="second")
    second.start()
    assert looking.wait(5)
    first = threading.Thread(target=serve, args=("/members",), name="first")
    first.start()
    first.join(5)
    registered.set()
    second.join(5)
    first.join(5)
    assert failures == []
    assert resolved == ["ok", "ok"]
    assert "members" not in app._waiting and "accounts" not in app._waiting
