"""PUBLIC_URL as the origin a browser sends: every link starts with it, and a form is accepted
only from it, so it must be spelled as browsers spell an Origin header."""

import pytest

from chatdeck.web.pages import public_origin


@pytest.mark.parametrize(
    ("public_url", "origin"),
    [
        ("https://chatdeck.school.example", "https://chatdeck.school.example"),
        ("https://Chatdeck.School.Example", "https://chatdeck.school.example"),
        ("https://chatdeck.school.example:443", "https://chatdeck.school.example"),
        ("HTTPS://chatdeck.school.example/", "https://chatdeck.school.example"),
        ("https://chatdeck.school.example:8443", "https://chatdeck.school.example:8443"),
        ("http://127.0.0.1:3000/", "http://127.0.0.1:3000"),
        ("http://localhost:80", "http://localhost"),
    ],
)
def test_the_origin_is_spelled_as_a_browser_sends_it(public_url: str, origin: str) -> None:
    assert public_origin(public_url) == origin


@pytest.mark.parametrize(
    "public_url", ["", "chatdeck.school.example", "ftp://x.example", "https://", "https://x:port"]
)
def test_no_origin_without_a_url(public_url: str) -> None:
    assert public_origin(public_url) == ""
