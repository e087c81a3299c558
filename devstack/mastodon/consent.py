"""The sandbox's stand-in for a Mastodon instance's authorization page, `/oauth/authorize`.

`GET` checks the request (devstack/mastodon/oauth.py) and shows "Authorization required" as
Mastodon words it, with the app's name and scopes, a choice of the seeded account to sign in as
(no password: the sandbox has none) and two buttons. Its form POSTs the query back in hidden
fields: "Authorize" redirects to the redirect URI with `code` and `state`, "Deny" with
`error=access_denied`; with `urn:ietf:wg:oauth:2.0:oob` the code is shown on the page instead. A
request the instance would refuse gets an error page (400) and never redirects. Plain HTML.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from devstack.mastodon.oauth import OOB, AuthorizationRequest, OAuthRefusal, OAuthServer
from devstack.mastodon.store import SEEDED, Store

HTML = "text/html; charset=utf-8"
DENIED = "The resource owner or authorization server denied the request."


def authorize(request: Request, oauth: OAuthServer, store: Store) -> Response:
    """`GET` shows the page; `POST` is its form's answer."""
    args = request.form if request.method == "POST" else request.args
    try:
        wanted = oauth.authorization_request(args)
    except OAuthRefusal as refusal:
        return _page("An error has occurred", _refusal(str(refusal)), 400)
    if request.method == "GET":
        return _page("Authorization required", _consent(wanted, "cohort"))
    if request.form.get("decision") != "authorize":
        return _back(wanted, {"error": "access_denied", "error_description": DENIED})
    username = request.form.get("username", "").strip().lstrip("@")
    account = store.seeded_named(username)
    if account is None:
        problem = f"Sign in as one of: {', '.join(SEEDED)}."
        return _page("Authorization required", _consent(wanted, username, problem), 400)
    code = oauth.issue_code(wanted, account.id)
    if wanted.redirect_uri == OOB:
        return _page(
            "Authorization code", f"<h1>Authorization code</h1><p><code>{escape(code)}</code></p>"
        )
    return _back(wanted, {"code": code})


def _back(wanted: AuthorizationRequest, parameters: dict[str, str]) -> Response:
    if wanted.state:
        parameters["state"] = wanted.state
    joiner = "&" if "?" in wanted.redirect_uri else "?"
    location = wanted.redirect_uri + joiner + urlencode(parameters)
    return Response(status=302, headers={"Location": location})


def _consent(wanted: AuthorizationRequest, username: str, problem: str = "") -> str:
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in wanted.query().items()
    )
    scopes = "".join(f"<li><code>{escape(scope)}</code></li>" for scope in wanted.scopes)
    choices = "".join(
        f'<option value="{escape(name)}"{" selected" if name == username else ""}>'
        f"@{escape(name)} ({escape(display)})</option>"
        for name, display in SEEDED.items()
    )
    error = f'<p id="username-error" role="alert">{escape(problem)}</p>' if problem else ""
    return f"""
<h1>Authorization required</h1>
<p><strong>{escape(wanted.app.name)}</strong> would like permission to access your account. It is a
third-party application. If you do not trust it, then you should not authorize it.</p>
<p>The Mastodon sandbox asks no password: choose the account to authorize as.</p>
<ul>{scopes}</ul>
<form method="post" action="/oauth/authorize">
{hidden}
<p><label for="username">Account</label>
<select id="username" name="username">{choices}</select></p>
{error}
<p><button type="submit" name="decision" value="authorize">Authorize</button>
<button type="submit" name="decision" value="deny">Deny</button></p>
</form>"""


def _refusal(detail: str) -> str:
    return f"""
<h1>An error has occurred</h1>
<p>{escape(detail)}</p>"""


def _page(title: str, body: str, status: int = 200) -> Response:
    html = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - Mastodon (sandbox)</title>
</head>
<body>
<main>{body}
</main>
</body>
</html>
"""
    return Response(html, status=status, content_type=HTML)
