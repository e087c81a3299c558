"""The HTTP API has one catch-all route, `$default`, so the routes live only in the code: every
route the web app's resolver knows must be served when API Gateway hands it a request as that
route does (`routeKey` `$default`, no path parameters, `rawPath` the real path), through the real
handler. And the deployed app serves none of the local stack's `/_dev/` routes."""

import json
import re
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.integration.deployment import Deployment
from tests.integration.web_kit import event_as, invoke, signed_in

pytestmark = pytest.mark.integration

CSRF = "sample-csrf-token-kept-in-the-cookie-0001"  # the sample events' cookie
# What the app answers when no route matches (chatdeck.web.app's not-found handler).
NO_ROUTE = {"error": "There is no page here."}
# A value for each path parameter: any will do, as long as it is one whole segment.
SAMPLES = {"name": "app.js", "file": "all.ics", "email": "rivera%40school.example"}


def registered_routes(web: ModuleType) -> list[tuple[str, str]]:
    """(method, path) of every route the resolver knows, as powertools keeps them."""
    app = web.app
    app.register_every_route()  # some register on their first request (chatdeck.web.app.LATER)
    return sorted((route.method, route.path) for route in app._static_routes + app._dynamic_routes)


def concrete(path: str) -> str:
    return re.sub(r"<(\w+)>", lambda m: SAMPLES.get(m.group(1), "sample-1"), path)


def as_the_catch_all_route(method: str, path: str, session: str) -> dict[str, Any]:
    """The event API Gateway sends for a request to `path`, through the `$default` route: a
    signed-in admin's, from our own page with its CSRF token, so the guard lets it through to
    the router and only routing decides the answer."""
    template = "web_cancel_post" if method == "POST" else "web_get_form"
    event = event_as(template, session)
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "$default"
    assert "pathParameters" not in event  # the catch-all route has none
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["headers"]["accept"] = "application/json"
    event["body"] = urlencode({"csrf_token": CSRF}) if method == "POST" else None
    return event


def answer(web: ModuleType, deployment: Deployment, method: str, path: str) -> dict[str, Any]:
    # A fresh session each time: one route (POST /signout) ends the session it is sent with.
    return invoke(web, as_the_catch_all_route(method, path, signed_in(deployment)))


def no_route(result: dict[str, Any]) -> bool:
    if result["statusCode"] != 404:
        return False
    try:
        return bool(json.loads(result["body"]) == NO_ROUTE)
    except ValueError:
        return False


def test_every_route_the_app_knows_is_served_through_the_catch_all_route(
    web: ModuleType, deployment: Deployment
) -> None:
    routes = registered_routes(web)
    assert len(routes) >= 40, routes  # the resolver was read, not an empty list
    unserved = []
    for method, path in routes:
        result = answer(web, deployment, method, concrete(path))
        if no_route(result):
            unserved.append(f"{method} {path}")
    # A 401, 403, 303, 400 or 422 is fine here (the sample values are nobody's): only "no such
    # route" would mean API Gateway delivers a request the code does not serve.
    assert unserved == []


def test_a_path_the_app_does_not_know_answers_no_route(
    web: ModuleType, deployment: Deployment
) -> None:
    """The check above can fail: the same request to an unknown path is answered as no route."""
    for method in ("GET", "POST"):
        assert no_route(answer(web, deployment, method, "/no/such/page"))


@pytest.mark.parametrize(("method", "path"), [("POST", "/_dev/tick"), ("GET", "/_dev/outbox")])
def test_the_deployed_app_serves_no_dev_route(
    web: ModuleType, deployment: Deployment, method: str, path: str
) -> None:
    """`/_dev/` exists only in the local stack's runtime (devstack/runtime.py), never in the
    code that is deployed."""
    assert not any(p.startswith("/_dev") for _, p in registered_routes(web))
    assert no_route(answer(web, deployment, method, path))
