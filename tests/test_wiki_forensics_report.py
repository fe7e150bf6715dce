"""`swarmscope wiki report` as an investigator runs it, on hostile names and on an empty case."""

from __future__ import annotations

import orjson
import pyarrow.parquet as pq
from click.testing import CliRunner

from swarmscope import Case
from swarmscope.cli import cli
from swarmscope.ingest import ingest
from swarmscope.wiki.forensics import run_report
from wikihist import make_case, rev

# Names written by the people under investigation: SQL, terminal escapes, rich markup.
EVIL = "Robert'); DROP TABLE rev;--"
ESC = "Esc \x1b[2J[bold red]x[/]"
TITLE = "Page \"quoted\" 'single' $1 ?"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_report_command_with_hostile_names(tmp_path):
    revs = [
        rev(TITLE, EVIL, 0, "a"), rev(TITLE, ESC, 1, "b"), rev(TITLE, EVIL, 2, "a"),
        rev(TITLE, "Plain", 3, "c"), rev("Other", EVIL, 10), rev("Other", ESC, 11),
        rev("Other", "Plain", 12),
    ]
    case = make_case(tmp_path, revs)
    code, out = _run("wiki", "report", str(case.path), "--users", EVIL, "--users", ESC,
                     "--page", TITLE, "--permutations", "20", "--window", "1d")
    assert code == 0, out
    assert "\x1b" not in out  # escapes are made visible, never sent to the terminal
    results = Case.open(case.path).results()
    stats = pq.read_table(results["wiki_page_stats.parquet"]).to_pylist()
    assert [s["page"] for s in stats] == [TITLE]  # --page limits page statistics
    inter = pq.read_table(results["wiki_interactions.parquet"]).to_pylist()
    assert {r["account"] for r in inter} == {EVIL, ESC}
    assert {r["page"] for r in inter} == {TITLE, "Other"}
    pairs = pq.read_table(results["wiki_similar_pairs.parquet"]).to_pylist()
    evil_pair = next(p for p in pairs if {p["a"], p["b"]} == {EVIL, ESC})
    assert evil_pair["conflict"] and evil_pair["involves_focus"]
    network = pq.read_table(results["wiki_revert_network.parquet"]).to_pylist()
    assert [(e["reverter"], e["reverted"]) for e in network] == [(EVIL, ESC)]
    record = orjson.loads(results["wiki_forensics.json"].read_bytes())
    assert record["params"]["users"] == sorted([EVIL, ESC])
    assert record["params"]["window_s"] == 86400.0


def test_empty_case_gives_empty_tables(tmp_path):
    case = Case.init(tmp_path / "case")
    rep = run_report(case, users=["Nobody", "Else"])
    assert all(t.num_rows == 0 for t in rep.tables.values())
    assert len(Case.open(case.path).results()) == len(rep.tables) + 1


def test_stale_wiki_revisions_are_recomputed(tmp_path):
    """Revisions ingested after the last `wiki reverts` (a dump, say) are not left out."""
    case = make_case(tmp_path, [rev("P", "A", 0), rev("P", "B", 1)], name="first")
    make_case(tmp_path, [rev("Q", "C", 5), rev("Q", "D", 6)], reverts=False, name="second",
              first_revid=9000)
    ingest(case, [tmp_path / "second-actions.parquet"], format="parquet")
    rep = run_report(Case.open(case.path), write=False)
    assert rep.counts["pages"] == 2
