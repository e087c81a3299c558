"""The sandbox's stand-in for X's consent page, `/i/oauth2/authorize`.

`GET` validates the query as X does (sandbox/oauth.py) and shows "Authorize <app> to use your
account?" with a Username field (the X account to act as; any handle, made on first use) and two
buttons; their form POSTs the query back in hidden fields. "Authorize app" redirects to the
redirect_uri with `state` and a `code`, "Cancel" with `error=access_denied` and `state`. A request X
would refuse gets an error page (400) and never redirects. Plain HTML: no script, no styles that
need one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from devstack.sandbox.oauth import AuthorizationRequest, OAuthRefusal, OAuthServer
from devstack.sandbox.store import Store

DEFAULT_USERNAME = "sandbox_teacher"
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")
HTML = "text/html; charset=utf-8"
# X's own words when it will not authorize (its page says no more than this).
WENT_WRONG = "Something went wrong. You weren’t able to give access to the App."


def authorize(
    request: Request, oauth: OAuthServer, store: Store, scopes: Mapping[str, str]
) -> Response:
    """`GET` shows the consent page; `POST` is its form's answer."""
    args = request.form if request.method == "POST" else request.args
    try:
        wanted = oauth.authorization_request(args)
    except OAuthRefusal as refusal:
        return _page("Something went wrong", _refusal(str(refusal)), 400)
    if request.method == "GET":
        return _page(_title(wanted), _consent(wanted, scopes, DEFAULT_USERNAME))
    if request.form.get("decision") != "authorize":
        return _redirect(wanted.redirect_uri, {"error": "access_denied", "state": wanted.state})
    username = request.form.get("username", "").strip().lstrip("@")
    if not USERNAME.match(username):
        problem = "Enter a username of 1 to 15 letters, digits or underscores."
        return _page(_title(wanted), _consent(wanted, scopes, username, problem), 400)
    code = oauth.issue_code(wanted, store.account_named(username).id)
    return _redirect(wanted.redirect_uri, {"state": wanted.state, "code": code})


def _title(wanted: AuthorizationRequest) -> str:
    return f"Authorize {wanted.client.name} to use your account?"


def _redirect(redirect_uri: str, parameters: dict[str, str]) -> Response:
    joiner = "&" if "?" in redirect_uri else "?"
    return Response(status=302, headers={"Location": redirect_uri + joiner + urlencode(parameters)})


def _consent(
    wanted: AuthorizationRequest, scopes: Mapping[str, str], username: str, problem: str = ""
) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in wanted.query().items()
    )
    abilities = "".join(f"<li>{escape(scopes.get(scope, scope))}</li>" for scope in wanted.scopes)
    error = f'<p id="username-error" role="alert">{escape(problem)}</p>' if problem else ""
    described = ' aria-describedby="username-error" aria-invalid="true"' if problem else ""
    return f"""
<h1>{escape(_title(wanted))}</h1>
<p>The X API sandbox stands in for X here: no password is asked, and the username you give is the
X account {escape(wanted.client.name)} will act as.</p>
<p>{escape(wanted.client.name)} will be able to:</p>
<ul>{abilities}</ul>
<form method="post" action="/i/oauth2/authorize">
{hidden}
<p><label for="username">Username</label>
<input id="username" name="username" type="text" value="{escape(username)}" maxlength="15"
 autocomplete="username" required{described}></p>
{error}
<p><button type="submit" name="decision" value="authorize">Authorize app</button>
<button type="submit" name="decision" value="cancel" formnovalidate>Cancel</button></p>
</form>"""


def _refusal(detail: str) -> str:
    return f"""
<h1>Something went wrong</h1>
<p>{escape(WENT_WRONG)}</p>
<p>Go back and try logging in again.</p>
<p><small>Sandbox: {escape(detail)}.</small></p>"""


def _page(title: str, body: str, status: int = 200) -> Response:
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} / X (sandbox)</title>
</head>
<body>
<main>{body}
</main>
</body>
</html>
"""
    return Response(html, status=status, content_type=HTML)
