"""The ingest workflow a user runs from the shell: init, ingest with a mapping, info."""

import csv
import subprocess
import sys

import pytest
from click.testing import CliRunner

from csvposts import MAP, write_posts
from swarmscope import Case
from swarmscope.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_ingest_then_info(tmp_path):
    write_posts(tmp_path / "posts.csv", 50)
    assert run("init", str(tmp_path / "case")).exit_code == 0
    r = run("ingest", str(tmp_path / "case"), str(tmp_path / "posts.csv"), "--format", "csv", *MAP)
    assert r.exit_code == 0, r.output
    assert "added 50 actions" in r.output
    r = run("info", str(tmp_path / "case"))
    assert r.exit_code == 0
    assert "50 actions by 17 accounts" in r.output
    assert "2021-02-28 23:00:01+00:00" in r.output
    rows = {r["action_id"]: r for r in Case.open(tmp_path / "case").read().to_pylist()}
    row = rows["1005"]
    assert row["links"] == ["https://example.com/a"]
    assert row["urls"] == ["https://www.example.com/a?utm_source=x"]
    assert str(row["ts"]) == "2021-02-28 23:00:05+00:00"


def test_reingesting_the_same_file_adds_nothing(tmp_path):
    write_posts(tmp_path / "posts.csv", 30)
    case = tmp_path / "case"
    run("init", str(case))
    run("ingest", str(case), str(tmp_path / "posts.csv"), "--format", "csv", *MAP)
    r = run("ingest", str(case), str(tmp_path / "posts.csv"), "--format", "csv", *MAP)
    assert r.exit_code == 0
    assert "added 0 actions (30 duplicates skipped" in r.output
    assert Case.open(case).count() == 30


def test_bad_timestamp_on_line_1234_stops_naming_line_and_field(tmp_path):
    write_posts(tmp_path / "posts.csv", 2000, bad_line=1234)
    case = tmp_path / "case"
    run("init", str(case))
    before = (case / "case.toml").read_bytes()
    r = CliRunner().invoke(cli, ["ingest", str(case), str(tmp_path / "posts.csv"),
                                 "--format", "csv", *MAP])
    assert r.exit_code != 0
    assert "line 1234" in r.output
    assert "'created_at'" in r.output
    assert "not-a-time" in r.output
    assert (case / "case.toml").read_bytes() == before
    assert Case.open(case).count() == 0
    assert not list((case / "tables").glob("**/*.parquet")) if (case / "tables").exists() else True


def test_skip_mode_ingests_the_rest_and_reports_one_reject(tmp_path):
    write_posts(tmp_path / "posts.csv", 2000, bad_line=1234)
    case = tmp_path / "case"
    run("init", str(case))
    r = run("ingest", str(case), str(tmp_path / "posts.csv"), "--format", "csv", *MAP,
            "--on-error", "skip")
    assert r.exit_code == 0
    assert "added 1,999 actions" in r.output
    assert "1 records rejected" in r.output
    rejects = list((case / "rejects").glob("*.jsonl"))
    assert len(rejects) == 1
    text = rejects[0].read_text()
    assert '"line":1234' in text and '"field":"created_at"' in text
    assert Case.open(case).count() == 1999


def test_compressed_inputs_are_read_transparently(tmp_path):
    import bz2
    import gzip

    import zstandard

    write_posts(tmp_path / "posts.csv", 20)
    raw = (tmp_path / "posts.csv").read_bytes()
    (tmp_path / "a.csv.gz").write_bytes(gzip.compress(raw))
    (tmp_path / "b.csv.bz2").write_bytes(bz2.compress(raw))
    (tmp_path / "c.csv.zst").write_bytes(zstandard.ZstdCompressor().compress(raw))
    for name in ("a.csv.gz", "b.csv.bz2", "c.csv.zst"):
        case = tmp_path / f"case-{name}"
        run("init", str(case))
        r = run("ingest", str(case), str(tmp_path / name), *MAP)  # format from the name
        assert r.exit_code == 0, r.output
        assert Case.open(case).count() == 20


def test_unknown_mapped_column_is_a_clear_error(tmp_path):
    write_posts(tmp_path / "posts.csv", 3)
    case = tmp_path / "case"
    run("init", str(case))
    r = CliRunner().invoke(cli, ["ingest", str(case), str(tmp_path / "posts.csv"),
                                 "--map", "account=nope", "--map", "ts=created_at"])
    assert r.exit_code == 1
    assert "'nope'" in r.output and "posts.csv" in r.output


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "swarmscope", "--version"], capture_output=True,
                         text=True, check=True)
    assert "swarmscope" in out.stdout


@pytest.mark.parametrize("header_extra", ["=cmd|' /C calc'!A0", "a\"b", "é"])
def test_hostile_column_names_are_kept_in_extra(tmp_path, header_extra):
    p = tmp_path / "x.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["user", "time", header_extra])
        w.writerow(["ann", "2021-01-01T00:00:00Z", "v"])
    case = Case.init(tmp_path / "case")
    from swarmscope import ingest

    ingest(case, [p], format="csv", mapping={"account": "user", "ts": "time"})
    import orjson

    assert orjson.loads(case.read().column("extra")[0].as_py()) == {header_extra: "v"}
