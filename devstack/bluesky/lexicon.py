"""Values checked against the atproto Lexicon schemas the sandbox carries (data/lexicons/), and
record keys and TIDs checked against the atproto spec.

Messages are worded as the reference server's lexicon package words them, with the same paths:
`Record/text must not be longer than 300 graphemes`, `Params/limit can not be greater than 100`,
`Input must have the property "repo"`. String `maxLength` counts UTF-8 bytes and `maxGraphemes`
extended grapheme clusters (the `regex` package's `\\X`), as the Lexicon spec says.

Key decision: every union is checked as closed. The reference server lets an open union through
with a `$type` it does not know; the sandbox refuses it instead (naming the types it carries), so a
post with a facet feature or embed the sandbox cannot show is a clear 400 rather than kept blind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import regex

LEXICON_DIR = Path(__file__).parent / "data" / "lexicons"

BASE32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
TID_LENGTH = 13
_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_RECORD_KEY = re.compile(r"^[a-zA-Z0-9_~.:-]{1,512}$")
_DATETIME = re.compile(
    r"^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\.[0-9]{1,20})?"
    r"(Z|[+-][0-2][0-9]:[0-5][0-9])$"
)
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")
_DID = re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$")
_HANDLE = re.compile(
    r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
)
_NSID = re.compile(r"^[a-zA-Z]([a-zA-Z0-9-]{0,62})?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62})?)+$")
_LANGUAGE = re.compile(r"^(i|[a-zA-Z]{2,3})(-[a-zA-Z0-9]+)*$")
_AT_URI = re.compile(r"^at://[^/\s]+(/[a-zA-Z0-9.-]+(/[a-zA-Z0-9_~.:-]+)?)?$")
_CID = re.compile(r"^[a-zA-Z0-9+=]{8,256}$")

_FORMATS: dict[str, tuple[Any, str]] = {
    "datetime": (_DATETIME, "must be an valid atproto datetime (both RFC-3339 and ISO-8601)"),
    "uri": (_URI, "must be a uri"),
    "did": (_DID, "must be a valid did"),
    "handle": (_HANDLE, "must be a valid handle"),
    "nsid": (_NSID, "must be a valid nsid"),
    "language": (_LANGUAGE, "must be a well-formed BCP 47 language tag"),
    "at-uri": (_AT_URI, "must be a valid at-uri"),
    "cid": (_CID, "must be a cid string"),
    "record-key": (_RECORD_KEY, "must be a valid Record Key"),
    "tid": (_TID, "must be a valid TID"),
}


class LexiconError(ValueError):
    """A value breaks its schema; the message is the reference server's wording."""


def graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


def tid_problem(rkey: str) -> str | None:
    """What makes `rkey` not a TID (the reference server's words), or None."""
    if len(rkey) != TID_LENGTH:
        return f"TID must be {TID_LENGTH} characters"
    if not _TID.match(rkey):
        return "TID syntax not valid (regex)"
    return None


def record_key_problem(rkey: str) -> str | None:
    if rkey in {".", ".."} or not _RECORD_KEY.match(rkey):
        return "record key syntax not valid (regex)"
    return None


def make_tid(moment: datetime, clock_id: int = 0) -> str:
    """A TID: microseconds since the epoch (53 bits), then a 10-bit clock id, base32-sortable."""
    number = (int(moment.timestamp() * 1_000_000) << 10) | (clock_id & 0x3FF)
    chars = []
    for _ in range(TID_LENGTH):
        chars.append(BASE32_SORTABLE[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def format_ok(value: str, name: str) -> bool:
    if name == "at-identifier":
        return bool(_DID.match(value) or _HANDLE.match(value))
    pattern = _FORMATS.get(name, (None, ""))[0]
    if pattern is None:
        return True
    if name == "datetime":
        return bool(pattern.match(value)) and not value.endswith("-00:00") and _parses(value)
    return bool(pattern.match(value))


def _parses(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


class Lexicons:
    """The carried Lexicon documents, by NSID."""

    def __init__(self, folder: Path = LEXICON_DIR) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        for path in sorted(folder.glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            self.documents[document["id"]] = document

    def main(self, nsid: str) -> dict[str, Any]:
        main: dict[str, Any] = self.documents[nsid]["defs"]["main"]
        return main

    def record_key(self, collection: str) -> str | None:
        if collection not in self.documents:
            return None
        key: str = self.main(collection).get("key", "any")
        return key

    def check_record(self, collection: str, value: Any) -> None:
        self._check(self.main(collection)["record"], value, "Record", collection)

    def check_input(self, nsid: str, body: Any) -> None:
        self._check(self.main(nsid)["input"]["schema"], body, "Input", nsid)

    def parse_params(self, nsid: str, args: Any) -> dict[str, Any]:
        """A query's parameters from the query string, typed and checked (path `Params`)."""
        spec = self.main(nsid).get("parameters", {"properties": {}})
        params: dict[str, Any] = {}
        for name, prop in spec["properties"].items():
            values = args.getlist(name)
            if not values:
                continue
            if prop["type"] == "array":
                params[name] = [_from_query(prop["items"], v, f"Params/{name}") for v in values]
            else:
                params[name] = _from_query(prop, values[0], f"Params/{name}")
        for name in spec.get("required", []):
            if name not in params:
                raise LexiconError(f'Params must have the property "{name}"')
        for name, value in params.items():
            self._check(spec["properties"][name], value, f"Params/{name}", nsid)
        for name, prop in spec["properties"].items():
            if name not in params and "default" in prop:
                params[name] = prop["default"]
        return params

    def _resolve(self, ref: str, nsid: str) -> tuple[dict[str, Any], str] | None:
        target = f"{nsid}{ref}" if ref.startswith("#") else ref
        document_id, _, name = target.partition("#")
        document = self.documents.get(document_id)
        if document is None or (name or "main") not in document["defs"]:
            return None
        return document["defs"][name or "main"], document_id

    def _check(self, spec: dict[str, Any], value: Any, path: str, nsid: str) -> None:
        kind = spec["type"]
        if kind == "ref":
            resolved = self._resolve(spec["ref"], nsid)
            if resolved is None:
                raise LexiconError(f"{path} refers to {spec['ref']}, which the sandbox lacks")
            self._check(resolved[0], value, path, resolved[1])
        elif kind == "union":
            self._check_union(spec, value, path, nsid)
        elif kind == "object":
            self._check_object(spec, value, path, nsid)
        elif kind == "array":
            if not isinstance(value, list):
                raise LexiconError(f"{path} must be an array")
            if "maxLength" in spec and len(value) > spec["maxLength"]:
                raise LexiconError(f"{path} must not have more than {spec['maxLength']} elements")
            if "minLength" in spec and len(value) < spec["minLength"]:
                raise LexiconError(f"{path} must not have fewer than {spec['minLength']} elements")
            for index, item in enumerate(value):
                self._check(spec["items"], item, f"{path}/{index}", nsid)
        elif kind == "blob":
            _check_blob(spec, value, path)
        elif kind == "unknown" and not isinstance(value, dict):
            raise LexiconError(f"{path} must be an object")
        else:
            _check_primitive(spec, value, path)

    def _check_object(self, spec: dict[str, Any], value: Any, path: str, nsid: str) -> None:
        if not isinstance(value, dict):
            raise LexiconError(f"{path} must be an object")
        for name in spec.get("required", []):
            if value.get(name) is None:
                raise LexiconError(f'{path} must have the property "{name}"')
        for name, prop in spec.get("properties", {}).items():
            if value.get(name) is not None:
                self._check(prop, value[name], f"{path}/{name}", nsid)

    def _check_union(self, spec: dict[str, Any], value: Any, path: str, nsid: str) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("$type"), str):
            raise LexiconError(f'{path} must be an object which includes the "$type" property')
        carried = [ref for ref in _full_refs(spec["refs"], nsid) if self._resolve(ref, nsid)]
        wanted = value["$type"].removesuffix("#main")
        if wanted not in carried:
            raise LexiconError(f"{path} $type must be one of {', '.join(carried)}")
        resolved = self._resolve(wanted, nsid)
        assert resolved is not None  # noqa: S101 - carried refs resolve  # nosec B101
        self._check(resolved[0], value, path, resolved[1])


def _full_refs(refs: Iterable[str], nsid: str) -> list[str]:
    return [f"{nsid}{ref}" if ref.startswith("#") else ref for ref in refs]


def _from_query(spec: dict[str, Any], raw: str, path: str) -> Any:
    if spec["type"] == "integer":
        try:
            return int(raw)
        except ValueError:
            raise LexiconError(f"{path} must be an integer") from None
    if spec["type"] == "boolean":
        if raw not in {"true", "false"}:
            raise LexiconError(f"{path} must be a boolean")
        return raw == "true"
    return raw


def _check_primitive(spec: dict[str, Any], value: Any, path: str) -> None:
    kind = spec["type"]
    if kind == "boolean":
        if not isinstance(value, bool):
            raise LexiconError(f"{path} must be a boolean")
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise LexiconError(f"{path} must be an integer")
        if "maximum" in spec and value > spec["maximum"]:
            raise LexiconError(f"{path} can not be greater than {spec['maximum']}")
        if "minimum" in spec and value < spec["minimum"]:
            raise LexiconError(f"{path} can not be less than {spec['minimum']}")
    elif kind == "string":
        _check_string(spec, value, path)


def _check_string(spec: dict[str, Any], value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise LexiconError(f"{path} must be a string")
    size = len(value.encode("utf-8"))
    if "maxLength" in spec and size > spec["maxLength"]:
        raise LexiconError(f"{path} must not be longer than {spec['maxLength']} characters")
    if "minLength" in spec and size < spec["minLength"]:
        raise LexiconError(f"{path} must not be shorter than {spec['minLength']} characters")
    if "maxGraphemes" in spec and graphemes(value) > spec["maxGraphemes"]:
        raise LexiconError(f"{path} must not be longer than {spec['maxGraphemes']} graphemes")
    if "enum" in spec and value not in spec["enum"]:
        raise LexiconError(f"{path} must be one of ({'|'.join(spec['enum'])})")
    name = spec.get("format")
    if name and not format_ok(value, name):
        wording = "must be a valid did or a handle"
        if name in _FORMATS:
            wording = _FORMATS[name][1]
        raise LexiconError(f"{path} {wording}")


def _check_blob(spec: dict[str, Any], value: Any, path: str) -> None:
    ref = value.get("ref") if isinstance(value, dict) else None
    if not (
        isinstance(value, dict)
        and value.get("$type") == "blob"
        and isinstance(ref, dict)
        and isinstance(ref.get("$link"), str)
        and isinstance(value.get("mimeType"), str)
        and isinstance(value.get("size"), int)
    ):
        raise LexiconError(f"{path} should be a blob ref")
    accepted = spec.get("accept", ["*/*"])
    if not any(_mime_matches(pattern, value["mimeType"]) for pattern in accepted):
        raise LexiconError(f"{path} mimeType is not accepted (must be one of {accepted})")
    if "maxSize" in spec and value["size"] > spec["maxSize"]:
        raise LexiconError(f"{path} is too big ({value['size']} bytes, max {spec['maxSize']})")


def _mime_matches(pattern: str, mime: str) -> bool:
    if pattern in {"*/*", mime}:
        return True
    return pattern.endswith("/*") and mime.startswith(pattern[:-1])
