"""Mastodon's text rules: the length an instance counts, and a status's HTML as the typed text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatdeck.domain.mastodon_text import InstanceRules, links_in, plain_text, text_length, too_long

RULES = InstanceRules()


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Hello", 5),
        ("https://example.org/" + "a" * 200, 23),  # any link counts 23
        ("See https://example.org.", 4 + 23 + 1),  # the full stop is not the link's
        ("👩‍👩‍👧‍👦", 1),  # a joined emoji is one character
        ("🇫🇷🇩🇪", 2),  # each flag is one
        ("café", 4),  # decomposed or not
        ("cafe\u0301", 4),
        (
            "Thanks @ann@mastodon.social!",
            len("Thanks @ann!"),
        ),  # a mention counts without its domain
        ("example.org/no-scheme", len("example.org/no-scheme")),  # not a link without its scheme
    ],
)
def test_length_as_mastodon_counts_it(text: str, length: int) -> None:
    assert text_length(text, RULES) == length


def test_the_instances_own_numbers_are_used() -> None:
    rules = InstanceRules(max_characters=30, characters_reserved_per_url=10)

    assert text_length("Read https://example.org/a/b/c", rules) == 5 + 10
    assert too_long("x" * 30, rules) is None
    assert too_long("x" * 31, rules) == (
        "Too long for Mastodon: 31 of 30 characters (each link counts 10)."
    )


@pytest.mark.parametrize(
    ("content", "text"),
    [
        ("<p>Toot!</p>", "Toot!"),
        ("<p>a &amp; b &lt;3</p>", "a & b <3"),
        ("<p>one</p><p>two<br />three</p>", "one\n\ntwo\nthree"),
        (
            '<p><a href="http://localhost:3000/tags/hoot" class="mention hashtag" rel="tag">'
            "#<span>hoot</span></a> (hashtag toot)</p>",
            "#hoot (hashtag toot)",
        ),
        (
            '<p>See <a href="https://example.org/a/very/long/path/that/goes/on" target="_blank"'
            ' rel="nofollow noopener"><span class="invisible">https://</span>'
            '<span class="ellipsis">example.org/a/very/long/path/t</span>'
            '<span class="invisible">hat/goes/on</span></a></p>',
            "See https://example.org/a/very/long/path/that/goes/on",
        ),
        (
            '<p>Hi <span class="h-card"><a href="https://x.example/@ann" class="u-url mention">'
            "@<span>ann</span></a></span></p>",
            "Hi @ann",
        ),
    ],
)
def test_content_back_to_the_text_as_typed(content: str, text: str) -> None:
    assert plain_text(content) == text


def test_links_are_found_with_their_scheme_and_without_trailing_punctuation() -> None:
    assert links_in("Go to https://a.example/x), or http://b.example/y!") == [
        "https://a.example/x",
        "http://b.example/y",
    ]


@given(st.text(max_size=80))
def test_no_text_is_longer_than_its_code_points(text: str) -> None:
    if not links_in(text):
        assert text_length(text, RULES) <= len(text)
