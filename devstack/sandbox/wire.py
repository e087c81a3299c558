"""JSON in and out of the sandbox's routes: answers worded as X's, and the bodies of calls.

An X endpoint reads a body only as JSON and refuses any other with X's own error; a control route
says plainly what is wrong with its body (not JSON, or what breaks its schema).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from jsonschema import Draft202012Validator
from werkzeug.wrappers import Request, Response

from devstack.sandbox import api
from devstack.sandbox.problems import BODY_NOT_JSON, error_entry

JSON = "application/json; charset=utf-8"


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON answer, its status line worded as X's ("403 Forbidden", not werkzeug's capitals)."""
    status_line = f"{status} {HTTPStatus(status).phrase}"
    return Response(json.dumps(body, ensure_ascii=False), status=status_line, content_type=JSON)


def x_json_body(request: Request) -> tuple[Any, api.Answer | None]:
    """X reads a body only as JSON; a request with any other body is refused."""
    raw = request.get_data()
    if not raw and request.method != "POST":
        return None, None
    if request.mimetype != "application/json":
        return None, api.invalid(error_entry(BODY_NOT_JSON))
    try:
        return json.loads(raw), None
    except ValueError as error:
        return None, api.invalid(error_entry(f"Request body is not valid JSON: {error}"))


def control_body(request: Request) -> tuple[Any, str | None]:
    """A control route's JSON body, or what is wrong with it."""
    if request.mimetype != "application/json":
        return None, "the body must be application/json"
    try:
        return json.loads(request.get_data() or b"null"), None
    except ValueError as error:
        return None, f"the body is not valid JSON: {error}"


def schema_problem(validator: Draft202012Validator, spec: Any) -> str | None:
    """Every way `spec` breaks the validator's schema, in one line; None when it keeps it."""
    errors = list(validator.iter_errors(spec))
    return "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors) or None


def checked_body(request: Request, validator: Draft202012Validator) -> tuple[Any, str | None]:
    """A control route's JSON body and what is wrong with it: not JSON, or breaking the schema."""
    spec, problem = control_body(request)
    if problem is None:
        problem = schema_problem(validator, spec)
    return spec, problem
