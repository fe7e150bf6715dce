"""Strings written by the people under investigation survive ingest byte for byte."""

import csv

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from swarmscope import Case, ingest

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\tleading tab",
    "javascript:alert(1)",
    "\u202eevil\u202c reversed",
    "control \x01\x02\x07\x1b[31m chars",
    "quotes \" and ' and `",
    "new\nlines\r\nand\rreturns",
    "emoji 🧨 and non-BMP 𝕏",
    "NULL",
    "NA",
    "'; DROP TABLE actions; --",
    "x" * 100_000,
    "[red]rich markup[/red]",
]


def _check(case: Case) -> None:
    got = {r["action_id"]: r for r in case.read().to_pylist()}
    for i, s in enumerate(HOSTILE):
        row = got[str(i)]
        assert row["account"] == s
        assert row["text"] == s
        assert row["title"] == s


def test_csv_round_trip(tmp_path):
    p = tmp_path / "h.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "user", "time", "body", "page"])
        for i, s in enumerate(HOSTILE):
            w.writerow([i, s, "2021-01-01T00:00:00Z", s, s])
    case = Case.init(tmp_path / "case")
    r = ingest(case, [p], format="csv",
               mapping={"action_id": "id", "account": "user", "ts": "time", "text": "body",
                        "title": "page"})
    assert r.added == len(HOSTILE)
    _check(case)


def test_jsonl_round_trip(tmp_path):
    p = tmp_path / "h.jsonl"
    with open(p, "wb") as fh:
        for i, s in enumerate(HOSTILE):
            fh.write(orjson.dumps({"id": str(i), "user": {"name": s}, "t": 1609459200,
                                   "body": s, "page": s}) + b"\n")
    case = Case.init(tmp_path / "case")
    ingest(case, [p], format="jsonl",
           mapping={"action_id": "id", "account": "user.name", "ts": "t", "text": "body",
                    "title": "page"})
    _check(case)


def test_parquet_round_trip(tmp_path):
    p = tmp_path / "h.parquet"
    n = len(HOSTILE)
    pq.write_table(pa.table({"action_id": [str(i) for i in range(n)], "account": HOSTILE,
                             "ts": ["2021-01-01T00:00:00Z"] * n, "text": HOSTILE,
                             "title": HOSTILE}), p)
    case = Case.init(tmp_path / "case")
    ingest(case, [p], format="parquet")
    _check(case)


@pytest.mark.parametrize("field", ["account", "action_id"])
def test_empty_required_fields_are_rejected_not_stored(tmp_path, field):
    p = tmp_path / "e.csv"
    row = {"action_id": "1", "account": "ann", "ts": "2021-01-01T00:00:00Z"}
    row[field] = "   "
    with open(p, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)
    case = Case.init(tmp_path / "case")
    r = ingest(case, [p], format="csv", on_error="skip")
    assert (r.added, r.rejected) == (0, 1)
    rejects = (case.path / r.files[0].rejects_file).read_text()
    assert f'"field":"{field}"' in rejects and f"missing {field}" in rejects
