"""What a source adapter is, and the helpers adapters share.

A source adapter turns one input file into Arrow record batches of
:data:`swarmscope.schema.SOURCE_SCHEMA`: the canonical action columns plus ``record``, the
1-based position of the raw record in the file. Adapters only parse: the ingest pipeline
(:mod:`swarmscope.ingest`) parses timestamps, validates required fields, derives ``links`` and
``text_key``, deduplicates and commits.

The ``ts`` column of a source batch may be a string (any form :mod:`swarmscope.timeparse`
reads), a number (epoch) or a timestamp. A record the adapter cannot parse at all (invalid JSON,
a missing required field, a wrong type) is passed to :meth:`ReadContext.reject`, which raises
:class:`~swarmscope.errors.IngestError` by default or logs the record as rejected under
``--on-error skip``.

Writing an adapter (also from a third-party package, registered under the entry point group
``swarmscope.sources``)::

    class MySource(Source):
        name = "myformat"
        platform = "myplatform"
        description = "My platform's JSON export"

        def read(self, ctx):
            batcher = RowBatcher()
            for record, obj in enumerate(iter_my_records(ctx.path), start=1):
                batcher.add(record=record, platform=self.platform, action_id=obj["id"], ...)
                if batcher.full:
                    yield batcher.flush()
            yield batcher.flush()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pyarrow as pa

from ..errors import IngestError
from ..schema import SOURCE_COLUMNS

#: Rows per batch that adapters should aim for.
BATCH_ROWS = 65_536

LIST_COLUMNS = ("urls", "hashtags", "mentions")


@dataclass
class SourceOptions:
    """Options of one ingest call that adapters may use."""

    mapping: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    ts_format: str | None = None
    tz: str | None = None
    ts_unit: str | None = None
    platform: str | None = None
    delimiter: str | None = None
    extra_columns: str = "all"  # "all" | "none"


@dataclass
class Reject:
    file: str
    record: int | None
    field: str | None
    reason: str
    value: str | None
    line: int | None = None


class ReadContext:
    """Per-file state handed to a source's :meth:`Source.read`."""

    def __init__(self, path: Path, display_name: str, options: SourceOptions,
                 on_error: str = "stop", file_key: str | Callable[[], str] = "",
                 progress: Callable[[int], None] | None = None) -> None:
        self.path = path
        self.display_name = display_name
        self.options = options
        self.on_error = on_error
        self._file_key = file_key
        self.rejects: list[Reject] = []
        self._progress = progress

    @property
    def file_key(self) -> str:
        """A short stable key of the file's content, for adapters that must derive action ids.

        The ingest pipeline gives a function that waits for the file's hash, computed while
        the adapter starts reading: only adapters that use the key wait for it."""
        if callable(self._file_key):
            self._file_key = self._file_key()
        return self._file_key

    def reject(self, record: int | None, field: str | None, reason: str,
               value: Any = None, line: int | None = None) -> None:
        """Report a bad record: raise in ``stop`` mode, remember it in ``skip`` mode."""
        shown = None if value is None else (value if isinstance(value, str) else repr(value))
        if shown is not None and len(shown) > 1000:
            shown = shown[:1000] + "..."
        if self.on_error == "stop":
            raise IngestError(self.display_name, record, field, reason, value, line=line)
        self.rejects.append(Reject(self.display_name, record, field, reason, shown, line))

    def progress(self, consumed_bytes: int) -> None:
        """Tell the progress bar how many bytes of the (compressed) file are consumed."""
        if self._progress is not None:
            self._progress(consumed_bytes)


class Source:
    """Base class of source adapters. Subclasses set the class attributes and :meth:`read`."""

    name: ClassVar[str] = ""
    platform: ClassVar[str] = "generic"
    description: ClassVar[str] = ""
    #: File name patterns this format usually has (for documentation and auto-detection hints).
    extensions: ClassVar[tuple[str, ...]] = ()
    #: Rows the ingest pipeline gathers into one batch, where more than its default
    #: (:data:`swarmscope.ingest.GROUP_ROWS`) pays off; 0 for the default.
    batch_rows: ClassVar[int] = 0

    def __init__(self, options: SourceOptions | None = None) -> None:
        self.options = options or SourceOptions()

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        """True if ``head`` (the first decompressed KiB of the file) is unambiguously this
        format. Used by ``--format auto``; the default never claims a file."""
        return False

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        raise NotImplementedError

    def field_label(self, column: str) -> str:
        """How the canonical ``column`` is called in the input (for error messages)."""
        return column

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        """Physical line numbers of the given records, where the format has lines."""
        return {}


class RowBatcher:
    """Collects actions as Python values and emits Arrow batches of the source schema.

    ``ts`` values are kept as given (strings or numbers, turned into strings) for the pipeline to
    parse; list columns take lists of strings; ``extra`` takes a dict (stored as JSON).
    """

    def __init__(self, rows: int = BATCH_ROWS) -> None:
        self.rows = rows
        self._cols: dict[str, list[Any]] = {c: [] for c in SOURCE_COLUMNS}
        self._cols["record"] = []

    @property
    def full(self) -> bool:
        return len(self._cols["record"]) >= self.rows

    def __len__(self) -> int:
        return len(self._cols["record"])

    def add(self, record: int, **values: Any) -> None:
        for c in SOURCE_COLUMNS:
            v = values.get(c)
            if c == "extra":
                v = orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS).decode() if v else None
            elif c == "ts":
                v = None if v is None else str(v)
            elif c in LIST_COLUMNS:
                v = [str(x) for x in v if x is not None and str(x) != ""] if v else []
            elif v is not None and not isinstance(v, str):
                v = str(v)
            self._cols[c].append(v)
        self._cols["record"].append(record)

    def flush(self) -> pa.RecordBatch:
        arrays = []
        names = []
        for c, vals in self._cols.items():
            if c in LIST_COLUMNS:
                arrays.append(pa.array(vals, type=pa.list_(pa.string())))
            elif c == "record":
                arrays.append(pa.array(vals, type=pa.int64()))
            else:
                arrays.append(pa.array(vals, type=pa.string()))
            names.append(c)
        batch = pa.RecordBatch.from_arrays(arrays, names=names)
        self._cols = {c: [] for c in self._cols}
        return batch

    def flush_pending(self) -> pa.RecordBatch | None:
        """Like :meth:`flush`, but ``None`` when no rows are collected."""
        return self.flush() if len(self) else None
