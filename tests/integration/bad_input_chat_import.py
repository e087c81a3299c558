"""The bad-input catalogue's cases for importing many chats (web/chat_import.py): the form, its
preview and its confirm step, each refused with a clear 4xx and changing nothing. Collected into
CATALOGUE by tests/integration/bad_input_catalogue.py.

A preview whose every row is bad is itself a 422 (each row named on the page), so a bad cell is
a case here like a bad field of the chat form; a confirm that adds nothing because every row is
bad is a 422 too. Fetches that fail (timeout, 5xx, a redirect to a private address) are in
test_fault_injection_calendar_import.py, which serves them; here only addresses refused before
any connection (private, not https, not an address at all).
"""

from urllib.parse import urlencode

from tests.integration.bad_input_catalogue import (
    FAMILY,
    HUGE,
    OTHERS_SITE,
    R400,
    R401,
    R403,
    R413,
    R415,
    R422,
    RLM,
    RLO,
    SCRIPT,
    Case,
    case,
    raw,
)

HEADER = "name,hashtag,network,weekday,time,zone"
GOOD_ROW = "Import Chat,#importchat,x,Monday,20:00,America/New_York"
CARRY_HEADER = f"{HEADER},duration,every_weeks,first_date"
CARRIED = f"{CARRY_HEADER}\nImport Chat,#importchat,x,monday,20:00,America/New_York,60,1,2026-12-07"


def paste(*rows: str) -> dict[str, str]:
    return {"csv": "\n".join([HEADER, *rows])}


def carry(row: str) -> dict[str, str]:
    return {"rows": f"{CARRY_HEADER}\n{row}"}


# Previews refused for one bad cell (a 422 naming the row), as admin: what is wrong, the CSV's
# header and its row.
BAD_PREVIEW_ROWS = [
    ("a bidi override in the zone", HEADER, f"Chat,#chat,x,Monday,20:00,{RLO}UTC"),
    ("a right-to-left mark in the name", HEADER, f"{RLM}Chat{RLO},#chat,x,Monday,20:00,UTC"),
    ("markup as the hashtag", HEADER, f'Chat,"{SCRIPT}",x,Monday,20:00,UTC'),
    ("an emoji as the weekday", HEADER, f"Chat,#chat,x,{FAMILY},20:00,UTC"),
    ("an absurd first date", CARRY_HEADER, "Chat,#chat,x,monday,20:00,UTC,60,1,99999-01-04"),
    ("an absurd duration", CARRY_HEADER, f"Chat,#chat,x,monday,20:00,UTC,{HUGE},1,"),
    ("an unknown zone", HEADER, "Chat,#chat,x,Monday,20:00,EST5"),
    ("an unknown network", HEADER, "Chat,#chat,myspace,Monday,20:00,UTC"),
]
# Calendar addresses a preview refuses (422) before any connection.
BAD_ADDRESSES = [
    ("a private address", "https://169.254.169.254/latest/meta-data/"),
    ("a file address", "file:///etc/passwd"),
    ("a script address", "javascript:x()"),
    ("a two-line address", "https://a\n.b"),
]
# Rows a confirm refuses (a 422: nothing added), as the preview's hidden field carries them.
BAD_CONFIRM_ROWS = [
    ("a forged duration", "Chat,#chat,x,monday,20:00,UTC,99999,1,2026-12-07"),
    ("a first date off its weekday", "Chat,#chat,x,monday,20:00,UTC,60,1,2026-12-08"),
    ("an absurd first date", "Chat,#chat,x,monday,20:00,UTC,60,1,0000-00-00"),
    ("every 99 weeks", "Chat,#chat,x,monday,20:00,UTC,60,99,2026-12-07"),
    ("an unknown zone", "Chat,#chat,x,monday,20:00,Mars/Olympus,60,1,2026-12-07"),
    ("a bidi override in the name", f"{RLO}tahC,#chat,x,monday,20:00,UTC,60,1,2026-12-07"),
    ("markup as the hashtag", f'Chat,"{SCRIPT}",x,monday,20:00,UTC,60,1,2026-12-07'),
]


def chat_import_cases() -> list[Case]:
    p, c, form = "POST /import/chats", "POST /import/chats/confirm", "GET /import/chats"
    over = "x" * (129 * 1024)  # the import forms' limit is 128 KiB
    return [
        case("import form as a member", form, R403),
        case(
            "import form when signed out",
            form,
            R401,
            who="nobody",
            headers={"accept": "application/json"},
        ),
        # The preview
        case("preview as a member", p, R403, fields=paste(GOOD_ROW)),
        case("preview oversized", p, R413, fields={"csv": over}),
        case("preview invalid UTF-8", p, R400, raw_body=raw({}, b"csv=caf\xe9")),
        case("preview invalid UTF-8 escaped", p, R400, raw_body=raw({}, b"csv=%C3%28")),
        case("preview NUL in the CSV", p, R400, who="admin", fields={"csv": GOOD_ROW + "\x00"}),
        case("preview escape codes", p, R400, who="admin", fields={"csv": "a\x1b[31m,b"}),
        *[
            case(f"preview {what}", p, R422, who="admin", fields={"csv": f"{header}\n{row}"})
            for what, header, row in BAD_PREVIEW_ROWS
        ],
        case("preview nothing", p, R422, who="admin", fields={"csv": "", "url": ""}),
        case("preview missing fields", p, R422, who="admin", fields={}),
        case(
            "preview a CSV and an address",
            p,
            R422,
            who="admin",
            fields={**paste(GOOD_ROW), "url": "https://10.0.0.1/chats.ics"},
        ),
        case(
            "preview 101 rows",
            p,
            R422,
            who="admin",
            fields={"csv": "\n".join([GOOD_ROW] * 101)},
        ),
        case(
            "preview a repeated address",
            p,
            R422,
            who="admin",
            raw_body=raw({"url": "https://10.0.0.1/a.ics"}, b"&url=https://10.0.0.1/b.ics"),
        ),
        *[
            case(f"preview {what}", p, R422, who="admin", fields={"url": url})
            for what, url in BAD_ADDRESSES
        ],
        case(
            "preview an unknown default network",
            p,
            R422,
            who="admin",
            fields={**paste(GOOD_ROW), "default_network": "myspace"},
        ),
        case(
            "preview as JSON",
            p,
            R415,
            who="admin",
            raw_body=b'{"csv": "a"}',
            headers={"content-type": "application/json"},
        ),
        case(
            "preview as a CSV upload",
            p,
            R415,
            who="admin",
            raw_body=GOOD_ROW.encode(),
            headers={"content-type": "text/csv"},
        ),
        case(
            "preview from another site",
            p,
            R403,
            who="admin",
            fields=paste(GOOD_ROW),
            headers={"origin": OTHERS_SITE},
        ),
        case(
            "preview with a forged Host",
            p,
            R403,
            who="admin",
            fields=paste(GOOD_ROW),
            headers={"host": "evil.example", "origin": "https://evil.example"},
        ),
        # The confirm step
        case("confirm as a member", c, R403, fields={"rows": CARRIED}),
        case("confirm when signed out", c, R401, who="nobody", fields={"rows": CARRIED}),
        case(
            "confirm from another site",
            c,
            R403,
            who="admin",
            fields={"rows": CARRIED},
            headers={"origin": OTHERS_SITE},
        ),
        case(
            "confirm with a forged Host",
            c,
            R403,
            who="admin",
            fields={"rows": CARRIED},
            headers={"host": "evil.example", "origin": "https://evil.example", "referer": None},
        ),
        case("confirm oversized", c, R413, who="admin", fields={"rows": over}),
        case(
            "confirm invalid UTF-8",
            c,
            R400,
            who="admin",
            raw_body=urlencode({"rows": CARRY_HEADER}).encode() + b"%0AChat,%23c\xff",
        ),
        case("confirm a NUL", c, R400, who="admin", fields={"rows": CARRIED + "\x00"}),
        case("confirm nothing", c, R422, who="admin", fields={}),
        *[
            case(f"confirm {what}", c, R422, who="admin", fields=carry(row))
            for what, row in BAD_CONFIRM_ROWS
        ],
        case(
            "confirm as JSON",
            c,
            R415,
            who="admin",
            raw_body=b'{"rows": "a"}',
            headers={"content-type": "application/json"},
        ),
    ]
