"""Reconciling finds our own post however X hands its text back."""

import pytest

from chatdeck.adapters.x.publishing import _comparable


@pytest.mark.parametrize(
    ("typed", "as_x_returns"),
    [
        ("Slides: example.org/slides #edchat", "Slides: http://example.org/slides #edchat"),
        ("Q&A tonight <3", "Q&amp;A tonight &lt;3"),
        ("Café  at 8\n", "Cafe\u0301 at 8"),
        ("See https://Example.org/x", "See https://Example.org/x"),
    ],
)
def test_the_same_post_compares_equal(typed: str, as_x_returns: str) -> None:
    assert _comparable(typed) == _comparable(as_x_returns)


def test_a_different_post_does_not() -> None:
    assert _comparable("Slides: example.org/slides") != _comparable("Slides: example.org/notes")
