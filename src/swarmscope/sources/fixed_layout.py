"""Tabular formats with a known column layout, mapped to actions by one SQL ``SELECT`` per batch.

Platform exports such as Twitter's information-operations archive, FiveThirtyEight's IRA tweets
or CrowdTangle CSVs have fixed column names. An adapter for one of them subclasses
:class:`FixedLayoutSource` and returns a :class:`Layout` from :meth:`~FixedLayoutSource.layout`:
a DuckDB SQL expression per canonical column (written over the input columns, which are all
text), the input field each canonical column comes from (for error messages), and
:class:`Check` s that reject a record naming its field. The input is read by
:mod:`swarmscope.sources.table_stream` (CSV of any compression, or Parquet), so record numbers
are exact and malformed CSV rows are reported, never skipped silently.

Data values only ever reach SQL as columns of the scanned Arrow batch; column *names* from the
file header appear in SQL only as quoted identifiers or string literals (:func:`ident`,
:func:`literal`).

Example (a three-column layout)::

    >>> import pathlib, tempfile
    >>> from swarmscope.sources.base import ReadContext, SourceOptions
    >>> class Demo(FixedLayoutSource):
    ...     name = "demo"
    ...     def layout(self, ctx, columns):
    ...         c = Columns(columns)
    ...         return Layout({"platform": "'demo'", "action_id": c.id("n"),
    ...                        "account": c.id("who"), "ts": c.raw("when"), "kind": "'post'"},
    ...                       labels={"account": "who"},
    ...                       checks=[Check("n", "NOT regexp_full_match(n, '[0-9]+')",
    ...                                     "n must be a number", "n")])
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("n,who,when\\n1,ann,2021-01-01\\nx,bob,2021-01-02\\n")
    >>> ctx = ReadContext(p, str(p), SourceOptions(), on_error="skip")
    >>> [(r["action_id"], r["account"], r["record"]) for b in Demo().read(ctx) for r in b.to_pylist()]
    [('1', 'ann', 1)]
    >>> [(r.record, r.line, r.field, r.reason) for r in ctx.rejects]
    [(2, 3, 'n', 'n must be a number')]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from ..engine import SPACE_SEPARATORS, WorkerQueries
from ..errors import IngestError, UsageError
from ..readahead import ordered_map, read_ahead
from ..schema import SOURCE_COLUMNS
from .base import LIST_COLUMNS, ReadContext, Source, SourceOptions
from .json_object import json_objects
from .table_stream import (
    RECORD,
    RESERVED_PREFIX,
    TABLE_BATCH_ROWS,
    csv_record_lines,
    open_table,
)


def ident(name: str) -> str:
    """A column name as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A string as an SQL literal."""
    return "'" + value.replace("'", "''") + "'"


def derived(name: str) -> str:
    """SQL reference to the value ``name`` computed in a :attr:`Layout.steps` step."""
    return ident(RESERVED_PREFIX + name)


NULL = "NULL::VARCHAR"
#: SQL for the record number of the current row.
RECORD_SQL = ident(RECORD)
EMPTY_LIST = "[]::VARCHAR[]"

_TRIMMED = RESERVED_PREFIX + "trimmed "


def _trimmed_ref(name: str) -> str:
    return ident(_TRIMMED + name)


class Columns:
    """SQL snippets over the input columns of one file; absent columns read as NULL."""

    def __init__(self, columns: list[str]) -> None:
        self.names = list(columns)
        self._set = set(columns)

    def __contains__(self, name: str) -> bool:
        return name in self._set

    def first(self, *names: str) -> str | None:
        """The first of ``names`` the file has."""
        return next((n for n in names if n in self._set), None)

    def raw(self, name: str | None) -> str:
        """The value exactly as given (for text and times)."""
        return ident(name) if name is not None and name in self._set else NULL

    def trimmed(self, name: str | None) -> str:
        """The value as DuckDB's ``trim()`` gives it, computed with Arrow before the mapping
        SQL runs: DuckDB's trim decodes every character of a value to find its end, which
        made it the costliest function of the mappings (Twitter IO: a fifth of the work)."""
        return _trimmed_ref(name) if name is not None and name in self._set else NULL

    def id(self, name: str | None) -> str:
        """A trimmed identifier; empty means absent (NULL)."""
        return f"nullif({self.trimmed(name)}, '')" if name is not None and name in self._set else NULL

    def unmapped(self, exclude: set[str]) -> list[str]:
        """The columns not in ``exclude``, in file order (for :attr:`Layout.extra`)."""
        return [c for c in self.names if c not in exclude]


@dataclass
class Check:
    """A test that rejects a record: ``failed`` is an SQL condition over the input columns."""

    field: str  # the input field named in the error
    failed: str
    reason: str
    value: str = NULL  # SQL for the offending value shown in the error


@dataclass
class Layout:
    """How one file's columns become source columns."""

    exprs: dict[str, str]
    labels: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    #: Values computed once per row before ``exprs`` and ``checks``, which refer to them with
    #: :func:`derived`; each step may use the steps before it. An expression written twice would
    #: be evaluated twice (DuckDB does not share work inside a lambda).
    steps: list[dict[str, str]] = field(default_factory=list)
    #: Input columns kept in ``extra``: a JSON object of their names and values as given (text),
    #: built from the input batch by :func:`~swarmscope.sources.json_object.json_objects`.
    #: Replaces ``exprs["extra"]`` when not empty.
    extra: list[str] = field(default_factory=list)

    def plan(self, columns: list[str]) -> Plan:
        """The mapping SQL over a batch with the input ``columns``, with what it needs around
        it (see :class:`Plan`)."""
        inputs = {ident(c): c for c in columns}
        copied = {col: inputs[expr] for col, expr in self.exprs.items()
                  if col in SOURCE_COLUMNS and expr in inputs}
        select = []
        for col in SOURCE_COLUMNS:
            if col in copied or (col == "extra" and self.extra):
                continue
            default = EMPTY_LIST if col in LIST_COLUMNS else NULL
            select.append(f"{self.exprs.get(col, default)} AS {col}")
        select.append(f"{RECORD_SQL} AS record")
        steps = [step for step in self.steps if step]
        if self.checks:
            # The index of the first failed check is computed once, in a step of its own: the
            # conditions (some parse JSON) are evaluated for every row, and written in both
            # CASEs below they were evaluated twice.
            tests = " ".join(f"WHEN {c.failed} THEN {i}" for i, c in enumerate(self.checks))
            steps.append({"failed_check": f"CASE {tests} END"})
            failed = derived("failed_check")
            values = " ".join(f"WHEN {i} THEN CAST({c.value} AS VARCHAR)"
                              for i, c in enumerate(self.checks))
            select.append(f"{failed} AS _check")
            select.append(f"CASE {failed} {values} END AS _check_value")
        source = "batch"
        for step in steps:
            values = ", ".join(f"{expr} AS {derived(name)}" for name, expr in step.items())
            source = f"(SELECT *, {values} FROM {source})"  # noqa: S608 - column SQL only
        sql = "SELECT " + ", ".join(select) + " FROM " + source  # noqa: S608
        return Plan(sql, copied, [c for c in columns if _trimmed_ref(c) in sql])


@dataclass
class Plan:
    """The mapping SQL of a :class:`Layout`, and what is done around it with Arrow."""

    sql: str
    #: Source columns that are input columns as given (source column -> input column). They,
    #: and ``extra``, are taken from the input batch without passing through DuckDB: scanning a
    #: long text and copying it back out cost more than all the expressions of most columns.
    copied: dict[str, str]
    #: Input columns whose :meth:`Columns.trimmed` values the SQL reads.
    trimmed: list[str]

    def scanned(self, batch: pa.RecordBatch | pa.Table) -> pa.Table:
        """The batch as the SQL reads it: with the trimmed columns."""
        table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
        for name in self.trimmed:
            table = table.append_column(
                _TRIMMED + name, pc.utf8_trim(table.column(name), characters=SPACE_SEPARATORS))
        return table


def refuse_mapping(name: str, options: SourceOptions) -> None:
    """Formats with a fixed mapping take no ``--map``/``--set``: silently ignoring them would
    leave the analyst believing a column was mapped."""
    if options.mapping or options.constants:
        flag = "--map" if options.mapping else "--set"
        raise UsageError(f"{flag} applies to the generic formats (csv, tsv, jsonl, parquet); "
                         f"format {name!r} maps its columns itself (see docs/formats/{name}.md)")


class FixedLayoutSource(Source):
    """Base of adapters for tabular formats with known columns (CSV or Parquet input)."""

    delimiter: ClassVar[str] = ","
    #: Input columns without which a file is not this format (checked before reading rows).
    required_columns: ClassVar[tuple[str, ...]] = ()
    #: Rows per batch of the mapping SQL, and of the ingest pipeline after it.
    batch_rows: ClassVar[int] = TABLE_BATCH_ROWS

    def layout(self, ctx: ReadContext, columns: list[str]) -> Layout:
        raise NotImplementedError

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        refuse_mapping(self.name, self.options)
        table = open_table(ctx, self.options.delimiter or self.delimiter, self.batch_rows)
        self._kind = table.kind
        if not table.columns:
            return
        missing = [c for c in self.required_columns if c not in table.columns]
        if missing:
            raise IngestError(
                ctx.display_name, None, missing[0],
                f"not a {self.name} file: column {missing[0]!r} is missing "
                f"(its columns: {', '.join(table.columns[:30])})")
        # The CSV blocks are parsed in another thread from here on, also while the layout waits
        # for the file's key (see ReadContext.file_key); the mapping of a batch by two workers
        # overlaps the parsing of the next ones, and the checks (which report bad records) run
        # here, in file order.
        parsed = read_ahead(table.batches, name=f"swarmscope-parse-{ctx.path.name}")
        try:
            workers = WorkerQueries("batch")
        except BaseException:
            parsed.close()
            raise
        try:
            layout = self.layout(ctx, table.columns)
            self._labels = dict(layout.labels)
            plan = layout.plan(table.columns)

            def mapped(given: pa.RecordBatch | pa.Table) -> pa.Table:
                out = workers.get().run(plan.sql, plan.scanned(given))
                return _with_input_columns(out, given, plan.copied, layout.extra)

            results = ordered_map(mapped, parsed, name=f"swarmscope-map-{ctx.path.name}")
            try:
                for out in results:
                    if layout.checks:
                        yield from self._apply_checks(ctx, out, layout.checks)
                    else:
                        yield from _whole(out)
            finally:
                results.close()  # waits for the workers
        finally:
            parsed.close()
            workers.close()
        # Lines of records rejected in skip mode, found in one pass at the end.
        unplaced = [r for r in ctx.rejects if r.line is None and r.record is not None]
        if unplaced:
            lines = self.locate_lines(ctx, [r.record for r in unplaced])
            for r in unplaced:
                r.line = lines.get(r.record)

    def _apply_checks(self, ctx: ReadContext, out: pa.Table,
                      checks: list[Check]) -> Iterator[pa.RecordBatch]:
        """Good rows of ``out``; failed checks go to ``ctx.reject``. In ``stop`` mode the rows
        before the first failure are yielded first, so a bad record the pipeline finds earlier
        in the same batch (an unparseable time) is the one reported."""
        flags = out.column("_check").combine_chunks()
        clean = out.drop_columns(["_check", "_check_value"])
        if flags.null_count == len(flags):
            yield from _whole(clean)
            return
        failed = pc.is_valid(flags)
        idx = pc.indices_nonzero(failed).to_pylist()
        records = out.column("record")
        values = out.column("_check_value")
        if ctx.on_error == "stop":
            yield from _whole(clean.slice(0, idx[0]))
            i = idx[0]
            record = records[i].as_py()
            check = checks[flags[i].as_py()]
            line = self.locate_lines(ctx, [record]).get(record)
            ctx.reject(record, check.field, check.reason, values[i].as_py(), line=line)
        for i in idx:
            check = checks[flags[i].as_py()]
            ctx.reject(records[i].as_py(), check.field, check.reason, values[i].as_py())
        yield from _whole(clean.filter(pc.invert(failed)))

    def field_label(self, column: str) -> str:
        return getattr(self, "_labels", {}).get(column, column)

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        if getattr(self, "_kind", "csv") != "csv":
            return {}
        return csv_record_lines(ctx, records, self.options.delimiter or self.delimiter)


def _with_input_columns(out: pa.Table, batch: pa.RecordBatch | pa.Table,
                        copied: dict[str, str], extra: list[str]) -> pa.Table:
    """The mapped rows ``out`` with the columns :meth:`Layout.plan` left out of the SQL."""
    if not copied and not extra:
        return out
    if isinstance(batch, pa.RecordBatch):
        batch = pa.Table.from_batches([batch])
    # Row i of ``out`` must be row i of the batch. A single-threaded DuckDB returns the rows of
    # a plain SELECT in the order it scanned them; should it not, the rows are put back in that
    # order, which is that of their record numbers (increasing within a batch).
    if not out.column("record").equals(batch.column(RECORD)):
        out = out.take(pc.sort_indices(out.column("record")))
        if not out.column("record").equals(batch.column(RECORD)):
            raise RuntimeError("internal error: mapped rows do not match the input rows")
    names = [*SOURCE_COLUMNS, *(n for n in out.column_names if n not in SOURCE_COLUMNS)]
    columns = []
    for name in names:
        if name in copied:
            columns.append(batch.column(copied[name]))
        elif name == "extra" and extra:
            columns.append(json_objects(extra, [batch.column(c) for c in extra]))
        else:
            columns.append(out.column(name))
    return pa.Table.from_arrays(columns, names=names)


def _whole(table: pa.Table) -> Iterator[pa.RecordBatch]:
    """The mapped rows as they are: DuckDB keeps the input's chunks (one per 1 MiB CSV block),
    and the ingest pipeline groups consecutive batches again without copying them."""
    if table.num_rows:
        yield from table.to_batches()
