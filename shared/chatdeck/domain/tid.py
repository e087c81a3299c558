"""A Bluesky record key (TID) made from a post's due time and its target digest, so every try of
one post to one account names the same record, and a repeated create cannot make a second post.

The atproto TID spec (atproto.com/specs/tid): a 64-bit integer, its top bit 0, then 53 bits of
microseconds since the UNIX epoch, then a 10-bit clock identifier; written as 13 characters of
base32-sortable (`234567abcdefghijklmnopqrstuvwxyz`), so the first character is one of
`234567abcdefghij`.

- The timestamp is the due time's whole second, plus a sub-second part taken from the digest
  (posts are due on whole minutes, so the due time's own microseconds say nothing), and the
  clock identifier is 10 more bits of the digest: two posts due at the same second to the same
  account share a key with odds of one in about 10^9, where the due time's microseconds and 10
  bits alone would give one in 1024.
- The key still sorts by due time, to the second, as TIDs sort by creation.
"""

import re
from datetime import datetime

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
TID_PATTERN = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_MAX_MICROS = (1 << 53) - 1


def tid_for(due_utc: datetime, digest: bytes) -> str:
    """The record key of the post due at `due_utc` for the target whose digest is `digest`."""
    if due_utc.tzinfo is None:
        raise ValueError("the due time must be timezone-aware")
    if len(digest) < 6:
        raise ValueError("the digest must have at least 6 bytes")
    seconds = int(due_utc.timestamp())
    mixed = int.from_bytes(digest[:6], "big")  # 48 bits: 20 for the sub-second, 10 for the clock
    sub_second = (mixed >> 10) % 1_000_000
    clock_id = mixed & 0x3FF
    micros = seconds * 1_000_000 + sub_second
    if not 0 <= micros <= _MAX_MICROS:
        raise ValueError("the due time is outside what a TID can say")
    return encode((micros << 10) | clock_id)


def encode(value: int) -> str:
    """A 63-bit integer as a TID's 13 base32-sortable characters."""
    if not 0 <= value < (1 << 63):
        raise ValueError("a TID is a 63-bit integer")
    return "".join(ALPHABET[(value >> (5 * (12 - i))) & 31] for i in range(13))


def decode(tid: str) -> int:
    if not TID_PATTERN.match(tid):
        raise ValueError(f"not a TID: {tid!r}")
    value = 0
    for char in tid:
        value = (value << 5) | ALPHABET.index(char)
    return value


def is_tid(value: str) -> bool:
    return bool(TID_PATTERN.match(value))
