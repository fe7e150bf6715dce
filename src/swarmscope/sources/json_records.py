"""Streaming JSON records out of an input file: JSON lines, or the elements of one JSON array.

Platform exports come as JSON lines (Pushshift / Arctic Shift Reddit dumps, Bluesky Jetstream,
Mastodon statuses saved one per line) or as one JSON array (a Mastodon API response). Both are
read here without loading the file: JSON lines line by line with ``orjson``, arrays element by
element with ``ijson`` (https://pypi.org/project/ijson/, its C backend). Record *n* is line *n*
of a JSON-lines file (blank lines count as lines, so the number is also the line number) or the
*n*-th element of an array. A line that is not a JSON object goes to
:meth:`~swarmscope.sources.base.ReadContext.reject`; a syntax error inside an array cannot be
skipped (the parser cannot find the next element), so it is reported as a reject of the next
record and ends the file.

:func:`open_records` also reads the zstandard files Reddit dump tools write with
``zstd --long=31`` (a 2 GiB window, which a default decoder refuses) and makes every compressed
stream iterable by line.

Example::

    >>> first_json_line(b'{"did": "did:plc:x", "time_us": 1}\\n{"did": "did:pl')
    {'did': 'did:plc:x', 'time_us': 1}
    >>> first_json_line(b'not json') is None
    True
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .base import ReadContext
from .compression import CountingReader, detect_compression, open_input

#: Largest zstandard window accepted: Pushshift and Arctic Shift dumps use ``--long=31``.
LONG_WINDOW = 2**31

_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"


class RecordError(ValueError):
    """A record that cannot become an action; ``field`` is named as in the input (dotted for
    nested fields, e.g. ``commit.record.subject.uri``). Adapters turn it into
    ``ctx.reject(record, field, reason, value)``."""

    def __init__(self, field: str | None, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.value = value


def open_records(path: str | Path) -> tuple[BinaryIO, CountingReader]:
    """Open ``path`` like :func:`~swarmscope.sources.compression.open_input`, with two fixes for
    record streams: zstandard frames with long windows decode, and every stream has a buffered
    ``readline`` (zstandard's and 7z's readers have none or a byte-by-byte one)."""
    kind = detect_compression(path)
    if kind == "zstd":
        import zstandard

        raw = open(path, "rb")  # noqa: SIM115 - closed with the returned stream
        counter = CountingReader(raw)
        buffered = io.BufferedReader(counter, buffer_size=1 << 20)
        reader = zstandard.ZstdDecompressor(max_window_size=LONG_WINDOW).stream_reader(buffered)
        return io.BufferedReader(reader, buffer_size=1 << 20), counter  # type: ignore[arg-type]
    stream, counter = open_input(path)
    if kind == "7z":
        return io.BufferedReader(stream, buffer_size=1 << 20), counter  # type: ignore[arg-type]
    return stream, counter


def first_byte(stream: BinaryIO) -> bytes:
    """The first byte that is not white space or a byte-order mark, consumed up to (not
    including) it. ``b""`` for an empty stream."""
    while True:
        peeked = stream.peek(64)  # type: ignore[attr-defined]
        if not peeked:
            return b""
        if peeked.startswith(_BOM):
            stream.read(len(_BOM))
            continue
        stripped = peeked.lstrip(_WHITESPACE)
        if stripped:
            stream.read(len(peeked) - len(stripped))
            return stripped[:1]
        stream.read(len(peeked))


def iter_json_lines(ctx: ReadContext, stream: BinaryIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(record, object)`` for each non-blank line; bad lines go to ``ctx.reject``."""
    for lineno, line in enumerate(stream, start=1):
        if lineno == 1 and line.startswith(_BOM):
            line = line[len(_BOM):]
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            ctx.reject(lineno, None, f"invalid JSON: {exc}",
                       line[:200].decode("utf-8", "replace"), line=lineno)
            continue
        if not isinstance(obj, dict):
            ctx.reject(lineno, None, f"a record must be a JSON object, not {_json_type(obj)}",
                       line=lineno)
            continue
        yield lineno, obj


def iter_json_array(ctx: ReadContext, stream: BinaryIO,
                    prefix: str = "item") -> Iterator[tuple[int, Any]]:
    """``(record, element)`` for each element of the array at ``prefix`` (ijson's prefix syntax:
    ``"item"`` is the elements of a top-level array, ``"messages.item"`` those of the
    ``messages`` array of a top-level object)."""
    import ijson

    record = 0
    try:
        for obj in ijson.items(stream, prefix, use_float=True):
            record += 1
            yield record, obj
    except ijson.JSONError as exc:
        ctx.reject(record + 1, None,
                   f"invalid JSON after record {record}: {exc}; the rest of the file cannot be read")


def first_json_line(head: bytes) -> dict[str, Any] | None:
    """The object on the first non-blank line of ``head``, if that line is a complete JSON
    object (for sniffers: ``head`` is the first KiBs of a file and may end mid-line)."""
    if head.startswith(_BOM):
        head = head[len(_BOM):]
    for line in head.split(b"\n"):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            return None
        return obj if isinstance(obj, dict) else None
    return None


def first_array_element(head: bytes) -> Any:
    """The first element of the top-level JSON array that ``head`` starts, or ``None``."""
    import ijson

    if head.startswith(_BOM):
        head = head[len(_BOM):]
    if not head.lstrip(_WHITESPACE).startswith(b"["):
        return None
    try:
        for obj in ijson.items(io.BytesIO(head), "item", use_float=True):
            return obj
    except ijson.JSONError:
        return None
    return None


def first_record(head: bytes) -> Any:
    """First element of a JSON array, or the object on the first line of JSON lines."""
    stripped = head.lstrip(_BOM).lstrip(_WHITESPACE)
    if stripped.startswith(b"["):
        return first_array_element(stripped)
    return first_json_line(stripped)


def _json_type(obj: Any) -> str:
    if isinstance(obj, list):
        return "an array"
    if isinstance(obj, str):
        return "a string"
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "a boolean"
    return "a number"
