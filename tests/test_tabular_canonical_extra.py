"""A Parquet/CSV file already in the canonical layout keeps its ``extra`` object as is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

import swarmscope


def _ingested_extra(case, path: Path) -> dict[str, str | None]:
    report = swarmscope.ingest(case, [path], format="parquet")
    assert report.rejected == 0
    con = duckdb.connect()
    con.read_parquet([str(p) for p in case.parts("actions")]).create_view("i")
    return dict(con.execute("SELECT action_id, extra FROM i").fetchall())


def test_canonical_extra_column_is_the_rows_extra(case, tmp_path: Path) -> None:
    ts = pa.array([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)] * 3, pa.timestamp("us", tz="UTC"))
    table = pa.table({
        "platform": ["synthwiki"] * 3, "action_id": ["1", "2", "3"], "account": ["a"] * 3,
        "ts": ts, "kind": ["edit"] * 3,
        "extra": ['{"sha1":"abc", "anon":null}', None, "not json"],
    })
    pq.write_table(table, tmp_path / "a.parquet")
    extra = _ingested_extra(case, tmp_path / "a.parquet")
    assert extra["1"] == '{"sha1":"abc", "anon":null}'  # byte-exact, not {"extra": "..."}
    assert extra["2"] is None
    assert extra["3"] == '{"extra":"not json"}'  # never dropped


def test_other_unmapped_columns_merge_into_it(case, tmp_path: Path) -> None:
    ts = pa.array([dt.datetime(2024, 1, 1, tzinfo=dt.UTC)], pa.timestamp("us", tz="UTC"))
    table = pa.table({"platform": ["x"], "action_id": ["1"], "account": ["a"], "ts": ts,
                      "kind": ["post"], "extra": ['{"sha1":"abc"}'], "lang": ["en"]})
    pq.write_table(table, tmp_path / "b.parquet")
    assert _ingested_extra(case, tmp_path / "b.parquet")["1"] == '{"lang":"en","sha1":"abc"}'
