"""Reading the records of a JSON input file: JSON lines, the elements of a JSON array, or one document.

Platform exports and saved API responses come in three layouts, told apart by content:

- **JSON lines** (Pushshift / Arctic Shift Reddit dumps, Bluesky Jetstream, ``twarc2`` pages,
  statuses saved one per line): read line by line with ``orjson``. Record *n* is line *n*; blank
  lines count as lines, so the number is also the line number.
- **A JSON array** (a Mastodon API response, a saved array of API pages; the input starts with
  ``[``, or the adapter names the array, e.g. ``messages.item`` of a Telegram export): streamed
  element by element with ``ijson`` (https://pypi.org/project/ijson/, its C backend). Record *n*
  is the *n*-th element.
- **One document** (only when the adapter asks for ``documents=True``, for pretty-printed API
  response objects; anything that neither starts with ``[`` nor has a complete JSON value or a
  ``{...}`` on its first line): read whole with ``orjson``, up to :data:`MAX_DOCUMENT_BYTES`, as
  record 1. Other adapters read such input as JSON lines, so a broken first line of a dump is
  one bad record, not a broken document.

JSON lines and arrays stream, so memory stays bounded whatever the file size. Every record
comes as a :class:`JsonRecord`; one that cannot be parsed has ``error`` set, and the adapter
rejects it with :func:`flush_then_reject` like its own bad records (file, record number, line
and field in the message; counted in ``--on-error skip``). A syntax error inside an array
cannot be skipped (the parser cannot find the next element): it is the error of the next
record and ends the file.

:func:`open_records` reads compressed inputs like
:func:`~swarmscope.sources.compression.open_input` (including the zstandard files Reddit dump
tools write with ``zstd --long=31``) and makes every stream peekable and fast to read by line.

Example::

    >>> import pathlib, tempfile
    >>> from swarmscope.sources.base import ReadContext, SourceOptions
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.jsonl"
    >>> _ = p.write_text('{"a": 1}\\n\\n{"a": \\n')
    >>> ctx = ReadContext(p, str(p), SourceOptions())
    >>> with JsonRecords(ctx) as records:
    ...     print(records.layout, [(r.record, r.line, r.value, r.error) for r in records])  # doctest: +ELLIPSIS
    lines [(1, 1, {'a': 1}, None), (3, 3, '{"a": \\n', 'invalid JSON: unexpected end of data...')]
    >>> first_json_line(b'{"did": "did:plc:x", "time_us": 1}\\n{"did": "did:pl')
    {'did': 'did:plc:x', 'time_us': 1}
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Literal, NamedTuple

import orjson
import pyarrow as pa

from ..errors import IngestError
from .base import ReadContext, RowBatcher
from .compression import CountingReader, open_input

#: Largest single JSON document read whole (API response pages are small).
MAX_DOCUMENT_BYTES = 1 << 30

Layout = Literal["lines", "array", "document"]

_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
_PROGRESS_EVERY = 1024


class JsonRecord(NamedTuple):
    """One record of a JSON input, numbered as the module docstring says."""

    record: int
    #: The record's line in JSON lines (``record`` itself); ``None`` for array elements and
    #: documents, except the line where a broken document breaks.
    line: int | None
    #: The parsed value; for a record that cannot be parsed, a preview of its text (or ``None``).
    value: Any
    #: Why the record could not be parsed; the adapter rejects it (:func:`flush_then_reject`).
    error: str | None = None


class RecordError(ValueError):
    """A record that cannot become an action; ``field`` is named as in the input (dotted for
    nested fields, e.g. ``commit.record.subject.uri``). Adapters turn it into a reject with
    :func:`flush_then_reject`."""

    def __init__(self, field: str | None, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason
        self.value = value


def open_records(path: str | Path) -> tuple[BinaryIO, CountingReader]:
    """Open ``path`` like :func:`~swarmscope.sources.compression.open_input`, as a stream with
    ``peek`` and a buffered ``readline`` (a 7z member comes as a raw file, whose ``readline``
    reads byte by byte)."""
    stream, counter = open_input(path)
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream, buffer_size=1 << 20)  # type: ignore[arg-type]
    return stream, counter


class JsonRecords:
    """The records of ``ctx.path`` (see the module docstring), as :class:`JsonRecord` items.

    ``documents``: read input that is neither an array nor JSON lines as one document.
    ``array_at``: the records are the elements of this array (an ijson prefix, e.g.
    ``"messages.item"``), whatever the file starts with. ``wrap`` wraps the decompressed stream
    before parsing (e.g. to repair an exporter's invalid escapes). :attr:`layout` is known on
    construction, which reads at most the first line.
    """

    def __init__(self, ctx: ReadContext, *, documents: bool = False, array_at: str | None = None,
                 wrap: Callable[[BinaryIO], Any] | None = None) -> None:
        self._ctx = ctx
        self._raw, self._counter = open_records(ctx.path)
        self._stream = wrap(self._raw) if wrap is not None else self._raw
        self._prefix = array_at or "item"
        self._first = b""
        self._first_line = 1
        try:
            self.layout: Layout = "array" if array_at else self._detect(documents)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> JsonRecords:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._raw.close()

    def __iter__(self) -> Iterator[JsonRecord]:
        if self.layout == "lines":
            return self._lines()
        if self.layout == "array":
            return self._array()
        return self._document()

    # ------------------------------------------------------------------ layout
    def _detect(self, documents: bool) -> Layout:
        # Peek past a byte-order mark and white space without reading a possibly huge first
        # line (a one-line array of 100 MB streams), counting the blank lines skipped.
        stream = self._stream
        skipped_lines = 0
        while True:
            peeked = stream.peek(64)
            if not peeked:
                return "lines"  # empty: no records
            if peeked.startswith(_BOM):
                stream.read(len(_BOM))
                continue
            stripped = peeked.lstrip(_WHITESPACE)
            gap = len(peeked) - len(stripped)
            skipped_lines += peeked.count(b"\n", 0, gap)
            stream.read(gap)
            if stripped:
                break
        if stripped.startswith(b"["):
            return "array"
        self._first_line = skipped_lines + 1
        self._first = stream.readline()
        if not documents:
            return "lines"
        try:
            orjson.loads(self._first)
            return "lines"
        except orjson.JSONDecodeError:
            # a broken first line of JSON lines still looks like one whole object
            line = self._first.strip()
            return "lines" if line.startswith(b"{") and line.endswith(b"}") and len(line) > 2 \
                else "document"

    # ------------------------------------------------------------------ readers
    def _lines(self) -> Iterator[JsonRecord]:
        ctx, counter, loads = self._ctx, self._counter, orjson.loads
        if self._first:
            yield _parse_line(self._first, self._first_line)
        for lineno, line in enumerate(self._stream, start=self._first_line + 1):
            if not line.strip():
                continue
            try:
                value = loads(line)
            except orjson.JSONDecodeError as exc:
                yield JsonRecord(lineno, lineno, _preview(line), f"invalid JSON: {exc}")
                continue
            yield JsonRecord(lineno, lineno, value)
            if not lineno % _PROGRESS_EVERY:
                ctx.progress(counter.consumed)
        ctx.progress(counter.consumed)

    def _array(self) -> Iterator[JsonRecord]:
        import ijson

        ctx, counter = self._ctx, self._counter
        record = 0
        try:
            for value in ijson.items(self._stream, self._prefix, use_float=True):
                record += 1
                yield JsonRecord(record, None, value)
                if not record % _PROGRESS_EVERY:
                    ctx.progress(counter.consumed)
        except ijson.JSONError as exc:
            yield JsonRecord(record + 1, None, None, f"invalid JSON after record {record}: "
                             f"{exc}; the rest of the file cannot be read")
        ctx.progress(counter.consumed)

    def _document(self) -> Iterator[JsonRecord]:
        data = self._first + self._stream.read(MAX_DOCUMENT_BYTES + 1 - len(self._first))
        if len(data) > MAX_DOCUMENT_BYTES:
            raise IngestError(self._ctx.display_name, None, None,
                              "a single JSON document larger than 1 GiB; convert it to JSON lines")
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            # report the line where the document breaks: the record is the whole file
            line = self._first_line + data[:exc.pos].count(b"\n")
            yield JsonRecord(1, line, None, f"invalid JSON: {exc}")
            return
        self._ctx.progress(self._counter.consumed)
        yield JsonRecord(1, None, value)


def _parse_line(line: bytes, lineno: int) -> JsonRecord:
    try:
        return JsonRecord(lineno, lineno, orjson.loads(line))
    except orjson.JSONDecodeError as exc:
        return JsonRecord(lineno, lineno, _preview(line), f"invalid JSON: {exc}")


def _preview(raw: bytes) -> str:
    return raw[:200].decode("utf-8", "replace")


def record_lines(layout: Layout | None, records: list[int]) -> dict[int, int]:
    """The lines of ``records`` (for ``Source.locate_lines``): in JSON lines record *n* is line
    *n*; array elements and documents have no useful line."""
    return {r: r for r in records} if layout == "lines" else {}


def flush_then_reject(ctx: ReadContext, rec: JsonRecord,
                      flush: Callable[[], pa.RecordBatch | None], field: str | None = None,
                      reason: str | None = None, value: Any = None) -> Iterator[pa.RecordBatch]:
    """Reject ``rec``: for its own ``error`` when ``reason`` is not given, else for
    ``(field, reason, value)``. In ``stop`` mode the rows collected before it (``flush()``,
    ``None`` when there are none) are yielded first, so an error the pipeline finds in an earlier
    record is the one reported."""
    if ctx.on_error == "stop":
        batch = flush()
        if batch is not None:
            yield batch
    if reason is None:
        reason, value = rec.error or "not a JSON record", rec.value
    ctx.reject(rec.record, field, reason, value, line=rec.line)


#: ``(field, reason, value)`` of a bad part of a record, as an adapter's ``add_record`` yields it.
Problem = tuple[str | None, str, Any]


def batches_of_records(
        ctx: ReadContext, records: Iterable[JsonRecord], batcher: RowBatcher,
        add_record: Callable[[RowBatcher, int, Any], Iterable[Problem]],
        finish: Callable[[pa.RecordBatch], Iterable[pa.RecordBatch]] = lambda b: (b,),
) -> Iterator[pa.RecordBatch]:
    """The batches of an adapter whose records each add rows to ``batcher``
    (``add_record(batcher, record_number, value)`` yields the record's bad parts, which are
    rejected with :func:`flush_then_reject`). Every batch, the rows flushed before a reject
    included, goes through ``finish`` (an adapter's last per-batch step)."""
    for rec in records:
        if rec.error is not None:
            yield from _finished(flush_then_reject(ctx, rec, batcher.flush_pending), finish)
            continue
        for problem in add_record(batcher, rec.record, rec.value):
            yield from _finished(flush_then_reject(ctx, rec, batcher.flush_pending, *problem),
                                 finish)
        if batcher.full:
            yield from finish(batcher.flush())
    if len(batcher):
        yield from finish(batcher.flush())


def _finished(batches: Iterable[pa.RecordBatch],
              finish: Callable[[pa.RecordBatch], Iterable[pa.RecordBatch]]
              ) -> Iterator[pa.RecordBatch]:
    for b in batches:
        yield from finish(b)


def not_an_object(value: Any) -> str:
    """The reason to reject a record that is not a JSON object."""
    kind = ("an array" if isinstance(value, list) else "a string" if isinstance(value, str)
            else "null" if value is None else "a boolean" if isinstance(value, bool)
            else "a number")
    return f"a record must be a JSON object, not {kind}"


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
