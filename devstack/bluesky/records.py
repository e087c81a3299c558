"""The sandbox's repositories: records by (DID, collection, rkey), and uploaded blobs.

- A record's `cid` is a CIDv1 (dag-cbor, sha2-256) of the record's DAG-CBOR encoding, as a PDS
  computes it, so the same record always has the same cid.
- A record created without an `rkey` gets a TID from the sandbox clock, strictly increasing per
  repository even while the clock is frozen.
- Creating a record whose (collection, rkey) already exists raises `RecordExists`: the reference
  server then answers a plain 500 (README-notes section 1), and so does the sandbox.
- Deleting a record that does not exist is a no-op, as on the reference server.
- A blob's ref is a CIDv1 (raw, sha2-256) of its bytes; its MIME type is sniffed from the bytes,
  as the PDS does, since clients send `Content-Type: */*`.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import libipld

from devstack.bluesky.lexicon import make_tid

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class RecordExists(Exception):
    """A create found a record at its key (the MST's "There is already a value at key")."""


def cid_of(value: Any) -> str:
    """CIDv1, dag-cbor (0x71), sha2-256, base32: what a PDS gives a record."""
    try:
        encoded = libipld.encode_dag_cbor(value)
    except (TypeError, ValueError):  # a float, say: not a valid record, but keep a stable cid
        encoded = json.dumps(value, sort_keys=True).encode()
    return str(libipld.encode_cid(b"\x01\x71\x12\x20" + hashlib.sha256(encoded).digest()))


def blob_cid(data: bytes) -> str:
    """CIDv1, raw (0x55), sha2-256, base32: what a PDS gives a blob."""
    return str(libipld.encode_cid(b"\x01\x55\x12\x20" + hashlib.sha256(data).digest()))


def sniff_mime(data: bytes, declared: str | None) -> str:
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if declared and "*" not in declared:
        return declared
    return "application/octet-stream"


@dataclass(frozen=True)
class Record:
    did: str
    collection: str
    rkey: str
    cid: str
    value: dict[str, Any]
    created_at: datetime  # by the sandbox clock

    @property
    def uri(self) -> str:
        return f"at://{self.did}/{self.collection}/{self.rkey}"


@dataclass(frozen=True)
class Blob:
    cid: str
    mime_type: str
    data: bytes

    def ref(self) -> dict[str, Any]:
        return {
            "$type": "blob",
            "ref": {"$link": self.cid},
            "mimeType": self.mime_type,
            "size": len(self.data),
        }


class Repos:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str, str], Record] = {}
        self._last_tid: dict[str, str] = {}
        self._blobs: dict[str, Blob] = {}

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._last_tid.clear()
            self._blobs.clear()

    def create(self, did: str, collection: str, rkey: str | None, value: dict[str, Any]) -> Record:
        with self._lock:
            now = self.clock()
            key = rkey or self._next_tid(did, now)
            if (did, collection, key) in self._records:
                raise RecordExists(f"There is already a value at key: {collection}/{key}")
            record = Record(did, collection, key, cid_of(value), value, now)
            self._records[(did, collection, key)] = record
            return record

    def get(self, did: str, collection: str, rkey: str) -> Record | None:
        with self._lock:
            return self._records.get((did, collection, rkey))

    def delete(self, did: str, collection: str, rkey: str) -> bool:
        with self._lock:
            return self._records.pop((did, collection, rkey), None) is not None

    def all(self) -> list[Record]:
        """Every record, in the order they were created."""
        with self._lock:
            return list(self._records.values())

    def commit(self, did: str) -> dict[str, str]:
        """A commit's `{cid, rev}` for a write just made (rev: a TID, as on the PDS)."""
        with self._lock:
            rev = self._next_tid(f"rev:{did}", self.clock())
        return {"cid": cid_of({"did": did, "rev": rev}), "rev": rev}

    def put_blob(self, data: bytes, declared: str | None) -> Blob:
        blob = Blob(blob_cid(data), sniff_mime(data, declared), data)
        with self._lock:
            self._blobs[blob.cid] = blob
        return blob

    def blob(self, cid: str) -> Blob | None:
        with self._lock:
            return self._blobs.get(cid)

    def _next_tid(self, scope: str, now: datetime) -> str:
        tid = make_tid(now)
        last = self._last_tid.get(scope)
        if last is not None and tid <= last:
            tid = _successor(last)
        self._last_tid[scope] = tid
        return tid


def _successor(tid: str) -> str:
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    number = 0
    for char in tid:
        number = number * 32 + alphabet.index(char)
    number += 1
    chars = []
    for _ in range(len(tid)):
        chars.append(alphabet[number & 31])
        number >>= 5
    return "".join(reversed(chars))
