"""Ingest: input files -> validated, deduplicated rows of the actions table, in one transaction.

Pipeline per file: the format's source adapter parses records into source batches; this module
parses timestamps to UTC, checks the required fields (``platform``, ``action_id``, ``account``,
``ts``, ``kind``), derives ``links`` (normalised URLs) and ``text_key``, and stages the rows as
Parquet, already in their final form. At the end, rows whose ``(platform, action_id)`` is already
in the case or repeats earlier in the same ingest are dropped and counted, and the rest become
one new part of the actions table. All files of one call commit together or not at all (see
:mod:`swarmscope.case`).

Method, and why it is fast: the adapter runs in a background thread, a few batches ahead of the
pipeline (a bounded queue), so parsing and deriving use two cores: both spend most of their
time in pyarrow and DuckDB, which release the GIL. Batches still reach the pipeline in file
order, and an adapter's error reaches it after the batches before it, so the first bad record
of the file is the one reported, as with a single thread. The derived columns are computed per
batch in one DuckDB statement, so the staged file holds the final rows; two workers (each with a
single-threaded DuckDB cursor) derive consecutive batches, handed on in order
(:func:`~swarmscope.readahead.ordered_map`), so this stage takes both cores when it is the
slowest. The file's hash is computed in a thread of its own while the file is read. Deduplication
first checks, reading only the key columns, whether any staged row repeats another or one
already in the case; usually none does, and the staged file becomes the new part without being
rewritten.

Bad input: with ``on_error="stop"`` (the default) the first bad record raises
:class:`~swarmscope.errors.IngestError` naming file, record, line, field and reason, and the case
is left unchanged. With ``on_error="skip"`` bad records are written with their reasons to
``CASE/rejects/<ingest id>.jsonl`` and counted in the report; nothing is dropped silently.

Example::

    >>> import swarmscope, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "posts.csv").write_text("id,user,time,msg\\n1,ann,2021-01-01T10:00:00Z,hello\\n")
    >>> case = swarmscope.Case.init(d / "case")
    >>> r = swarmscope.ingest(case, [d / "posts.csv"], format="csv",
    ...                       mapping={"action_id": "id", "account": "user", "ts": "time", "text": "msg"})
    >>> (r.added, r.duplicates, r.rejected)
    (1, 0, 0)
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .arrowbuf import EMPTY_STRING, TRUE, repeat_string, strings
from .case import Case, Transaction
from .engine import SPACE_SEPARATORS, BatchQueries, WorkerQueries, connect, sql_list, trim_sql
from .errors import IngestError, UsageError
from .hashed_names import HASHED_NAMES, NAME_TABLES, hash_names, probe
from .provenance import file_sha256
from .readahead import ordered_map, read_ahead
from .schema import ACTIONS_SCHEMA
from .sources.base import ReadContext, Source, SourceOptions
from .sources.registry import detect_format, get_source
from .text import key_sql, removed_sql, squeezed_sql
from .timeparse import TS_TYPE, parse_timestamps, timestamp_sql
from .urls import normalize_url

#: (file index, bytes of that file consumed so far, size of that file)
ProgressCallback = Callable[[int, int, int], None]

REQUIRED = ("platform", "action_id", "account", "ts", "kind")

#: Columns with few distinct values, dictionary-encoded in the staged Parquet. Dictionaries on
#: the others (ids, texts, ``extra``) cost a third of the writing time and made the file larger:
#: zstd already finds their repeats.
DICTIONARY_COLUMNS = ("platform", "kind", "ingest_id")

#: Columns with min/max statistics in the staged Parquet: all but the long texts, whose
#: statistics (truncated strings) prune nothing and cost writing time.
STATISTICS_COLUMNS = [f.name for f in ACTIONS_SCHEMA
                      if f.name not in ("text", "extra", *HASHED_NAMES)]

#: Rows the pipeline processes at once (at least; an adapter's batch is never split).
GROUP_ROWS = 32_768

#: Source batches the adapter may read ahead of the pipeline. Two keep both threads busy (the
#: pipeline's cost per batch varies) while memory stays flat: at most this many batches wait.
READ_AHEAD = 2


@dataclass
class FileReport:
    """What one input file contributed."""

    path: str
    format: str
    sha256: str
    ingest_id: str
    records: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects_file: str | None = None


@dataclass
class IngestReport:
    """Totals of one ingest call, and per-file detail."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)




def ingest(
    case: Case | str | Path,
    files: Iterable[str | Path],
    format: str = "auto",
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    ts_format: str | None = None,
    tz: str | None = None,
    ts_unit: str | None = None,
    platform: str | None = None,
    delimiter: str | None = None,
    extra: str = "all",
    on_error: str = "stop",
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Ingest ``files`` into ``case`` (see the module docstring for the guarantees)."""
    if on_error not in ("stop", "skip"):
        raise UsageError("on_error must be 'stop' or 'skip'")
    if not isinstance(case, Case):
        case = Case.open(case)
    paths = [Path(f) for f in files]
    for p in paths:
        if not p.is_file():
            raise UsageError(f"{p}: no such file")
    options = SourceOptions(
        mapping=dict(mapping or {}), constants=dict(constants or {}), ts_format=ts_format,
        tz=tz, ts_unit=ts_unit, platform=platform, delimiter=delimiter, extra_columns=extra,
    )
    report = IngestReport()
    with case.transaction() as txn:
        staged: list[Path] = []
        names: dict[str, list[pa.Table]] = {}  # per table of names, distinct per batch
        rejects: dict[str, list[dict[str, Any]]] = {}
        for i, path in enumerate(paths):
            fmt = detect_format(path) if format == "auto" else format
            source = get_source(fmt)(options)
            # The hash is computed in another thread while the file is read (hashlib releases
            # the GIL): it was a tenth of a second before the first row, on one core.
            sha = _in_background(file_sha256, path)
            fr = FileReport(path=str(path), format=fmt, sha256="", ingest_id=f"{txn.txid}-{i}")
            out = txn.stage_path(f"staged-{i}.parquet")
            size = path.stat().st_size
            on_bytes = None
            if progress is not None:
                def on_bytes(n: int, _i: int = i, _s: int = size) -> None:
                    progress(_i, n, _s)
            try:
                rej = _ingest_file(source, path, fr, options, on_error, out, on_bytes, sha,
                                   names)
            finally:
                # Waits for the thread also when reading failed; an error of the hash (which
                # came first when the hash was computed before reading) takes precedence.
                fr.sha256 = sha()
            if rej:
                rejects[fr.ingest_id] = rej
                fr.rejected = len(rej)
            staged.append(out)
            report.files.append(fr)
        _dedupe_and_stage(case, txn, staged, report, names)
        for fr in report.files:
            if fr.ingest_id in rejects:
                name = f"{fr.ingest_id}.jsonl"
                rpath = txn.stage_path(name)
                with open(rpath, "wb") as fh:
                    for r in rejects[fr.ingest_id]:
                        fh.write(orjson.dumps(r) + b"\n")
                txn.add_file(f"rejects/{name}", rpath)
                fr.rejects_file = f"rejects/{name}"
            txn.record_ingest({
                **{k: v for k, v in asdict(fr).items() if v is not None},
                "path": str(Path(fr.path).resolve()),
                "size": Path(fr.path).stat().st_size,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "options": _options_record(options, on_error),
            })
    return report


def _options_record(options: SourceOptions, on_error: str) -> dict[str, Any]:
    rec: dict[str, Any] = {"on_error": on_error, "extra": options.extra_columns}
    for key in ("mapping", "constants"):
        if getattr(options, key):
            rec[key] = dict(getattr(options, key))
    for key in ("ts_format", "tz", "ts_unit", "platform", "delimiter"):
        if getattr(options, key):
            rec[key] = getattr(options, key)
    return rec


def _in_background(fn: Callable[[Path], str], path: Path) -> Callable[[], str]:
    """``fn(path)`` run in a thread; the returned function waits for its result."""
    result: list[str] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(fn(path))
        except BaseException as exc:  # noqa: BLE001 - raised again by the waiting thread
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"swarmscope-hash-{path.name}", daemon=True)
    thread.start()

    def wait() -> str:
        thread.join()
        if failure:
            raise failure[0]
        return result[0]

    return wait


def _ingest_file(source: Source, path: Path, fr: FileReport, options: SourceOptions,
                 on_error: str, out: Path, progress: Callable[[int], None] | None,
                 sha: Callable[[], str], names: dict[str, list[pa.Table]]
                 ) -> list[dict[str, Any]]:
    consumed = [0]

    def at(n: int) -> None:
        consumed[0] = n  # read by the reading thread when it hands over the next batch

    ctx = ReadContext(path, str(path), options, on_error=on_error,
                      file_key=lambda: sha()[:16], progress=at)
    # zstd as for committed parts: in the usual case this file becomes the part as it is.
    writer = pq.ParquetWriter(out, ACTIONS_SCHEMA, compression="zstd",
                              use_dictionary=list(DICTIONARY_COLUMNS),
                              write_statistics=STATISTICS_COLUMNS)
    bad_rows: list[tuple[int, str, str, Any]] = []
    # Three stages: parse (the adapter, with its own read-ahead where it has one), derive
    # (_finalized, two workers) and this thread's writing; each hands over in order.
    derived = _finalized(source, ctx, consumed, fr.ingest_id, options)
    try:
        for rows, table, bad, done, batch_names in derived:
            fr.records += rows
            for t, tbl in (batch_names or {}).items():
                if tbl.num_rows:
                    names.setdefault(t, []).append(tbl)
            for record, col, reason, value in bad:
                if on_error == "stop":
                    line = source.locate_lines(ctx, [record]).get(record)
                    raise IngestError(str(path), record, source.field_label(col), reason,
                                      value, line=line)
                bad_rows.append((record, col, reason, value))
            if table is not None and table.num_rows:
                writer.write_table(table)
            if progress is not None and done:
                progress(done)
    finally:
        derived.close()
        writer.close()
    # Records the adapter itself rejected were never in a batch: count them as records too.
    fr.records += len(ctx.rejects)
    lines = source.locate_lines(ctx, [r for r, *_ in bad_rows]) if bad_rows else {}
    rejects = [
        {"file": r.file, "record": r.record, "line": r.line, "field": r.field, "reason": r.reason,
         "value": r.value}
        for r in ctx.rejects
    ]
    for record, col, reason, value in bad_rows:
        rejects.append({"file": str(path), "record": record, "line": lines.get(record),
                        "field": source.field_label(col), "reason": reason,
                        "value": None if value is None else str(value)[:1000]})
    rejects.sort(key=lambda r: r["record"] or 0)
    return rejects


def _finalized(source: Source, ctx: ReadContext, consumed: list[int], ingest_id: str,
               options: SourceOptions
               ) -> Iterator[tuple[int, pa.Table | None, list[tuple[int, str, str, Any]], int,
                                   dict[str, pa.Table] | None]]:
    """``(rows read, good rows in final form, bad records, bytes consumed, their distinct
    hashed names)`` per group of the adapter's batches (:func:`_read_ahead`), in file order,
    derived by two workers."""
    # The adapter starts reading (in its thread) while the database opens.
    groups = _read_ahead(source, ctx, consumed)
    try:
        workers = WorkerQueries("derive")
    except BaseException:
        groups.close()
        raise

    def derive(item: tuple[pa.Table | None, int]
               ) -> tuple[int, pa.Table | None, list[tuple[int, str, str, Any]], int,
                          dict[str, pa.Table] | None]:
        group, done = item
        if group is None:
            return 0, None, [], done, None
        table, bad, names = _finalize(workers.get(), group, ingest_id, options)
        return group.num_rows, table, bad, done, names

    results = ordered_map(derive, groups, name=f"swarmscope-derive-{ctx.path.name}")
    try:
        yield from results
    finally:
        results.close()  # waits for the workers
        groups.close()
        workers.close()


def _read_ahead(source: Source, ctx: ReadContext, consumed: list[int]
                ) -> Iterator[tuple[pa.Table | None, int]]:
    """The adapter's batches, read in a background thread up to :data:`READ_AHEAD` ahead
    (:func:`~swarmscope.readahead.read_ahead`).

    Consecutive batches are grouped into tables of at least :data:`GROUP_ROWS` rows, or the
    source's :attr:`~swarmscope.sources.base.Source.batch_rows` if more (zero-copy),
    since the pipeline's cost per batch is partly fixed and adapters may yield small batches.
    Yields ``(table, bytes consumed when it was read)`` in the adapter's order, then ``(None,
    bytes consumed at the end)``; an exception of the adapter comes after the rows read before
    it. Progress goes through the yielded values, so the caller's callback runs in the caller's
    thread.
    """
    rows = max(GROUP_ROWS, source.batch_rows)

    def groups() -> Iterator[tuple[pa.Table | None, int]]:
        batches = source.read(ctx)
        pending: list[pa.RecordBatch] = []
        try:
            for item in batches:
                for batch in item.to_batches() if isinstance(item, pa.Table) else [item]:
                    if not batch.num_rows:
                        continue
                    if pending and batch.schema != pending[0].schema:
                        yield pa.Table.from_batches(pending), consumed[0]
                        pending = []
                    pending.append(batch)
                    if sum(b.num_rows for b in pending) >= rows:
                        yield pa.Table.from_batches(pending), consumed[0]
                        pending = []
        except Exception:
            # the rows read before the error go first: a bad record among them comes first
            if pending:
                yield pa.Table.from_batches(pending), consumed[0]
            raise
        finally:
            close = getattr(batches, "close", None)
            if close is not None:
                close()
        if pending:
            yield pa.Table.from_batches(pending), consumed[0]
        yield None, consumed[0]

    return read_ahead(groups(), READ_AHEAD, name=f"swarmscope-read-{ctx.path.name}")


def _finalize(queries: BatchQueries, batch: pa.Table, ingest_id: str,
              options: SourceOptions
              ) -> tuple[pa.Table, list[tuple[int, str, str, Any]], dict[str, pa.Table]]:
    """Parse times, validate, derive columns. Returns good rows (final form: all columns of
    the actions table), (record, col, reason, value) of the bad ones, and the distinct
    ``(hash, name)`` of the names the batch hashes, by table of names
    (:mod:`swarmscope.hashed_names`). ``queries`` reads the table it is given as ``derive``."""
    con = queries.con
    n = batch.num_rows
    raw_ts = batch.column("ts")
    # The derived columns come from one statement that reads only the columns it needs: the
    # other columns (``extra`` above all, often the widest) go from the batch to the Parquet
    # writer without a copy. Text times are parsed in the same statement; numbers and typed
    # timestamps (rarer) by parse_timestamps, which handles their types.
    if pa.types.is_string(raw_ts.type):
        # trimmed with Arrow: DuckDB's trim decodes every character of the value
        ts_in, ts_trimmed = raw_ts, pc.utf8_trim(raw_ts, characters=SPACE_SEPARATORS)
        ts_sql = timestamp_sql("ts", options.ts_format, options.tz, options.ts_unit,
                               trimmed="ts_trimmed")
    else:
        ts_in = parse_timestamps(raw_ts, options.ts_format, options.tz, options.ts_unit, con=con)
        ts_trimmed, ts_sql = pa.nulls(n, pa.string()), "ts"
    records = batch.column("record")
    derive = pa.Table.from_arrays(
        [ts_in, ts_trimmed, _normalize_links(batch.column("urls")), batch.column("text"),
         records],
        names=["ts", "ts_trimmed", "links", "text", "record"])
    # The text key's steps in nested SELECTs: each step reads the previous value several times.
    removed = f"SELECT * REPLACE ({removed_sql('text')} AS text) FROM derive"
    squeezed = f"SELECT * REPLACE ({squeezed_sql('text')} AS text) FROM ({removed})"
    trimmed = f"SELECT * REPLACE ({trim_sql('text')} AS text) FROM ({squeezed})"
    derived = queries.run(
        f"SELECT ({ts_sql})::TIMESTAMPTZ AS ts, "
        # drop URLs that did not normalise and repeats, keeping first-seen order
        "list_filter(links, lambda x, i: x IS NOT NULL AND list_position(links, x) = i) AS links, "
        f"{key_sql('text')} AS text_key, record FROM ({trimmed})", derive)
    # The derived values are paired with the batch's rows by position: DuckDB (one thread)
    # keeps the scan order, and the record numbers confirm it.
    if not derived.column("record").equals(records):
        raise RuntimeError("internal error: derived rows are not in the order of the batch")
    ts = derived.column("ts").cast(TS_TYPE)
    invalid: pa.ChunkedArray | None = None
    bad: list[tuple[int, str, str, Any]] = []
    checks: list[tuple[str, pa.Array, str]] = []
    for col in ("platform", "action_id", "account", "kind"):
        arr = batch.column(col)
        empty = pc.or_kleene(pc.is_null(arr), pc.equal(pc.utf8_trim_whitespace(arr), EMPTY_STRING))
        checks.append((col, pc.fill_null(empty, TRUE), f"missing {col}"))
    ts_null = pc.is_null(ts)
    checks.append(("ts", ts_null, "missing or unparseable timestamp"))
    for col, mask, reason in checks:
        if pc.any(mask).as_py():
            idx = pc.indices_nonzero(mask).to_pylist()
            src = raw_ts if col == "ts" else batch.column(col)
            for i in idx:
                value = src[i].as_py()
                why = reason
                if col == "ts":
                    why = "missing timestamp" if value in (None, "") else (
                        "unparseable timestamp" + (f" (format {options.ts_format!r})"
                                                   if options.ts_format else ""))
                bad.append((records[i].as_py(), col, why, value))
            invalid = mask if invalid is None else pc.or_(invalid, mask)
    bad.sort(key=lambda b: b[0])
    # The object names, from the text key computed above (in its own statement: DuckDB would
    # compute the text key again for a name built in the statement that computes it).
    # A name that is a column of the batch (the account) is hashed as it is.
    built = {col: name for col, name in HASHED_NAMES.items() if name not in batch.column_names}
    named_rows = pa.table(
        {"platform": batch.column("platform"), "kind": batch.column("kind"),
         "repost_of": batch.column("repost_of"), "parent_id": batch.column("parent_id"),
         "text_key": derived.column("text_key")})
    named = queries.run("SELECT " + ", ".join(f"{name} AS {col}" for col, name in built.items())
                        + " FROM derive", named_rows)
    # Hashed once per distinct name of the batch, which also gives the batch's names for the
    # tables of names (those of rejected rows too: a table of names may hold names no action
    # has, see _stage_names).
    hashes: dict[str, pa.Array] = {}
    names: dict[str, list[pa.Table]] = {t: [] for t in NAME_TABLES}
    for table_name, cols in NAME_TABLES.items():
        for col in cols:
            values = named.column(col) if col in built else batch.column(HASHED_NAMES[col])
            hashes[col], distinct = hash_names(con, values)
            names[table_name].append(distinct)
    columns = []
    for f in ACTIONS_SCHEMA:
        if f.name == "ts":
            columns.append(ts)
        elif f.name in ("links", "text_key"):
            columns.append(derived.column(f.name))
        elif f.name in hashes:
            columns.append(hashes[f.name])
        elif f.name == "ingest_id":
            columns.append(repeat_string(ingest_id, n))
        else:
            columns.append(batch.column(f.name))
    table = pa.Table.from_arrays(columns, names=ACTIONS_SCHEMA.names)
    if invalid is not None:
        table = table.filter(pc.invert(invalid))
    return table.cast(ACTIONS_SCHEMA), bad, {t: pa.concat_tables(v) for t, v in names.items()}


@functools.lru_cache(maxsize=500_000)
def _normalize_cached(url: str | None) -> str | None:
    # Exports repeat the same links across batches and files (shorteners, news sites).
    return normalize_url(url)


def _normalize_links(urls: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Normalised URLs per row, NULL where a URL does not normalise (removed later in SQL).

    Each distinct URL of the batch is normalised once: exports repeat the same links a lot.
    """
    if isinstance(urls, pa.ChunkedArray):
        urls = urls.combine_chunks()
    flat = pc.list_flatten(urls)
    if len(flat) == 0:
        return urls
    uniques = pc.unique(flat)
    normalized = strings([_normalize_cached(u) for u in uniques.to_pylist()])
    mapped = pc.take(normalized, pc.index_in(flat, value_set=uniques))
    offsets = urls.offsets
    if urls.offset:
        offsets = pc.subtract(offsets, offsets[0])
    return pa.ListArray.from_arrays(offsets, mapped, mask=urls.is_null())


def _dedupe_and_stage(case: Case, txn: Transaction, staged: list[Path],
                      report: IngestReport, names: dict[str, list[pa.Table]]) -> None:
    """Drop rows already in the case or repeated within this ingest; stage the rest as a part."""
    con = connect(":memory:", temp_dir=case.path / ".tmp")
    new = f"read_parquet({sql_list(staged)})"
    existing_parts = case.parts("actions")
    if existing_parts:
        existing = (f"(SELECT DISTINCT platform, action_id FROM "
                    f"read_parquet({sql_list(existing_parts)}))")
    else:
        existing = "(SELECT NULL::VARCHAR AS platform, NULL::VARCHAR AS action_id WHERE false)"
    rows = [pq.ParquetFile(p).metadata.num_rows for p in staged]
    # Fast path: ids unique within the ingest and new to the case (the common case) need no
    # window function and no rewrite (these queries read the key columns only; the second is
    # not needed when the case has no actions yet); otherwise mark the first occurrence of
    # each key once, materialised.
    internal_dups = con.execute(
        f"SELECT count(*) - count(DISTINCT (platform, action_id)) FROM {new}").fetchall()[0][0]
    overlap = 0 if not existing_parts else con.execute(
        f"SELECT count(*) FROM {new} n SEMI JOIN {existing} e "
        f"ON n.platform = e.platform AND n.action_id = e.action_id").fetchall()[0][0]
    all_new = internal_dups == 0 and overlap == 0
    if all_new:
        con.execute(f"CREATE TEMP VIEW marked AS SELECT *, true AS keep FROM {new}")
        # every row is kept: each file adds the rows it staged (one ingest id per file)
        for fr, n in zip(report.files, rows, strict=True):
            fr.added, fr.duplicates = n, 0
    else:
        con.execute(f"""
            CREATE TEMP TABLE marked AS
            SELECT n.*, (e.action_id IS NULL AND row_number() OVER (
                        PARTITION BY n.platform, n.action_id ORDER BY n.ingest_id, n.record) = 1)
                        AS keep
            FROM {new} n LEFT JOIN {existing} e
              ON n.platform = e.platform AND n.action_id = e.action_id
        """)
        counts = dict(
            (r[0], (r[1], r[2]))
            for r in con.execute(
                "SELECT ingest_id, count(*) FILTER (WHERE keep), "
                "count(*) FILTER (WHERE NOT keep) FROM marked GROUP BY ingest_id").fetchall()
        )
        for fr in report.files:
            fr.added, fr.duplicates = counts.get(fr.ingest_id, (0, 0))
    if report.added == 0:
        return
    with_rows = [p for p, n in zip(staged, rows, strict=True) if n]
    if all_new and len(with_rows) == 1:
        # The staged rows are final (derived columns included): the file is the part.
        part = with_rows[0]
    else:
        part = txn.stage_path("actions.parquet")
        cols = ", ".join(f'"{f.name}"' for f in ACTIONS_SCHEMA)
        con.execute(f"""
            COPY (SELECT {cols} FROM marked WHERE keep)
            TO '{part}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)
        """)
    _stage_names(case, txn, con, names)
    _record_platforms(case, txn, con, part)
    txn.add_part("actions", part)


def _record_platforms(case: Case, txn: Transaction, con: duckdb.DuckDBPyConnection,
                      part: Path) -> None:
    """Keep the case's list of platforms in the manifest (signals ask whether there is one)."""
    meta = case.manifest.get("tables", {}).get("actions", {})
    if case.parts("actions") and "platforms" not in meta:
        return  # actions ingested before the list was kept: unknown, signals count them
    new = [r[0] for r in con.execute(
        f"SELECT DISTINCT platform FROM read_parquet({sql_list([part])})").fetchall()]
    txn.set_table_meta("actions", platforms=sorted({*meta.get("platforms", []), *new}))


def _stage_names(case: Case, txn: Transaction, con: duckdb.DuckDBPyConnection,
                 names: dict[str, list[pa.Table]]) -> None:
    """Add the names this ingest hashed (``names``: by table of names, distinct per batch) to
    the case's tables of names, and record whether the case's hashes still stand one-to-one
    for names (:mod:`swarmscope.hashed_names`). Names of rows dropped as duplicates or rejected
    are among them: a table may hold names no action has, which costs nothing but a few rows."""
    meta = case.manifest.get("tables", {}).get("actions", {})
    first = not case.parts("actions")
    # Actions ingested before hashes existed have none: such a case never becomes exact.
    exact = True if first else bool(meta.get("hashes_exact", False))
    hashing = probe(con)
    if not first and meta.get("hash_probe") != hashing:
        exact = False  # this DuckDB hashes differently: one name would get two hashes
    staged: dict[str, Path] = {}
    for table in NAME_TABLES:
        if not exact:
            break
        batches = (pa.concat_tables(names[table]) if names.get(table)  # noqa: F841
                   else pa.table({"hash": pa.array([], pa.int64()),
                                  "name": pa.array([], pa.string())}))
        con.execute("CREATE OR REPLACE TEMP TABLE new_names AS "
                    "SELECT DISTINCT hash, name FROM batches")
        collisions = con.execute(
            "SELECT count(*) - count(DISTINCT hash) FROM new_names").fetchall()[0][0]
        fresh, old_parts = "new_names", case.parts(table)
        if not collisions and old_parts:
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE checked AS
                SELECT n.hash, n.name, o.name AS old_name
                FROM new_names n LEFT JOIN read_parquet({sql_list(old_parts)}) o
                  ON o.hash = n.hash
            """)
            collisions = con.execute(
                "SELECT count(*) FROM checked WHERE old_name <> name").fetchall()[0][0]
            fresh = "(SELECT hash, name FROM checked WHERE old_name IS NULL)"
        if collisions:
            exact = False
            break
        out = staged[table] = txn.stage_path(f"{table}.parquet")
        # zstd's lowest level: as small as the default on these names, and faster
        con.execute(f"""
            COPY (SELECT hash, name FROM {fresh}) TO '{out}'
            (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)
        """)
    if exact:  # the tables of names of a case whose hashes are not exact are never read
        for table, out in staged.items():
            txn.add_part(table, out)
    txn.set_table_meta("actions", hashes_exact=exact,
                       hash_probe=hashing if first else meta.get("hash_probe", hashing))
