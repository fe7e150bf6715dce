"""JSON documents and JSON lines of API response pages (Twitter API v2, YouTube Data API): one record per top-level object, with exact record numbers.

API collectors save responses either one per line (JSON lines: ``twarc2``, most scripts) or as a
single document, often pretty-printed (one response object, or an array of responses or items).
:func:`iter_json_records` reads both, parsing with orjson:

- **JSON lines** (the first non-empty line is a complete JSON value, or at least one line
  holding ``{...}``): record *n* is line *n*;
  lines are streamed, so memory stays bounded; a line that is not valid JSON comes as a
  record with ``error`` set, for the adapter to reject (:func:`flush_then_reject`).
- **One document** (anything else, read whole, up to :data:`MAX_DOCUMENT_BYTES`): an array's
  elements are records 1, 2, ...; a single object is record 1. API responses are small pages,
  so reading them whole is fine; a huge export should be converted to JSON lines.

Example::

    >>> import pathlib, tempfile
    >>> from swarmscope.sources.base import ReadContext, SourceOptions
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.json"
    >>> _ = p.write_text('[\\n  {"a": 1},\\n  {"a": 2}\\n]\\n')
    >>> ctx = ReadContext(p, str(p), SourceOptions())
    >>> [(r.record, r.line, r.value) for r in iter_json_records(ctx)]
    [(1, None, {'a': 1}), (2, None, {'a': 2})]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa

from ..errors import IngestError
from .base import ReadContext, RowBatcher
from .compression import open_input

MAX_DOCUMENT_BYTES = 1 << 30


@dataclass
class JsonRecord:
    record: int
    line: int | None  # physical line, for JSON lines
    value: Any
    #: Why the record could not be parsed (``value`` is then a preview of its text). The
    #: adapter rejects it, after handing on the rows before it.
    error: str | None = None


def flush_then_reject(ctx: ReadContext, batcher: RowBatcher, record: int | None,
                      field: str | None, reason: str, value: Any = None,
                      line: int | None = None) -> Iterator[pa.RecordBatch]:
    """Reject a record; in ``stop`` mode the rows collected before it are yielded first, so an
    error the pipeline finds in an earlier record is the one reported."""
    if ctx.on_error == "stop" and len(batcher):
        yield batcher.flush()
    ctx.reject(record, field, reason, value, line=line)


def iter_json_records(ctx: ReadContext) -> Iterator[JsonRecord]:
    """The records of ``ctx.path`` (see the module docstring)."""
    stream, counter = open_input(ctx.path)
    try:
        first = b""
        first_no = 0
        for first_no, raw in enumerate(stream, start=1):  # noqa: B007 - used after the loop
            if raw.strip():
                first = raw
                break
        if not first:
            return
        try:
            value = orjson.loads(first)
            lines_mode, error = True, None
        except orjson.JSONDecodeError as exc:
            # a broken first line of JSON lines still looks like one whole object
            stripped = first.strip()
            lines_mode = stripped.startswith(b"{") and stripped.endswith(b"}") and len(stripped) > 2
            value, error = None, exc
        if lines_mode:
            if error is None:
                yield JsonRecord(first_no, first_no, value)
            else:
                yield JsonRecord(first_no, first_no, _preview(first), f"invalid JSON: {error}")
            for lineno, raw in enumerate(stream, start=first_no + 1):
                if not raw.strip():
                    continue
                try:
                    value = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    yield JsonRecord(lineno, lineno, _preview(raw), f"invalid JSON: {exc}")
                    continue
                if lineno % 1024 == 0:
                    ctx.progress(counter.consumed)
                yield JsonRecord(lineno, lineno, value)
            ctx.progress(counter.consumed)
            return
    finally:
        stream.close()
    yield from _document_records(ctx)


def _preview(raw: bytes) -> str:
    return raw[:200].decode("utf-8", "replace")


def _document_records(ctx: ReadContext) -> Iterator[JsonRecord]:
    stream, counter = open_input(ctx.path)
    try:
        data = stream.read(MAX_DOCUMENT_BYTES + 1)
    finally:
        stream.close()
    if len(data) > MAX_DOCUMENT_BYTES:
        raise IngestError(ctx.display_name, None, None,
                          "a single JSON document larger than 1 GiB; convert it to JSON lines")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        # neither JSON lines nor one document: report where the document breaks
        line = data[: exc.pos].count(b"\n") + 1
        raise IngestError(ctx.display_name, 1, None, f"invalid JSON: {exc}", line=line) from exc
    ctx.progress(counter.consumed)
    if isinstance(doc, list):
        for i, value in enumerate(doc, start=1):
            yield JsonRecord(i, None, value)
    else:
        yield JsonRecord(1, None, doc)
