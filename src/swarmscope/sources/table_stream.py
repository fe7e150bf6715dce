"""Tabular files (CSV, TSV, Parquet) as Arrow batches of text columns with exact record numbers.

Fixed-layout adapters (:mod:`swarmscope.sources.fixed_layout`) read their input through
:func:`open_table`: every column arrives as ``string`` (no type guessing, so ids and counts stay
byte-exact), with a :data:`RECORD` column holding the 1-based data-row number. Record *n* is the
*n*-th non-empty data row of a CSV file (the header is not a record) or the *n*-th row of a
Parquet file.

CSV is streamed with pyarrow in 8 MiB blocks (quoted fields may span lines, RFC 4180). A block
pyarrow cannot parse (a row with too few or too many fields, bytes that are not UTF-8) would cost
the record numbers of everything after it, so reading falls back to Python's :mod:`csv` module
from the first record of that block on: each bad row is reported through
:meth:`~swarmscope.sources.base.ReadContext.reject` with its record, physical line and, for
encoding errors, the field, and the good rows keep their true record numbers.

Example::

    >>> import pathlib, tempfile
    >>> from swarmscope.sources.base import ReadContext, SourceOptions
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("id,text\\n1,hello\\n2,x,y\\n3,bye\\n")
    >>> ctx = ReadContext(p, str(p), SourceOptions(), on_error="skip")
    >>> table = open_table(ctx)
    >>> table.columns
    ['id', 'text']
    >>> [(r["id"], r[RECORD]) for b in table.batches for r in b.to_pylist()]
    [('1', 1), ('3', 3)]
    >>> [(r.record, r.line, r.reason) for r in ctx.rejects]
    [(2, 3, 'expected 2 fields, found 3')]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..arrowbuf import int64_range
from ..errors import IngestError
from .base import ReadContext
from .compression import open_input

# Small pyarrow blocks keep the streaming reader's memory flat (with 8 MiB blocks its peak grew
# with the file: 316 MiB at 200k rows, 597 MiB at 1M rows of Twitter IO data; 226 MiB with
# 1 MiB blocks); rows are then gathered into batches of TABLE_BATCH_ROWS for the mapping SQL,
# whose bind cost is per query. 32k rows measured lower in both memory and CPU than 64k.
CSV_BLOCK_BYTES = 1 << 20
TABLE_BATCH_ROWS = 32_768

#: Column names starting with this are swarmscope's own (the record number, values derived by an
#: adapter). Input columns named so (a hostile header can say anything) are renamed, so they can
#: never shadow them.
RESERVED_PREFIX = "__swarmscope_"
#: Name of the record-number column added to every batch.
RECORD = RESERVED_PREFIX + "record__"

# Field values are limited by csv's default of 128 KiB; a long post's text with its entities can
# exceed that, and a hostile file can hold anything, so allow up to 64 MiB per field.
csv.field_size_limit(64 << 20)


@dataclass
class Table:
    """Column names (deduplicated: ``a``, ``a_1``) and a lazy iterator of batches."""

    columns: list[str]
    batches: Iterator[pa.RecordBatch | pa.Table]
    kind: str  # "csv" or "parquet"


def is_parquet(ctx: ReadContext) -> bool:
    with open(ctx.path, "rb") as fh:
        return fh.read(4) == b"PAR1"


def open_table(ctx: ReadContext, delimiter: str = ",",
               batch_rows: int = TABLE_BATCH_ROWS) -> Table:
    """Open ``ctx.path`` as CSV (any compression) or Parquet (by its magic bytes), read in
    batches of ``batch_rows`` rows (the last one smaller)."""
    if is_parquet(ctx):
        return _parquet_table(ctx, batch_rows)
    columns = input_names(read_csv_header(ctx, delimiter))
    return Table(columns, _csv_batches(ctx, columns, delimiter, batch_rows), "csv")


def input_names(names: list[str]) -> list[str]:
    """Column names made unique (``a``, ``a_1``), none starting with :data:`RESERVED_PREFIX`."""
    used: set[str] = set()
    out = []
    for name in names:
        if name.startswith(RESERVED_PREFIX):
            name = "_" + name
        unique, k = name, 0
        while unique in used:
            k += 1
            unique = f"{name}_{k}"
        used.add(unique)
        out.append(unique)
    return out


def read_csv_header(ctx: ReadContext, delimiter: str = ",") -> list[str]:
    stream, _ = open_input(ctx.path)
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
        try:
            header = next(csv.reader(text, delimiter=delimiter))
        except StopIteration:
            return []
    finally:
        stream.close()
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    return header


def header_of(head: bytes, delimiter: str = ",") -> list[str]:
    """Column names from the first bytes of a (decompressed) CSV file, for sniffers."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return []


def _with_record(batch: pa.RecordBatch, columns: list[str], first: int) -> pa.RecordBatch:
    arrays = [batch.column(i) for i in range(batch.num_columns)]
    records = int64_range(first, batch.num_rows)
    return pa.RecordBatch.from_arrays(arrays + [records], names=list(columns) + [RECORD])


def _parquet_table(ctx: ReadContext, batch_rows: int = TABLE_BATCH_ROWS) -> Table:
    try:
        pf = pq.ParquetFile(ctx.path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise IngestError(ctx.display_name, None, None,
                          f"not a readable Parquet file: {exc}") from exc
    columns = input_names(pf.schema_arrow.names)

    def batches() -> Iterator[pa.RecordBatch]:
        total = max(1, pf.metadata.num_rows)
        size = ctx.path.stat().st_size
        done = 0
        for b in pf.iter_batches(batch_size=batch_rows):
            text = pa.RecordBatch.from_arrays(
                [_as_text(b.column(i)) for i in range(b.num_columns)], names=columns)
            yield _with_record(text, columns, done + 1)
            done += b.num_rows
            ctx.progress(int(size * done / total))

    return Table(columns, batches(), "parquet")


def _csv_batches(ctx: ReadContext, columns: list[str], delimiter: str,
                 batch_rows: int = TABLE_BATCH_ROWS) -> Iterator[pa.RecordBatch | pa.Table]:
    if not columns:
        return
    delivered = 0
    pending: list[pa.RecordBatch] = []
    stream, counter = open_input(ctx.path)
    # A batch goes once the blocks after its rows hold this many rows too, so that a short rest
    # at the end of the file joins the last batch instead of paying a batch's fixed costs (its
    # statements, a row group) and a pipeline stage of its own at the end.
    slack = batch_rows // 8

    def take(blocks: int | None = None) -> pa.Table:
        """The first ``blocks`` pending blocks (all by default) as a table."""
        nonlocal delivered, pending
        table = pa.Table.from_batches(pending[:blocks])
        first, pending = delivered + 1, pending[len(pending) if blocks is None else blocks:]
        delivered += table.num_rows
        return table.append_column(
            RECORD, int64_range(first, table.num_rows))

    try:
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(column_names=columns, skip_rows=1,
                                               block_size=CSV_BLOCK_BYTES),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in columns},
                    strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
            while True:
                try:
                    b = reader.read_next_batch()
                except StopIteration:
                    break
                ctx.progress(counter.consumed)
                if b.num_rows:
                    pending.append(b)
                    if sum(p.num_rows for p in pending) >= batch_rows + slack:
                        blocks, rows = 0, 0
                        while rows < batch_rows:
                            rows += pending[blocks].num_rows
                            blocks += 1
                        yield take(blocks)
            if pending:
                yield take()
            return
        except pa.ArrowInvalid:
            pass  # a malformed row somewhere after the rows read so far: go record by record
    finally:
        stream.close()
    if pending:
        yield take()
    yield from _python_csv_batches(ctx, columns, delimiter, delivered)


def _python_csv_batches(ctx: ReadContext, columns: list[str], delimiter: str,
                        skip: int) -> Iterator[pa.RecordBatch]:
    """Rows after the first ``skip`` records, read with :mod:`csv`, bad rows rejected."""
    n = len(columns)
    stream, counter = open_input(ctx.path)
    try:
        # surrogateescape keeps undecodable bytes visible so the row can be rejected by field
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.reader(text, delimiter=delimiter, strict=False)
        try:
            next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise IngestError(ctx.display_name, None, None, f"malformed CSV header: {exc}") from exc
        cols: list[list[str]] = [[] for _ in range(n)]
        records: list[int] = []
        record = 0
        start = reader.line_num + 1
        while True:
            problem: tuple[int, str | None, str, str | None, int] | None = None
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                record += 1
                problem = (record, None, f"malformed CSV: {exc}", None, start)
                row = []
            line, start = start, reader.line_num + 1
            if problem is None:
                if not row:
                    continue  # blank lines are not records (as for pyarrow)
                record += 1
                if record <= skip:
                    continue
                if len(row) != n:
                    problem = (record, None, f"expected {n} fields, found {len(row)}",
                               _preview(row, delimiter), line)
                elif (bad := _undecodable(row)) is not None:
                    problem = (record, columns[bad], "not valid UTF-8", _shown(row[bad]), line)
            if problem is not None:
                if ctx.on_error == "stop" and records:
                    # the rows before the bad one go first: an error in them comes first
                    yield _strings_batch(cols, records, columns)
                    cols, records = [[] for _ in range(n)], []
                rec, fld, reason, value, at = problem
                ctx.reject(rec, fld, reason, value, line=at)
                continue
            for i, v in enumerate(row):
                cols[i].append(v)
            records.append(record)
            if len(records) >= TABLE_BATCH_ROWS:
                ctx.progress(counter.consumed)
                yield _strings_batch(cols, records, columns)
                cols, records = [[] for _ in range(n)], []
        if records:
            ctx.progress(counter.consumed)
            yield _strings_batch(cols, records, columns)
    finally:
        stream.close()


def _strings_batch(cols: list[list[str]], records: list[int],
                   columns: list[str]) -> pa.RecordBatch:
    arrays = [pa.array(c, type=pa.string()) for c in cols]
    arrays.append(pa.array(records, type=pa.int64()))
    return pa.RecordBatch.from_arrays(arrays, names=list(columns) + [RECORD])


def _undecodable(row: list[str]) -> int | None:
    for i, v in enumerate(row):
        if any("\udc80" <= ch <= "\udcff" for ch in v):
            return i
    return None


def _shown(value: str) -> str:
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _preview(row: list[Any], delimiter: str) -> str:
    s = delimiter.join(str(v) for v in row)
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")[:200]


def csv_record_lines(ctx: ReadContext, records: list[int], delimiter: str = ",") -> dict[int, int]:
    """Physical line (1-based) where each of ``records`` starts, counted as :func:`open_table`
    counts records (blank lines are not records)."""
    wanted = set(records)
    out: dict[int, int] = {}
    if not wanted or is_parquet(ctx):
        return out
    stream, _ = open_input(ctx.path)
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
        reader = csv.reader(text, delimiter=delimiter, strict=False)
        try:
            next(reader)
        except (StopIteration, csv.Error):
            return out
        record = 0
        start = reader.line_num + 1
        while len(out) < len(wanted):
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:
                row = [""]
            line, start = start, reader.line_num + 1
            if not row:
                continue
            record += 1
            if record in wanted:
                out[record] = line
    finally:
        stream.close()
    return out


def _as_text(arr: pa.Array) -> pa.Array:
    """A Parquet column as text (fixed layouts map text columns; timestamps keep UTC)."""
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arr.cast(pa.string())
    if pa.types.is_timestamp(t):
        unit = pa.timestamp("us", tz="UTC") if t.tz else pa.timestamp("us")
        return arr.cast(unit).cast(pa.string())
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_struct(t):
        return pa.array([None if v is None else orjson.dumps(v, default=str).decode()
                         for v in arr.to_pylist()], type=pa.string())
    return arr.cast(pa.string())
