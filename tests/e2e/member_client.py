"""A member using the local stack over HTTP, the way a browser would: cookies, CSRF, sign-in.

requests never sends `Secure` cookies over plain http, which the local stack serves, so this
client keeps the cookies itself (a browser treats 127.0.0.1 as secure and sends them).
"""

import re
from http.cookies import SimpleCookie
from typing import Any

import requests


class MemberClient:
    def __init__(self, web: str) -> None:
        self.web = web
        self.jar: dict[str, str] = {}
        self.http = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if method.upper() == "POST":
            headers.setdefault("Origin", self.web)
            data = dict(kwargs.pop("data", {}) or {})
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

    def sign_in(self, email: str) -> "MemberClient":
        sent = self.post("/signin", data={"email": email})
        assert sent.status_code == 200, sent.text
        link = newest_link_for(self.web, email)
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


def newest_link_for(web: str, email: str) -> str:
    outbox = requests.get(f"{web}/_dev/outbox", headers={"Accept": "application/json"}, timeout=10)
    for mail in outbox.json()["emails"]:  # newest first
        if email in mail["to"]:
            found = re.search(r"https?://\S+/signin/confirm\?token=[A-Za-z0-9_-]+", mail["text"])
            if found:
                return found.group(0)
    raise AssertionError(f"no sign-in link for {email} in the outbox")
