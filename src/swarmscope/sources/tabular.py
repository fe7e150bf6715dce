"""Generic tabular sources: CSV, TSV, JSON lines and Parquet with a column mapping.

``--map account=user_name --map ts=created_at`` says which input column fills which canonical
column (see ``docs/actions.md``); input columns already named like a canonical column map to it
without a ``--map``. ``--set kind=post`` fills a column with a constant. Unmapped input columns
are kept in ``extra`` as JSON (``--extra none`` drops them); an input column named ``extra``
holding a JSON object (a file already in the canonical layout) is that object itself.

Defaults when a column is not mapped:

- ``action_id``: ``<first 16 hex of the file's SHA-256>:<record>``, stable across re-ingests of
  the same file (rows without ids are told apart by position, never by content: two identical
  rows can be two real posts);
- ``kind``: ``repost`` when ``repost_of`` is set, ``reply`` when ``parent_id`` is set, else
  ``post``;
- ``platform``: ``--platform`` or ``generic``.

List columns (``urls``, ``hashtags``, ``mentions``) accept JSON arrays, Python-style bracketed
lists (``['a', 'b']``, as in Twitter's information-operations archive) or text separated by
white space, commas, semicolons or ``|``. A leading ``#`` / ``@`` is dropped from hashtags and
mentions.

CSV files are read as strings (no type guessing), streamed in blocks, with quoted fields allowed
to span lines. Record *n* is the *n*-th data row; error messages also give the physical line.
JSON-lines record *n* is line *n*; mapping keys may be dotted paths (``user.screen_name``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import IngestError, UsageError
from ..readahead import read_ahead
from ..schema import SOURCE_COLUMNS
from .base import BATCH_ROWS, LIST_COLUMNS, ReadContext, RowBatcher, Source
from .compression import open_input

MAPPABLE = tuple(c for c in SOURCE_COLUMNS if c != "extra")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def list_sql(expr: str, strip: str = "") -> str:
    """SQL turning a VARCHAR holding a list in any common spelling into VARCHAR[]."""
    x = f"trim({expr})"
    items = (
        f"CASE WHEN {expr} IS NULL OR {x} IN ('', '[]', '{{}}') THEN []::VARCHAR[] "
        f"WHEN starts_with({x}, '[') AND json_valid({x}) AND json_type({x}) = 'ARRAY' "
        f"THEN list_transform(CAST(json({x}) AS JSON[]), lambda e: json_extract_string(e, '$')) "
        f"WHEN starts_with({x}, '[') THEN list_transform(string_split_regex("
        f"regexp_replace({x}, '^\\[|\\]$', '', 'g'), '\\s*,\\s*'), lambda e: trim(e, ' ''\"')) "
        f"ELSE string_split_regex({x}, '[\\s,;|]+') END"
    )
    if strip:
        items = f"list_transform({items}, lambda e: ltrim(e, {_lit(strip)}))"
    return f"list_filter({items}, lambda e: e IS NOT NULL AND e <> '')"


class _MappedTabular(Source):
    """Shared mapping logic for CSV/TSV/Parquet: Arrow batches in, source batches out (SQL)."""

    def _plan(self, ctx: ReadContext, columns: list[str],
              list_typed: frozenset[str] = frozenset()) -> str:
        opts = self.options
        mapping = {k: v for k, v in opts.mapping.items()}
        unknown = [k for k in mapping if k not in MAPPABLE]
        if unknown:
            raise UsageError(f"--map {unknown[0]}=...: {unknown[0]!r} is not a canonical column; "
                             f"choose from {', '.join(MAPPABLE)}")
        for col in MAPPABLE:
            if col not in mapping and col not in opts.constants and col in columns:
                mapping[col] = col
        missing = [src for src in mapping.values() if src not in columns]
        if missing:
            raise IngestError(ctx.display_name, None, missing[0],
                              f"column {missing[0]!r} named in --map is not in the file "
                              f"(its columns: {', '.join(columns[:30])})")
        self._labels = {canon: src for canon, src in mapping.items()}
        exprs: dict[str, str] = {}
        for col in MAPPABLE:
            if col in mapping:
                src = _ident(mapping[col])
                if col in LIST_COLUMNS:
                    strip = {"hashtags": "#", "mentions": "@"}.get(col, "")
                    if mapping[col] in list_typed:
                        items = f"list_transform({src}, lambda e: ltrim(CAST(e AS VARCHAR), {_lit(strip)}))"
                        exprs[col] = f"coalesce(list_filter({items}, lambda e: e IS NOT NULL AND e <> ''), [])"
                    else:
                        exprs[col] = list_sql(f"CAST({src} AS VARCHAR)", strip)
                elif col == "ts":
                    exprs[col] = src  # typed timestamps and epoch numbers pass through
                elif col in ("text", "title"):
                    exprs[col] = f"CAST({src} AS VARCHAR)"
                else:
                    exprs[col] = f"nullif(trim(CAST({src} AS VARCHAR)), '')"
            elif col in opts.constants:
                value = opts.constants[col]
                exprs[col] = f"[{_lit(value)}]" if col in LIST_COLUMNS else _lit(value)
            elif col in LIST_COLUMNS:
                exprs[col] = "[]::VARCHAR[]"
            else:
                exprs[col] = "NULL::VARCHAR"
        if "platform" not in mapping and "platform" not in opts.constants:
            exprs["platform"] = _lit(opts.platform or "generic")
        if "action_id" not in mapping and "action_id" not in opts.constants:
            exprs["action_id"] = f"{_lit(ctx.file_key + ':')} || CAST(record AS VARCHAR)"
        if "kind" not in mapping and "kind" not in opts.constants:
            exprs["kind"] = (
                f"CASE WHEN {exprs['repost_of']} IS NOT NULL THEN 'repost' "
                f"WHEN {exprs['parent_id']} IS NOT NULL THEN 'reply' ELSE 'post' END"
            )
        used = set(mapping.values())
        extra_cols = [c for c in columns if c not in used] if opts.extra_columns != "none" else []
        # An input column named ``extra`` is the canonical column (files we or another tool
        # wrote in the canonical layout): its JSON object is the row's extra, not a value to
        # nest under an "extra" key. Kept byte-exact when it is the only extra input.
        own_extra = None
        if "extra" in columns and "extra" not in used:
            x = _ident("extra")
            own_extra = (f"CASE WHEN {x} IS NULL OR trim({x}) = '' THEN NULL "
                         f"WHEN json_valid({x}) AND json_type({x}) = 'OBJECT' THEN {x} "
                         f"ELSE CAST(json_object('extra', {x}) AS VARCHAR) END")
            extra_cols = [c for c in extra_cols if c != "extra"]
        if extra_cols:
            pairs = ", ".join(f"{_lit(c)}, {_ident(c)}" for c in extra_cols)
            others = f"json_object({pairs})"
            exprs["extra"] = (f"CAST({others} AS VARCHAR)" if own_extra is None else
                              f"CAST(json_merge_patch({others}, coalesce({own_extra}, '{{}}')) "
                              "AS VARCHAR)")
        else:
            exprs["extra"] = own_extra or "NULL::VARCHAR"
        select = ", ".join(f"{exprs[c]} AS {c}" for c in SOURCE_COLUMNS)
        return f"SELECT {select}, record FROM batch"

    def field_label(self, column: str) -> str:
        return getattr(self, "_labels", {}).get(column, column)

    def _map_batches(self, ctx: ReadContext, batches: Iterator[pa.RecordBatch],
                     columns: list[str], list_typed: frozenset[str] = frozenset()
                     ) -> Iterator[pa.RecordBatch]:
        sql = self._plan(ctx, columns, list_typed)
        con = duckdb.connect()
        con.execute("SET TimeZone='UTC'")
        offset = 0
        # The input is parsed in another thread while DuckDB maps the previous batch.
        for raw in read_ahead(batches, name=f"swarmscope-parse-{ctx.path.name}"):
            n = raw.num_rows
            if n == 0:
                continue
            # Positional names: input headers may be hostile or duplicated.
            arrays = [raw.column(i) for i in range(raw.num_columns)]
            batch = pa.RecordBatch.from_arrays(  # noqa: F841 - scanned by duckdb by name
                arrays + [pa.array(range(offset + 1, offset + n + 1), type=pa.int64())],
                names=list(columns) + ["record"],
            )
            offset += n
            out = con.sql(sql).to_arrow_table()
            yield from out.to_batches()


class CsvSource(_MappedTabular):
    """Comma-separated values with a header row."""

    name = "csv"
    description = "CSV with a header row and a column mapping (--map canonical=column)"
    extensions = (".csv",)
    delimiter = ","

    def _read_options(self) -> tuple[pacsv.ParseOptions, str]:
        delim = self.options.delimiter or self.delimiter
        return pacsv.ParseOptions(delimiter=delim, newlines_in_values=True), delim

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        parse, delim = self._read_options()
        stream, counter = open_input(ctx.path)
        try:
            header = _read_header(stream, delim)
            if not header:
                return
            columns = _dedupe_names(header)
            stream.close()
            stream, counter = open_input(ctx.path)
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(column_names=columns, skip_rows=1,
                                               block_size=8 << 20),
                parse_options=parse,
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in columns}, strings_can_be_null=False,
                    quoted_strings_can_be_null=False),
            )

            def batches() -> Iterator[pa.RecordBatch]:
                while True:
                    try:
                        b = reader.read_next_batch()
                    except StopIteration:
                        return
                    except pa.ArrowInvalid as exc:
                        raise IngestError(ctx.display_name, None, None,
                                          f"malformed CSV: {exc}") from exc
                    ctx.progress(counter.consumed)
                    yield b

            yield from self._map_batches(ctx, batches(), columns)
        finally:
            stream.close()

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        wanted = set(records)
        out: dict[int, int] = {}
        if not wanted:
            return out
        _, delim = self._read_options()
        stream, _ = open_input(ctx.path)
        try:
            text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
            reader = csv.reader(text, delimiter=delim)
            start = 1
            for i, _row in enumerate(reader):
                # reader.line_num is the last physical line of the row just read
                if i > 0 and i in wanted:
                    out[i] = start
                    if len(out) == len(wanted):
                        break
                start = reader.line_num + 1
        finally:
            stream.close()
        return out


class TsvSource(CsvSource):
    """Tab-separated values with a header row."""

    name = "tsv"
    description = "TSV with a header row and a column mapping"
    extensions = (".tsv", ".tab")
    delimiter = "\t"


class ParquetSource(_MappedTabular):
    """Parquet files; columns of any type are read as text, then mapped."""

    name = "parquet"
    description = "Parquet with a column mapping"
    extensions = (".parquet",)

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        return head.startswith(b"PAR1")

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        try:
            pf = pq.ParquetFile(ctx.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise IngestError(ctx.display_name, None, None, f"not a readable Parquet file: {exc}") from exc
        columns = _dedupe_names(pf.schema_arrow.names)
        list_typed = frozenset(
            c for c, f in zip(columns, pf.schema_arrow, strict=True)
            if (pa.types.is_list(f.type) or pa.types.is_large_list(f.type))
            and (pa.types.is_string(f.type.value_type) or pa.types.is_large_string(f.type.value_type))
        )
        total = max(1, pf.metadata.num_rows)
        size = ctx.path.stat().st_size

        def batches() -> Iterator[pa.RecordBatch]:
            done = 0
            for b in pf.iter_batches(batch_size=BATCH_ROWS):
                done += b.num_rows
                ctx.progress(int(size * done / total))
                # Typed columns go to SQL as they are: DuckDB casts what the mapping needs as
                # text, and timestamps, numbers and lists keep their types.
                yield pa.RecordBatch.from_arrays(list(b.columns), names=columns)

        yield from self._map_batches(ctx, batches(), columns, list_typed)


class JsonlSource(Source):
    """JSON lines (one object per line); mapping keys may be dotted paths."""

    name = "jsonl"
    description = "JSON lines with a field mapping (--map account=user.screen_name)"
    extensions = (".jsonl", ".ndjson")

    def field_label(self, column: str) -> str:
        return self.options.mapping.get(column, column)

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        opts = self.options
        unknown = [k for k in opts.mapping if k not in MAPPABLE]
        if unknown:
            raise UsageError(f"--map {unknown[0]}=...: not a canonical column")
        paths = {c: opts.mapping.get(c, c).split(".") for c in MAPPABLE}
        top_used = {p[0] for c, p in paths.items() if c in opts.mapping or c in MAPPABLE}
        batcher = RowBatcher()
        stream, counter = open_input(ctx.path)
        try:
            for lineno, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    ctx.reject(lineno, None, f"invalid JSON: {exc}", line[:200].decode("utf-8", "replace"), line=lineno)
                    continue
                if not isinstance(obj, dict):
                    ctx.reject(lineno, None, "a JSON-lines record must be an object", line=lineno)
                    continue
                row: dict[str, Any] = {}
                for col in MAPPABLE:
                    if col in opts.constants:
                        row[col] = opts.constants[col]
                        continue
                    v = _dig(obj, paths[col])
                    if col in LIST_COLUMNS:
                        row[col] = _as_list(v, {"hashtags": "#", "mentions": "@"}.get(col, ""))
                    elif isinstance(v, dict | list):
                        row[col] = orjson.dumps(v).decode()
                    else:
                        row[col] = v
                for col in ("account_id", "parent_id", "repost_of", "action_id"):
                    if row.get(col) is not None and str(row[col]).strip() == "":
                        row[col] = None
                row.setdefault("platform", None)
                if not row.get("platform"):
                    row["platform"] = opts.platform or "generic"
                if row.get("action_id") is None:
                    row["action_id"] = f"{ctx.file_key}:{lineno}"
                if not row.get("kind"):
                    row["kind"] = ("repost" if row.get("repost_of") is not None
                                   else "reply" if row.get("parent_id") is not None else "post")
                if opts.extra_columns != "none":
                    extra = {k: v for k, v in obj.items() if k not in top_used}
                    row["extra"] = extra or None
                batcher.add(record=lineno, **row)
                if batcher.full:
                    ctx.progress(counter.consumed)
                    yield batcher.flush()
            if len(batcher):
                ctx.progress(counter.consumed)
                yield batcher.flush()
        finally:
            stream.close()


def _dig(obj: Any, path: list[str]) -> Any:
    for key in path:
        if isinstance(obj, dict):
            obj = obj.get(key)
        elif isinstance(obj, list) and key.isdigit() and int(key) < len(obj):
            obj = obj[int(key)]
        else:
            return None
    return obj


def _as_list(v: Any, strip: str) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        v = v.strip()
        if v.startswith("["):
            try:
                v = orjson.loads(v)
            except orjson.JSONDecodeError:
                v = [x.strip(" '\"") for x in v.strip("[]").split(",")]
        else:
            import re

            v = re.split(r"[\s,;|]+", v)
    if not isinstance(v, list):
        v = [v]
    out = []
    for x in v:
        if isinstance(x, dict):  # entity objects: {"tag": ...}, {"expanded_url": ...}
            x = x.get("expanded_url") or x.get("url") or x.get("tag") or x.get("username") or x.get("text")
        if x is None:
            continue
        s = str(x).lstrip(strip) if strip else str(x)
        if s:
            out.append(s)
    return out


def _read_header(stream: Any, delim: str) -> list[str]:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    reader = csv.reader(text, delimiter=delim)
    try:
        header = next(reader)
    except StopIteration:
        return []
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    return header


def _dedupe_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}_{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out
