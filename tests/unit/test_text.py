"""X's weighted post length (twitter-text config v3): the numbers a teacher would check."""

import unicodedata

import pytest

from chatdeck.domain.text import (
    MAX_WEIGHTED_LENGTH,
    URL_WEIGHT,
    find_urls,
    is_within_limit,
    weighted_length,
)

LONG_URLS = [
    f"https://www.example-school.org/lessons/2024/fractions-and-decimals/worksheet-{n}?unit=7"
    for n in range(5)
]


def test_published_constants() -> None:
    assert MAX_WEIGHTED_LENGTH == 280
    assert URL_WEIGHT == 23


# --- plain text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", 0, id="empty"),
        pytest.param("hello", 5, id="ascii"),
        pytest.param("   ", 3, id="spaces count"),
        pytest.param("line one\nline two", 17, id="newline counts 1"),
        pytest.param("This is a test.", 15, id="sentence"),
        pytest.param("漢字", 4, id="kanji"),
        pytest.param("かな", 4, id="hiragana"),
        pytest.param("한글", 4, id="hangul"),
        pytest.param("ｱ", 2, id="half-width katakana"),
        pytest.param("Ａ", 2, id="full-width latin"),
        pytest.param("\u3000", 2, id="ideographic space"),
        pytest.param("Привет", 6, id="cyrillic"),
        pytest.param("Γειά", 4, id="greek"),
        pytest.param("שלום", 4, id="hebrew"),
        pytest.param("مرحبا", 5, id="arabic"),
        pytest.param("नमस्ते", 6, id="devanagari"),
        pytest.param("a — b", 5, id="em dash"),
        pytest.param("–", 1, id="en dash"),
        pytest.param("“quoted” ‘single’", 17, id="curly quotes"),
        pytest.param("…", 2, id="ellipsis counts 2"),
        pytest.param("•", 2, id="bullet counts 2"),
        pytest.param("€", 2, id="euro counts 2"),
        pytest.param("™", 2, id="trade mark counts 2"),
        pytest.param("©", 1, id="copyright without VS16 counts 1"),
        pytest.param("x\u200bx", 3, id="zero-width space counts 1"),
        pytest.param("𝐀", 2, id="astral letter counts 2"),
        pytest.param("ÁB", 2, id="composed accent"),
    ],
)
def test_weighted_length_of_text(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


@pytest.mark.parametrize(
    ("code_point", "expected"),
    [
        (0x0000, 1),
        (0x10FF, 1),
        (0x1100, 2),
        (0x1FFF, 2),
        (0x2000, 1),
        (0x200D, 1),
        (0x200E, 2),
        (0x200F, 2),
        (0x2010, 1),
        (0x201F, 1),
        (0x2020, 2),
        (0x2031, 2),
        (0x2032, 1),
        (0x2037, 1),
        (0x2038, 2),
        (0x3042, 2),
        (0xFFFD, 2),
        (0x10000, 2),
    ],
    ids=lambda value: f"U+{value:04X}" if value > 2 else None,
)
def test_weight_range_edges(code_point: int, expected: int) -> None:
    assert weighted_length(chr(code_point)) == expected


def test_text_is_nfc_normalised_first() -> None:
    composed = "café"
    decomposed = "cafe\u0301"
    assert composed != decomposed
    assert unicodedata.normalize("NFC", decomposed) == composed
    assert weighted_length(composed) == 4
    assert weighted_length(decomposed) == 4


# --- emoji ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "emoji",
    [
        pytest.param("😀", id="single"),
        pytest.param("🐦\u200d🔥", id="phoenix ZWJ (Unicode 15.1)"),
        pytest.param("👩\u200d🏫", id="teacher ZWJ"),
        pytest.param("👨\u200d👩\u200d👧\u200d👦", id="family ZWJ"),
        pytest.param("🧑🏽\u200d🤝\u200d🧑🏿", id="ZWJ with skin tones"),
        pytest.param("❤️\u200d🔥", id="ZWJ with VS16"),
        pytest.param("🏳️\u200d🌈", id="rainbow flag"),
        pytest.param("👋🏽", id="skin tone"),
        pytest.param("✌🏿️", id="skin tone then VS16"),
        pytest.param("🇺🇸", id="flag"),
        pytest.param("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", id="tags"),
        pytest.param("1️⃣", id="keycap"),
        pytest.param("#⃣", id="keycap without VS16"),
        pytest.param("❤️", id="VS16"),
        pytest.param("☺", id="text-style pictograph"),
        pytest.param("©️", id="copyright with VS16"),
    ],
)
def test_each_emoji_counts_two(emoji: str) -> None:
    assert weighted_length(emoji) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("H🐱☺👨\u200d👩\u200d👧\u200d👦", 7, id="mixed"),
        pytest.param("🙋🏽👨\u200d🎤", 4, id="two sequences"),
        pytest.param("Great job! 👏🏽👏🏽", 15, id="text and emoji"),
        pytest.param("🇺🇸🇬🇧", 4, id="two flags"),
        pytest.param("🇺🇸🇬", 4, id="flag and lone regional indicator"),
        pytest.param("☀\ufe0e", 4, id="text presentation selector counts on its own"),
        pytest.param("👩\u200d", 3, id="dangling ZWJ counts 1"),
    ],
)
def test_emoji_in_context(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


# --- URLs ----------------------------------------------------------------------------------------


def test_a_200_character_url_counts_23() -> None:
    url = "https://example.com/" + "a" * 180
    assert len(url) == 200
    assert weighted_length(url) == 23
    assert find_urls(url) == [url]


def test_five_long_urls_count_23_each() -> None:
    assert all(len(url) > 60 for url in LONG_URLS)
    text = " ".join(LONG_URLS)
    assert len(text) > MAX_WEIGHTED_LENGTH
    assert weighted_length(text) == 5 * 23 + 4 == 119
    assert is_within_limit(text)
    assert find_urls(text) == LONG_URLS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("#edchat A1: https://example.com/x", 12 + 23, id="edchat answer"),
        pytest.param("A1: https://example.com/x #edchat", 4 + 23 + 8, id="hashtag after"),
        pytest.param("Q1 ➡️ https://example.com/q1 🍎 #edchat", 3 + 3 + 23 + 3 + 8, id="emoji"),
        pytest.param("今日の #edchat: example.com/today", 3 * 2 + 10 + 23, id="CJK and bare"),
        pytest.param("https://example.com", 23, id="url only"),
        pytest.param("example.com", 23, id="bare domain only"),
        pytest.param("Slides: example.com/slides.", 8 + 23 + 1, id="trailing period"),
        pytest.param("Test https://test.com test https://test.com test.com test", 86, id="three"),
        pytest.param("teacher@school.org", 18, id="e-mail is not a URL"),
        pytest.param("a" * 64 + ".com", 68, id="label over 63 characters"),
    ],
)
def test_weighted_length_with_urls(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


def test_url_over_4096_characters_counts_raw() -> None:
    text = "https://example.com/" + "a" * 4100
    assert find_urls(text) == []
    assert weighted_length(text) == len(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("#edchat A1: https://example.com/x", ["https://example.com/x"], id="edchat"),
        pytest.param("HTTPS://WWW.Example.COM/Index.html", None, id="any case"),
        pytest.param("http://example.com:8080/login", None, id="port"),
        pytest.param("https://example.com/search?q=fractions&grade=5", None, id="query"),
        pytest.param("https://example.com/#unit-3", None, id="fragment"),
        pytest.param("https://en.wikipedia.org/wiki/Primer_(film)", None, id="balanced parens"),
        pytest.param("https://en.wikipedia.org/wiki/Hatfield–McCoy_feud", None, id="en dash"),
        pytest.param("http://twitter.com/Русские_слова", None, id="cyrillic path"),
        pytest.param("http://☃.net/", None, id="unicode host"),
        pytest.param("http://foobar.中国/", None, id="IDN TLD"),
        pytest.param("http://xn--ls8h.la/", None, id="punycode"),
        pytest.param("www.school.org.uk", None, id="bare subdomains"),
        pytest.param("bit.ly/abc", None, id="bare ccTLD with path"),
        pytest.param("example.co", None, id="bare ccTLD"),
        pytest.param("ELPAÍS.com", None, id="bare accented label"),
        pytest.param("(see https://example.com)", ["https://example.com"], id="in parentheses"),
        pytest.param("Read nytimes.com, then reply", ["nytimes.com"], id="comma after"),
        pytest.param("Wow https://example.com/path!!!", ["https://example.com/path"], id="bangs"),
        pytest.param("https://example.com/path...", ["https://example.com/path"], id="dots"),
        pytest.param("“https://example.com/x”", ["https://example.com/x"], id="curly quotes"),
        pytest.param("日本語のexample.com/path。", ["example.com/path"], id="glued to CJK"),
        pytest.param("https://例え.jp/パス", ["https://例え.jp/"], id="kana path stops"),
        pytest.param(
            "a https://a.org b.net/x c",
            ["https://a.org", "b.net/x"],
            id="in order",
        ),
        pytest.param("I like http://t.co/pbY2NfTZ's site", ["http://t.co/pbY2NfTZ"], id="t.co"),
        pytest.param("https://t.co/UqIyJAJTfo?amp=1", None, id="t.co with query"),
        pytest.param("lesson.Today we", ["lesson.Today"], id="missing space makes a link"),
        pytest.param("Open notes.zip", ["notes.zip"], id="TLD that looks like a file"),
        pytest.param("Email teacher@school.org", [], id="e-mail"),
        pytest.param("Ask @school.org", [], id="mention"),
        pytest.param("#edchat.org", [], id="hashtag"),
        pytest.param("$TVI.CA", [], id="cashtag"),
        pytest.param("archive.tar.bz2", [], id="TLD followed by digit"),
        pytest.param("john.doe.gov@mail.com", [], id="TLD followed by @"),
        pytest.param("xhttp://example.com", [], id="scheme glued to a word"),
        pytest.param("ftp://example.com/file", [], id="ftp"),
        pytest.param("http://localhost:8000/", [], id="no TLD"),
        pytest.param("http://192.168.0.1/index.html", [], id="IP address"),
        pytest.param("http://example.notatld/x", [], id="unknown TLD"),
        pytest.param("http://-example.com", [], id="leading hyphen"),
        pytest.param("http://example_site.com", [], id="underscore in domain"),
        pytest.param("https://t.co/" + "a" * 41, [], id="t.co slug over 40"),
        pytest.param("no links here.", [], id="none"),
        pytest.param("", [], id="empty"),
    ],
)
def test_find_urls(text: str, expected: list[str] | None) -> None:
    assert find_urls(text) == (expected if expected is not None else [text])


def test_find_urls_returns_text_as_written() -> None:
    text = "Voila https://example.com/cafe\u0301 and more"
    (url,) = find_urls(text)
    assert url == "https://example.com/cafe\u0301"
    assert url in text


# --- the limit -----------------------------------------------------------------------------------

URL = "https://example.com/a/very/long/path/to/a/lesson/plan/for/tomorrow"


@pytest.mark.parametrize(
    ("text", "length", "within"),
    [
        pytest.param("a" * 280, 280, True, id="280 latin"),
        pytest.param("a" * 281, 281, False, id="281 latin"),
        pytest.param("漢" * 140, 280, True, id="140 CJK"),
        pytest.param("漢" * 141, 282, False, id="141 CJK"),
        pytest.param("漢" * 139 + "aa", 280, True, id="139 CJK + 2 latin"),
        pytest.param("漢" * 139 + "aaa", 281, False, id="139 CJK + 3 latin"),
        pytest.param("👩\u200d🏫" * 140, 280, True, id="140 ZWJ emoji"),
        pytest.param("👩\u200d🏫" * 141, 282, False, id="141 ZWJ emoji"),
        pytest.param("a" * 256 + " " + URL, 280, True, id="256 latin + URL"),
        pytest.param("a" * 257 + " " + URL, 281, False, id="257 latin + URL"),
        pytest.param("—" * 280, 280, True, id="280 em dashes"),
        pytest.param("…" * 141, 282, False, id="141 ellipses"),
        pytest.param("cafe\u0301 " * 56, 280, True, id="56 decomposed words"),
        pytest.param("a", 1, True, id="one character"),
        pytest.param("😀", 2, True, id="one emoji"),
    ],
)
def test_limit_boundaries(text: str, length: int, within: bool) -> None:
    assert weighted_length(text) == length
    assert is_within_limit(text) is within


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param(" ", id="space"),
        pytest.param("\n\t \r\n", id="whitespace"),
        pytest.param("\u3000\u00a0\u2003", id="unicode spaces"),
        pytest.param("\u200b\u200d", id="zero-width characters"),
        pytest.param("\ufe0f", id="lone variation selector"),
    ],
)
def test_blank_text_is_not_within_limit(text: str) -> None:
    assert not is_within_limit(text)
