"""Bluesky's text rules: grapheme counts, facets at UTF-8 byte offsets, TID record keys."""

import hashlib
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from atproto_client.utils import facet_detection
from hypothesis import given, settings
from hypothesis import strategies as st

from chatdeck.domain.bluesky_text import (
    MAX_GRAPHEMES,
    Span,
    detect,
    facets,
    first_link,
    graphemes,
    length_problem,
    mentioned_handles,
)
from chatdeck.domain.tid import decode, is_tid, tid_for


def covered(text: str, span: Span) -> str:
    return text.encode("utf-8")[span.start : span.end].decode("utf-8")


# Graphemes


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("abc", 3),
        ("é", 1),  # e + combining acute accent: two code points, one grapheme
        ("é", 1),
        ("👨‍❤️‍👨", 1),  # man, ZWJ, heart, VS16, ZWJ, man: six code points
        ("👩‍👩‍👧‍👦", 1),  # a family of four joined with ZWJ
        ("🇺🇸🇫🇷", 2),  # two flags: four regional indicators
        ("🏴󠁧󠁢󠁳󠁣󠁴󠁿", 1),  # Scotland: a tag sequence
        ("👍🏽", 1),  # a skin-tone modifier
        ("日本語", 3),
        ("", 0),
    ],
)
def test_graphemes_count_what_a_reader_sees_as_one_character(text: str, count: int) -> None:
    assert graphemes(text) == count


def test_300_joined_emoji_fit_though_they_are_thousands_of_code_points() -> None:
    family = "👩‍👩‍👧‍👦" * MAX_GRAPHEMES
    assert len(family) == 7 * MAX_GRAPHEMES
    # 25 bytes each: 7,500 bytes, over Bluesky's 3,000-byte cap, which the message names
    problem = length_problem(family)
    assert problem is not None and "3000 bytes" in problem
    assert length_problem("🇺🇸" * 300) is None  # 2,400 bytes and 300 graphemes


def test_a_post_over_300_graphemes_says_by_how_much_to_shorten_it() -> None:
    assert length_problem("a" * 300) is None
    assert length_problem("a" * 301) == (
        "Bluesky allows 300 characters and this post has 301: shorten it by 1."
    )


# Facets, byte by byte


def test_the_documented_example_gives_the_documented_offsets() -> None:
    """docs.bsky.app's worked example: the sparkle is 3 bytes, the couple emoji 20."""
    text = "✨ example mentioning @atproto.com to share the URL 👨‍❤️‍👨 https://en.wikipedia.org/wiki/CBOR."
    spans = detect(text)
    assert spans == [
        Span(23, 35, "mention", "atproto.com"),
        Span(74, 108, "link", "https://en.wikipedia.org/wiki/CBOR"),
    ]


@pytest.mark.parametrize(
    "before",
    ["Café crème ", "👩‍🏫🇫🇷 ", "日本語の授業 ", "naïve façade 🧪 ", "Ελληνικά ", ""],
)
def test_facets_point_at_the_bytes_of_the_link_mention_and_hashtag(before: str) -> None:
    text = f"{before}see https://example.org/ré?q=1 with @ann.bsky.social #EduSky!"
    spans = detect(text)
    base = len(before.encode("utf-8"))
    link_start = base + len("see ")
    link_end = link_start + len("https://example.org/ré?q=1".encode())
    mention_start = link_end + len(" with ")
    tag_start = mention_start + len("@ann.bsky.social ")
    assert spans == [
        Span(link_start, link_end, "link", "https://example.org/ré?q=1"),
        Span(mention_start, mention_start + 16, "mention", "ann.bsky.social"),
        Span(tag_start, tag_start + 7, "tag", "EduSky"),
    ]
    assert [covered(text, s) for s in spans] == [
        "https://example.org/ré?q=1",
        "@ann.bsky.social",
        "#EduSky",
    ]
    built = facets(spans, {"ann.bsky.social": "did:plc:ann"})
    assert built[1] == {
        "$type": "app.bsky.richtext.facet",
        "index": {"byteStart": mention_start, "byteEnd": mention_start + 16},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:ann"}],
    }
    assert built[0]["features"] == [
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/ré?q=1"}
    ]
    assert built[2]["features"] == [{"$type": "app.bsky.richtext.facet#tag", "tag": "EduSky"}]


def test_a_link_typed_without_a_scheme_gets_https_only_on_a_known_domain() -> None:
    spans = detect("Slides: school.org/slides, notes at notes.local and file.txtx")
    assert spans == [Span(8, 25, "link", "https://school.org/slides")]


def test_trailing_punctuation_and_an_unopened_parenthesis_are_not_part_of_a_link() -> None:
    text = "(see https://example.org/a) and https://en.wikipedia.org/wiki/Pi_(film)."
    assert [s.value for s in detect(text)] == [
        "https://example.org/a",
        "https://en.wikipedia.org/wiki/Pi_(film)",
    ]


def test_what_is_not_a_mention_or_hashtag() -> None:
    text = "mail ann@school.org, costs @5, #1 and #123 and C# and @nobody and @x.notatld"
    assert detect(text) == []


def test_hashtags_in_any_script_and_full_width() -> None:
    text = "#日本語 ＃Ελληνικά #café_2026 #EduSky…"
    assert [(s.value, covered(text, s)) for s in detect(text)] == [
        ("日本語", "#日本語"),
        ("Ελληνικά", "＃Ελληνικά"),
        ("café_2026", "#café_2026"),
        ("EduSky", "#EduSky"),
    ]


def test_a_mention_that_did_not_resolve_stays_plain_text() -> None:
    spans = detect("thanks @ann.bsky.social and @bob.bsky.social")
    assert mentioned_handles(spans) == ["ann.bsky.social", "bob.bsky.social"]
    built = facets(spans, {"bob.bsky.social": "did:plc:bob"})
    assert [f["features"][0]["did"] for f in built] == ["did:plc:bob"]


def test_a_handle_is_resolved_once_whatever_its_case() -> None:
    spans = detect("@Ann.bsky.social and @ann.bsky.social")
    assert mentioned_handles(spans) == ["ann.bsky.social"]
    assert len(facets(spans, {"ann.bsky.social": "did:plc:ann"})) == 2


def test_the_card_is_for_the_first_link() -> None:
    assert first_link(detect("#a b.org https://c.org")) == "https://b.org"
    assert first_link(detect("no links")) is None


# Properties

PIECES = st.sampled_from(
    [
        "a",
        " ",
        "\n",
        "é",
        "👩‍🏫",
        "🇺🇸",
        "日本",
        "#",
        "@",
        ".",
        "(",
        ")",
        "!",
        "https://",
        "example.org",
        "ann.bsky.social",
        "/x",
        "edu",
        "_",
        "1",
        "＃",
        "\u200d",
        "\ufe0f",
        ",",
        ".com",
    ]
)
TEXTS = st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_every_facet_covers_exactly_what_it_names(text: str) -> None:
    spans = detect(text)
    for span in spans:
        part = covered(text, span)  # raises when the offsets split a character
        if span.kind == "mention":
            assert part == f"@{span.value}"
        elif span.kind == "tag":
            assert part[0] in "#＃" and part[1:] == span.value
        else:
            assert span.value in (part, f"https://{part}")
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))


def sdk_spans(text: str) -> list[tuple[int, int, str]]:
    """What the atproto SDK's port of Bluesky's detection finds (cashtags aside), with overlaps
    dropped as renderers drop them."""
    found = []
    for facet in facet_detection.detect_facets(text):
        feature = facet.features[0]
        kind = "link" if hasattr(feature, "uri") else "tag"
        if kind == "tag" and feature.tag.startswith("$"):
            continue
        found.append((facet.index.byte_start, facet.index.byte_end, kind))
    for mention in facet_detection.detect_mentions(text):
        found.append((mention.byte_start, mention.byte_end, "mention"))
    kept: list[tuple[int, int, str]] = []
    for span in sorted(found):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


@settings(max_examples=500, deadline=None)
@given(TEXTS)
def test_detection_agrees_with_the_atproto_sdk(text: str) -> None:
    """The atproto SDK ports Bluesky's own detection (@atproto/api); ours finds the same."""
    assert [(s.start, s.end, s.kind) for s in detect(text)] == sdk_spans(text)


@given(st.text(max_size=80))
def test_graphemes_never_exceed_code_points(text: str) -> None:
    assert graphemes(text) <= len(text)
    assert (graphemes(text) == 0) == (text == "")


# TID record keys


def test_a_tid_is_valid_and_stable_for_a_post_and_target() -> None:
    due = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    digest = hashlib.sha256(b"post-1\nbluesky:cohort").digest()
    key = tid_for(due, digest)
    assert is_tid(key) and len(key) == 13
    assert key == tid_for(due, digest)
    assert key != tid_for(due, hashlib.sha256(b"post-2\nbluesky:cohort").digest())
    micros = decode(key) >> 10
    assert due.timestamp() <= micros / 1e6 < due.timestamp() + 1


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    st.binary(min_size=32, max_size=32),
)
def test_tids_are_valid_and_sort_by_due_second(due: datetime, digest: bytes) -> None:
    key = tid_for(due, digest)
    assert is_tid(key)
    later = tid_for(due + timedelta(seconds=1), digest)
    assert later > key  # base32-sortable: the string order is the time order


def test_posts_due_at_the_same_second_rarely_share_a_key() -> None:
    due = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    keys = {tid_for(due, hashlib.sha256(f"post-{n}".encode()).digest()) for n in range(20_000)}
    assert len(keys) == 20_000


def test_a_naive_due_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        tid_for(datetime(2026, 12, 1, 20, 0), b"\x00" * 32)
