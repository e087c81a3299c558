"""AWS faults injected at the adapters' edge: botocore event hooks on Chatdeck's own clients.

Nothing of the domain or the stores is replaced: a hook on the client the Services built answers
one AWS call with the error AWS would send, and every other call goes to moto server as usual.

- `fail(client, "UpdateItem", code)`: the call raises that error, as it does once botocore's own
  retries are used up (a `before-call` hook: botocore retries nothing that answers there).
- `flaky(client, "UpdateItem", code)`: AWS answers the error on the wire (a `before-send` hook),
  so botocore's retry handler sees it and tries again, as it does for a real throttle or 500.

Each takes `when`, a test of the call's JSON request body (the low-level API's names: `Key`,
`UpdateExpression`, ...), and `times`, how many matching calls fail; it returns an `Injection`
that counts the calls it failed and is removed with `remove()` (or on leaving a `with`).
"""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from botocore.awsrequest import AWSResponse

Body = dict[str, Any]

# The body and status AWS answers for each error a test injects (the JSON protocol's `__type`).
_HTTP_STATUS = {
    "ProvisionedThroughputExceededException": 400,
    "ThrottlingException": 400,
    "ConditionalCheckFailedException": 400,
    "TooManyRequestsException": 429,
    "MessageRejected": 400,
    "InternalServerError": 500,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
}


@dataclass
class Injection:
    """One registered hook: how many calls it failed, and how to take it away."""

    client: Any
    event: str
    handler: Callable[..., Any]
    times: int
    when: Callable[[Body], bool]
    failed: int = 0
    seen: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, body: Body) -> bool:
        """Whether this call, whose request body is `body`, is one to fail."""
        with self._lock:
            if not self.when(body):
                return False
            self.seen += 1
            if self.failed >= self.times:
                return False
            self.failed += 1
            return True

    def remove(self) -> None:
        self.client.meta.events.unregister(self.event, self.handler)

    def __enter__(self) -> "Injection":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.remove()


def _operation_body(raw: object) -> Body:
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode()
    if not raw:
        return {}
    try:
        loaded = json.loads(str(raw))
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _service(client: Any) -> str:
    return str(client.meta.service_model.service_id.hyphenize())


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message, "Message": message}).encode()


class _Raw:
    """The `raw` of an AWSResponse: what botocore reads the body from."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> list[bytes]:
        return [self.data]


def _response(code: str, message: str) -> AWSResponse:
    status = _HTTP_STATUS.get(code, 400)
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": code}
    return AWSResponse(
        "https://injected.invalid/", status, headers, _Raw(_error_body(code, message))
    )


def anything(body: Body) -> bool:
    return True


def fail(
    client: Any,
    operation: str,
    code: str,
    *,
    when: Callable[[Body], bool] = anything,
    times: int = 1,
    message: str = "injected by the test",
) -> Injection:
    """The next `times` calls of `operation` matching `when` raise `code` as a ClientError."""
    event = f"before-call.{_service(client)}.{operation}"

    def hook(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if not injection.take(_operation_body(params.get("body"))):
            return None
        status = _HTTP_STATUS.get(code, 400)
        parsed = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status, "MaxAttemptsReached": True},
        }
        return _response(code, message), parsed

    injection = Injection(client, event, hook, times, when)
    client.meta.events.register(event, hook)
    return injection


def flaky(
    client: Any,
    operation: str,
    code: str,
    *,
    when: Callable[[Body], bool] = anything,
    times: int = 1,
    message: str = "injected by the test",
) -> Injection:
    """The next `times` sends of `operation` matching `when` get `code` on the wire: botocore
    retries them within its bounded attempts, as it would a real throttle or 500."""
    event = f"before-send.{_service(client)}.{operation}"

    def hook(request: Any, **_: Any) -> AWSResponse | None:
        if not injection.take(_operation_body(request.body)):
            return None
        return _response(code, message)

    injection = Injection(client, event, hook, times, when)
    client.meta.events.register(event, hook)
    return injection


def records_outcome(body: Body) -> bool:
    """The post store's `record`: the UpdateItem that ends a claim (`claim_id = :mine`)."""
    return "claim_id = :mine" in str(body.get("ConditionExpression", ""))


def claims(body: Body) -> bool:
    """The post store's `claim`: the UpdateItem that sets a new claim."""
    return "claim_id = :claim" in str(body.get("UpdateExpression", ""))


def records_status(status: str) -> Callable[[Body], bool]:
    """A `record` that sets the target's status to `status` (POSTED, FAILED, ...)."""

    def test(body: Body) -> bool:
        values = body.get("ExpressionAttributeValues", {})
        return records_outcome(body) and values.get(":s") == {"S": status}

    return test
