"""Timestamp parsing: any zone, ISO 8601 or epoch, to UTC microseconds.

Sources give times as ISO 8601 strings with or without an offset (``2021-03-01T10:00:00Z``,
``2021-03-01 11:00:00+01:00``), as epoch numbers in seconds, milliseconds, microseconds or
nanoseconds, or in a few platform formats (Twitter v1 ``Wed Oct 10 20:19:24 +0000 2018``,
FiveThirtyEight's ``10/1/2016 19:37``). :func:`parse_timestamps` turns an Arrow array of any of
these into ``timestamp[us, tz=UTC]``; values it cannot read become NULL, and the ingest pipeline
turns each NULL into an error naming the record (a missing time is an error, never a NULL row).

Rules (see ``docs/actions.md``):

- A value with an explicit offset or ``Z`` is converted from that offset.
- A naive value is read in ``tz`` (an IANA zone name, default UTC).
- Epoch units are inferred per value from magnitude: ``|x| >= 1e17`` ns, ``>= 1e14`` us,
  ``>= 1e11`` ms, otherwise seconds (1e11 s is the year 5138, so the ranges do not overlap for
  real data). ``unit`` forces one.
- ``fmt`` (a ``strptime`` format such as ``%d.%m.%Y %H:%M``) replaces auto-detection.

Example::

    >>> import pyarrow as pa
    >>> parse_timestamps(pa.array(["2021-01-01T01:00:00+01:00", "1609459200000"])).to_pylist()
    [datetime.datetime(2021, 1, 1, 0, 0, tzinfo=<UTC>), datetime.datetime(2021, 1, 1, 0, 0, tzinfo=<UTC>)]
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from .engine import sql_literal

TS_TYPE = pa.timestamp("us", tz="UTC")

_EPOCH_RE = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"
_OFFSET_RE = r"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?|UTC|GMT)\s*$"
_UNITS = {"s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
#: Naive times in the two most common spellings (ISO without offset, FiveThirtyEight's
#: ``10/1/2016 19:37``). None of the epoch and offset patterns can match such a value (no
#: ``+``, no trailing zone, the ``-`` only in the date, always a ``:`` or ``/``), so one anchored
#: test sends them straight to the naive parse that the three tests would have chosen.
_PLAIN_RE = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
             r"|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4} [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?")
#: ISO times with ``Z`` or a numeric offset (APIs, CrowdTangle once its zone is read). Such a
#: value matches none of the tests before the offset test, which then casts it unchanged (no
#: white space to trim, no UTC/GMT to rewrite) and, when the cast fails, tries a format that
#: needs a weekday name: one anchored test says the same as those four regexes.
_ISO_OFFSET_RE = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
                  r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)")


def _epoch_sql(x: str, unit: str | None) -> str:
    v = f"CAST({x} AS DOUBLE)"
    if unit:
        return f"to_timestamp({v} * {_UNITS[unit]})"
    return (
        f"to_timestamp(CASE WHEN abs({v}) >= 1e17 THEN {v} / 1e9 "
        f"WHEN abs({v}) >= 1e14 THEN {v} / 1e6 WHEN abs({v}) >= 1e11 THEN {v} / 1e3 ELSE {v} END)"
    )


def timestamp_sql(x: str, fmt: str | None = None, tz: str | None = None,
                  unit: str | None = None, trimmed: str | None = None) -> str:
    """SQL expression (DuckDB) parsing the VARCHAR expression ``x`` to TIMESTAMPTZ or NULL.

    ``trimmed`` is SQL for ``trim(x)`` where the caller has it already (the ingest pipeline
    trims with Arrow, which is cheaper than DuckDB's trim)."""
    zone = sql_literal(tz or "UTC")
    t = trimmed or f"trim({x})"
    if fmt:
        f = sql_literal(fmt)
        if "%z" in fmt or "%Z" in fmt:
            return f"try_strptime({x}, {f})::TIMESTAMPTZ"
        return f"timezone({zone}, try_strptime({x}, {f})::TIMESTAMP)"
    formats = "['%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S', '%Y-%m-%d %H:%M']"
    naive = f"coalesce(try_cast({x} AS TIMESTAMP), try_strptime({x}, {formats}))"
    # A plain time with a '/' is FiveThirtyEight's spelling, which the cast never reads (it
    # takes the first number for the year, and then the four-digit year for the day): its
    # failed attempt cost more than the regex and the parse together.
    plain = f"CASE WHEN contains({x}, '/') THEN try_strptime({x}, {formats}) ELSE {naive} END"
    return (
        f"CASE WHEN {x} IS NULL OR {t} = '' THEN NULL "
        f"WHEN regexp_full_match({x}, '{_PLAIN_RE}') THEN timezone({zone}, {plain}) "
        f"WHEN regexp_full_match({x}, '{_ISO_OFFSET_RE}') THEN try_cast({x} AS TIMESTAMPTZ) "
        f"WHEN regexp_matches({x}, '{_EPOCH_RE}') THEN {_epoch_sql(x, unit)} "
        f"WHEN regexp_matches({t}, '{_OFFSET_RE}') THEN coalesce("
        f"try_cast(regexp_replace({t}, '\\s*(UTC|GMT)$', '+00') AS TIMESTAMPTZ),"
        f" try_strptime({x}, '%a %b %d %H:%M:%S %z %Y')::TIMESTAMPTZ) "
        f"WHEN regexp_matches({x}, '[+-][0-9]{{4}} [0-9]{{4}}$') THEN "
        f"try_strptime({x}, '%a %b %d %H:%M:%S %z %Y')::TIMESTAMPTZ "
        f"ELSE timezone({zone}, {naive}) END"
    )


def parse_timestamps(values: pa.Array | pa.ChunkedArray, fmt: str | None = None,
                     tz: str | None = None, unit: str | None = None,
                     con: duckdb.DuckDBPyConnection | None = None) -> pa.Array:
    """Parse an Arrow array (strings, numbers or timestamps) to ``timestamp[us, tz=UTC]``.

    ``con`` (a DuckDB connection with ``TimeZone = 'UTC'``) is reused when given.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_timestamp(values.type):
        if values.type.tz is None:
            con = con or _utc_connection()
            tbl = pa.table({"x": values})  # noqa: F841 - scanned by duckdb by name
            out = con.sql(
                f"SELECT timezone({sql_literal(tz or 'UTC')}, x::TIMESTAMP) AS t FROM tbl"
            ).to_arrow_table()
            return out.column("t").combine_chunks().cast(TS_TYPE)
        return values.cast(TS_TYPE)
    con = con or _utc_connection()
    if pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
        tbl = pa.table({"x": values.cast(pa.float64())})  # noqa: F841 - scanned by name
        expr = _epoch_sql("x", unit)
    else:
        if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
            values = values.cast(pa.string())
        tbl = pa.table({"x": values})  # noqa: F841
        expr = timestamp_sql("x", fmt, tz, unit)
    col = con.sql(f"SELECT {expr} AS t FROM tbl").to_arrow_table().column("t")
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    return col.cast(TS_TYPE)


def _utc_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    return con
