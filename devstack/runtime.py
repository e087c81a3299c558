"""The local stack's function runtime: the real handlers, in-process, as Lambda would run them.

- HTTP requests become API Gateway HTTP API (payload 2.0) events for the web function;
- `POST /_dev/tick` runs every scheduled function as EventBridge Scheduler would at an instant;
- `GET /_dev/outbox` shows the emails SES (moto) accepted;
- the template's schedules also fire by themselves at their rates.
"""

import base64
import importlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_string
from email.message import Message
from html import escape
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit
from wsgiref.types import StartResponse, WSGIEnvironment

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devstack.provision import Schedule, Stack

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class LambdaContext:
    """What the Lambda runtime passes as `context`; powertools reads these fields."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:local"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def load_handler(dotted: str) -> Handler:
    module, _, name = dotted.partition(":")
    handler: Handler = getattr(importlib.import_module(module), name)
    return handler


def to_http_api_event(request: Request) -> dict[str, Any]:
    body = request.get_data()
    text_body: str | None = None
    encoded = False
    if body:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            text_body, encoded = base64.b64encode(body).decode(), True
    headers = {k.lower(): v for k, v in request.headers.items() if k.lower() != "cookie"}
    headers["x-forwarded-proto"] = request.scheme  # as API Gateway adds it (https there)
    now = datetime.now(UTC)
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.path,
        "rawQueryString": request.query_string.decode(),
        "cookies": [f"{k}={v}" for k, v in request.cookies.items()] or None,
        "headers": headers,
        "queryStringParameters": dict(request.args) or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": request.host,
            "domainPrefix": "local",
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "body": text_body,
        "isBase64Encoded": encoded,
    }


def from_http_api_result(result: dict[str, Any]) -> Response:
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(data, status=result.get("statusCode", 200))
    response.headers.clear()
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = value
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, value)
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    return response


class Runtime:
    def __init__(self, stack: Stack, moto_url: str, web_function: str = "WebFunction") -> None:
        self.stack = stack
        self.moto_url = moto_url
        self.sandbox_url = stack.parameters["XApiBaseUrl"]
        others = (os.environ.get("BLUESKY_SERVICE_URL"), os.environ.get("DEVSTACK_MASTODON_URL"))
        self.sandboxes = [self.sandbox_url, *(url for url in others if url)]
        self.web = load_handler(stack.handlers[web_function])
        self.scheduled = [(s, load_handler(s.handler)) for s in stack.schedules]
        self._tick_lock = threading.Lock()
        # One request at a time, as one Lambda environment does: the resolver keeps the
        # current event on itself, so two threads inside it would mix their requests.
        self._web_lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == "/_dev/tick" and request.method == "POST":
            response = self.tick_endpoint(request)
        elif request.path == "/_dev/outbox" and request.method == "GET":
            response = self.outbox_endpoint(request)
        else:
            context = LambdaContext("WebFunction", uuid.uuid4().hex)
            event = to_http_api_event(request)
            with self._web_lock:
                result = self.web(event, context)
            response = from_http_api_result(result)
        return response(environ, start_response)

    def tick(self, at: datetime | None) -> dict[str, Any]:
        """Run every scheduled function as the scheduler would at `at` (default: now)."""
        instant = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        results: dict[str, Any] = {}
        with self._tick_lock:
            # The sandbox network lives at the tick's instant too: a tick "at" a moment shows
            # the posts written by then, with the likes they have by then.
            clock = {"now": instant} if at else {}
            for sandbox in self.sandboxes:  # every network's: X, Bluesky, Mastodon
                requests.post(f"{sandbox}/sandbox/clock", json=clock, timeout=10)
            for schedule, handler in self.scheduled:
                event = scheduler_input(schedule, instant)
                context = LambdaContext(schedule.function, uuid.uuid4().hex)
                results[schedule.function] = handler(event, context)
        return {"at": instant, "functions": results}

    def tick_endpoint(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data() or b"{}")
            at = (
                datetime.fromisoformat(body["at"].replace("Z", "+00:00"))
                if body.get("at")
                else None
            )
            if at is not None and at.tzinfo is None:
                raise ValueError("give `at` with a zone, such as 2026-12-01T20:00:00Z")
        except (ValueError, TypeError, AttributeError) as error:
            return json_response({"error": f"bad tick request: {error}"}, HTTPStatus.BAD_REQUEST)
        return json_response(self.tick(at))

    def outbox(self) -> list[dict[str, Any]]:
        data = requests.get(f"{self.moto_url}/moto-api/data.json", timeout=10).json()
        sent = data.get("ses", {}).get("RawMessage", [])
        return [describe_email(m["id"], message_from_string(m["raw_data"])) for m in sent]

    def outbox_endpoint(self, request: Request) -> Response:
        emails = list(reversed(self.outbox()))
        if "application/json" in request.headers.get("Accept", ""):
            return json_response({"emails": emails})
        return Response(render_outbox(emails), content_type="text/html; charset=utf-8")

    def run_schedules(self, stop: threading.Event) -> None:
        """Fire each schedule at its rate, at the top of its interval, until stopped."""
        if not self.scheduled:
            return
        every = min(s.every_seconds for s, _ in self.scheduled)
        while not stop.wait(every - time.time() % every):
            try:
                self.tick(datetime.now(UTC).replace(microsecond=0))
            except Exception as error:  # keep the clock running, as the scheduler would
                print(f"[runtime] scheduled tick failed: {error!r}", flush=True)


def scheduler_input(schedule: Schedule, instant: str) -> dict[str, Any]:
    raw = json.dumps(schedule.input).replace("<aws.scheduler.scheduled-time>", instant)
    event: dict[str, Any] = json.loads(raw)
    return event


def describe_email(message_id: str, message: Message) -> dict[str, Any]:
    parts: dict[str, str] = {}
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("text/plain", "text/html") and kind not in parts:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                parts[kind] = payload.decode(part.get_content_charset() or "utf-8", "replace")
    headers = {k: str(v) for k, v in message.items() if k.lower() not in ("content-type",)}
    return {
        "id": message_id,
        "from": str(message["From"]),
        "to": str(message["To"]),
        "subject": str(message["Subject"]),
        "headers": headers,
        "text": parts.get("text/plain", ""),
        "html": parts.get("text/html", ""),
    }


def render_outbox(emails: list[dict[str, Any]]) -> str:
    items = "".join(
        f"<article><h2>{escape(e['subject'])}</h2><p>To {escape(e['to'])}</p>"
        f"<pre>{escape(e['text'])}</pre></article>"
        for e in emails
    )
    empty = "" if emails else "<p>No email has been sent yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Outbox · Chatdeck local stack</title></head><body><h1>Outbox</h1>"
        f"<p>{len(emails)} email(s), newest first.</p>{empty}{items}</body></html>"
    )


def json_response(body: dict[str, Any], status: int = HTTPStatus.OK) -> Response:
    return Response(json.dumps(body, default=str), status=status, content_type="application/json")


def serve(stack: Stack, moto_url: str, web_url: str, schedules: bool = True) -> None:
    """Run the runtime until interrupted. The environment must already point at moto."""
    runtime = Runtime(stack, moto_url)
    parsed = urlsplit(web_url)
    server = make_server(
        parsed.hostname or "127.0.0.1", parsed.port or 3000, runtime, threaded=True
    )
    stop = threading.Event()
    if schedules:
        threading.Thread(target=runtime.run_schedules, args=(stop,), daemon=True).start()
    try:
        server.serve_forever()
    finally:
        stop.set()


def apply_environment(stack: Stack, moto_url: str) -> None:
    """Give the in-process functions the environment the template gives them in Lambda."""
    os.environ.update(stack.environment)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": moto_url,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # moto's; never a real credential  # nosec B105
            "POWERTOOLS_METRICS_NAMESPACE": os.environ.get(
                "POWERTOOLS_METRICS_NAMESPACE", "Chatdeck"
            ),
        }
    )
