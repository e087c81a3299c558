"""A member using the local stack over HTTP, the way a browser would: cookies, CSRF, sign-in.

requests never sends `Secure` cookies over plain http, which the local stack serves, so this
client keeps the cookies itself (a browser treats 127.0.0.1 as secure and sends them).
"""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

import requests

from tests.e2e.browser.helpers import email_ids, sign_in_link

if TYPE_CHECKING:
    from tests.e2e.conftest import LocalStack


class MemberClient:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.web = stack.web
        self.jar: dict[str, str] = {}
        self.http = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if method.upper() == "POST":
            headers.setdefault("Origin", self.web)
            data = kwargs.pop("data", {}) or {}
            if isinstance(data, list):  # (name, value) pairs: a field may repeat (checkboxes)
                if not any(name == "csrf_token" for name, _ in data):
                    data = [*data, ("csrf_token", self.csrf())]
            else:
                data = dict(data)
                data.setdefault("csrf_token", self.csrf())
            kwargs["data"] = data
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        response = self.http.request(
            method, self.web + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        for raw in response.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(raw).items():
                if morsel["max-age"] == "0":
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = morsel.value
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def csrf(self) -> str:
        if "__Host-chatdeck-csrf" not in self.jar:
            self.get("/signin")
        return self.jar["__Host-chatdeck-csrf"]

    def ask_for_sign_in_link(self, email: str) -> str:
        """Post the sign-in form for `email`; the link in the email that sends."""
        earlier = email_ids(self.stack)
        sent = self.post("/signin", data={"email": email})
        assert sent.status_code == 200, sent.text
        return sign_in_link(self.stack, email, earlier)

    def sign_in(self, email: str) -> MemberClient:
        link = self.ask_for_sign_in_link(email)
        confirm_page = self.get(link.removeprefix(self.web))
        token = re.search(r'name="token" value="([^"]+)"', confirm_page.text)
        assert token, confirm_page.text
        signed = self.post("/signin/confirm", data={"token": token.group(1)})
        assert signed.status_code == 303, signed.text
        return self

    def form_field(self, path: str, name: str) -> str:
        found = re.search(rf'name="{name}" value="([^"]*)"', self.get(path).text)
        assert found, f"no {name} on {path}"
        return found.group(1)

    def posts(self) -> list[dict[str, Any]]:
        answer = self.get("/posts", headers={"Accept": "application/json"})
        assert answer.status_code == 200, answer.text
        posts: list[dict[str, Any]] = answer.json()["posts"]
        return posts
