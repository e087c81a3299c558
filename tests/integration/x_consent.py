"""Drive the sandbox's OAuth 2.0 consent page over HTTP, as a person in a browser would."""

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import requests

TWEEPY_AUTHORIZE_URL = "https://twitter.com/i/oauth2/authorize"


class ConsentForm(HTMLParser):
    """The consent page's form: its action, its fields and the buttons' values."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, str] = {}
        self.labels: dict[str, str] = {}  # the id of a control -> its label's text
        self._label_for: str | None = None
        self._button: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = attributes.get("action", "")
        elif tag == "input":
            self.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "label":
            self._label_for = attributes.get("for")
        elif tag == "button":
            self._button = (attributes.get("name", ""), attributes.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self.labels[self._label_for] = self.labels.get(self._label_for, "") + data.strip()
        if self._button is not None:
            self.buttons[data.strip()] = self._button[1]

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_for = None
        elif tag == "button":
            self._button = None


@dataclass(frozen=True)
class Redirect:
    location: str

    @property
    def query(self) -> dict[str, str]:
        return {name: values[0] for name, values in parse_qs(urlsplit(self.location).query).items()}


def sandbox_authorize_url(url: str, sandbox_url: str) -> str:
    """tweepy's authorize URL (x.com's real page) pointed at the sandbox's page."""
    return url.replace(TWEEPY_AUTHORIZE_URL, f"{sandbox_url}/i/oauth2/authorize", 1)


def read_consent_page(authorize_url: str) -> tuple[requests.Response, ConsentForm]:
    page = requests.get(authorize_url, timeout=5)
    form = ConsentForm()
    form.feed(page.text)
    return page, form


def consent(
    authorize_url: str, username: str = "sandbox_teacher", button: str = "Authorize app"
) -> Redirect:
    """Open the consent page, fill in the username and press a button; the 302 it answers."""
    page, form = read_consent_page(authorize_url)
    assert page.status_code == 200, page.text
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(authorize_url))
    fields = {**form.fields, "username": username, "decision": form.buttons[button]}
    answer = requests.post(origin + form.action, data=fields, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return Redirect(answer.headers["Location"])
