"""The report as files: what it contains, how it escapes hostile data, its exports and CLI.

The browser tests (test_report_browser.py) open the same reports in headless Chromium.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import lxml.html
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from lxml import etree

from reportcases import HOSTILE, folder_report, hostile_report, single_report, synthetic_case
from swarmscope import Case, ingest
from swarmscope.errors import UsageError
from swarmscope.exports import FORMULA_PREFIXES
from swarmscope.report import Limits, write_report
from swarmscope.report.csvout import write_safe_csv
from swarmscope.report.model import safe_filename
from swarmscope.report.render import LIBRARIES, csp_hash, script_json
from swarmscope.report.tables import cell, clip

SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


# ------------------------------------------------------------------ building blocks
def test_script_json_cannot_close_its_element_and_round_trips():
    data = {"rows": HOSTILE + ["</SCRIPT>", "\u2028\u2029", "a&b"]}
    text = script_json(data)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == data


def test_safe_filename():
    taken: set[str] = set()
    assert safe_filename("wiki_page_stats", taken) == "wiki_page_stats"
    assert safe_filename("wiki_page_stats", taken) == "wiki_page_stats-2"
    for hostile in ("../../etc/passwd", "<img src=x>", ".hidden", "a/b\\c", "CON", "x" * 500,
                    "\u202eexe.txt", ""):
        name = safe_filename(hostile)
        assert SAFE_NAME.match(name), name
        assert not name.startswith(".") and len(name) <= 100


def test_cells_are_clipped_text():
    long = "y" * 100_000
    assert cell(long).startswith("y" * 300) and "100,000 characters" in cell(long)
    assert len(clip(long, 10)) < 60
    assert cell(None) == "" and cell(True) == "yes" and cell(2.0) == "2"
    assert cell([long, "b"]).count("y") <= 300
    assert cell(float("nan")) == ""


def test_invisible_and_direction_changing_characters_are_shown():
    # "\u202eevil" displays as "live": a reviewer must see the override, not its effect
    assert cell("\u202eevil\u202c reversed") == "⟨U+202E⟩evil⟨U+202C⟩ reversed"
    assert cell("a\u200bb\x1b[31m\u2028") == "a⟨U+200B⟩b⟨U+001B⟩[31m⟨U+2028⟩"
    assert cell("emoji 🧨 and Ünïcödé, tab\tand\nnewline") == \
        "emoji 🧨 and Ünïcödé, tab\tand\nnewline"


def test_safe_csv_neutralises_formulas(tmp_path):
    values = HOSTILE + ["plain", None]
    t = pa.table({"text": values, "n": list(range(len(values))),
                  "=header": ["-1"] * len(values)})
    write_safe_csv(t, tmp_path / "t.csv")
    assert_no_formula_cells(tmp_path / "t.csv")
    rows = list(csv.reader(open(tmp_path / "t.csv", newline="", encoding="utf-8")))
    assert rows[0][2] == "'=header"
    assert rows[HOSTILE.index("-2+3") + 1][0] == "'-2+3"


def assert_no_formula_cells(path: Path) -> int:
    """Every cell a spreadsheet would evaluate is a plain number; returns the cells checked."""
    n = 0
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            for value in row:
                n += 1
                if value.startswith(FORMULA_PREFIXES):
                    try:
                        float(value)
                    except ValueError:
                        pytest.fail(f"{path.name}: formula cell {value[:60]!r}")
    return n


# ------------------------------------------------------------------ a full report
@pytest.fixture(scope="module")
def report():
    return folder_report()


def test_folder_report_is_self_contained(report):
    folder = report.folder
    html = report.path.read_text(encoding="utf-8")
    doc = lxml.html.fromstring(html)
    # every script and stylesheet is a local file of the report
    for el in doc.iter("script"):
        src = el.get("src")
        if src is None:
            assert el.get("type") == "application/json"
        else:
            assert src.startswith("assets/") and (folder / src).is_file()
    for el in doc.iter("link"):
        assert el.get("href", "").startswith("assets/")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
    for name in (*LIBRARIES, "report.js", "report.css", "LICENSES.md", "LICENSE-vega.txt",
                 "LICENSE-cytoscape.txt"):
        assert (folder / "assets" / name).is_file(), name
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "connect-src 'none'" in csp


def test_report_sections(report):
    html = report.path.read_text(encoding="utf-8")
    doc = lxml.html.fromstring(html)
    model = report.model
    case = synthetic_case()
    clusters = pq.read_table(case.result_path("clusters.parquet"))
    assert len(model.dossiers) == min(clusters.num_rows, Limits().dossiers)
    for d in model.dossiers:
        el = doc.get_element_by_id(d.anchor)
        assert el.tag == "details"
        assert el.xpath(".//div[@data-table]")  # members, edges, evidence ...
    ranked = [d.cluster for d in model.dossiers]
    scores = {r["cluster"]: r["score"] for r in clusters.to_pylist()}
    assert [scores[c] for c in ranked] == sorted(scores[c] for c in ranked)[::-1]
    # evidence: exact events of the strongest pairs, with times, lags and source records
    top = model.dossiers[0]
    ev = model.tables[f"c{top.cluster}-evidence"]
    assert ev["rows"] and ev["total"] >= len(ev["rows"])
    assert "lag (s)" in ev["columns"] and "first source" in ev["columns"]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", ev["rows"][0][3])
    assert "actions.parquet #" in ev["rows"][0][10]
    # charts of the other signals' results (fixtures), and generic tables
    keys = set(model.charts)
    assert {"activity", f"c{top.cluster}-activity", f"c{top.cluster}-lags",
            f"c{top.cluster}-timecard", f"c{top.cluster}-latency",
            f"c{top.cluster}-leadfollow", "swarm-latency"} <= keys
    assert "inferred local time (UTC+3)" in json.dumps(model.charts[f"c{top.cluster}-timecard"]) \
        or "inferred local time (UTC-5)" in json.dumps(model.charts[f"c{top.cluster}-timecard"])
    titles = [s.title for s in model.wiki]
    assert {"page stats", "interactions", "revert rings", "source domains"} <= set(titles)
    assert [s.title for s in model.other] == ["mystery signal"]
    assert doc.get_element_by_id("methods") is not None
    text = doc.text_content()
    assert "news" in text.lower() and "not proof" in text.lower()
    # network view capped to the flagged subgraph, positions precomputed
    net = model.network
    accounts = pq.read_table(case.result_path("accounts.parquet"))
    assert len(net["nodes"]) == pa.compute.sum(pa.compute.is_valid(accounts["cluster"])).as_py()
    assert all({"x", "y"} <= set(n) for n in net["nodes"])


def test_provenance_lists_sources_with_hashes(report):
    case = synthetic_case()
    ingests = report.model.tables["ingests"]
    sha = case.ingests()[0]["sha256"]
    assert any(sha in row for row in ingests["rows"])
    results = report.model.tables["results"]
    checks = {row[0]: row[3] for row in results["rows"]}
    assert checks["edges.parquet"] == "matches detect.json"


def test_exports(report):
    ex = report.exports
    for name in ("edges", "accounts", "clusters", "evidence", "timecards", "wiki_page_stats",
                 "mystery_signal"):
        assert pq.read_table(ex / f"{name}.parquet").num_rows > 0, name
        assert assert_no_formula_cells(ex / f"{name}.csv") > 0, name
    gexf = etree.parse(str(ex / "network.gexf"))
    nodes = gexf.findall(".//{http://gexf.net/1.3}node")
    assert len(nodes) == len(report.model.network["nodes"])
    etree.parse(str(ex / "network.graphml"))
    assert all(SAFE_NAME.match(p.name) for p in ex.iterdir())


def test_single_file():
    r = single_report()
    out = r.path
    html = out.read_text(encoding="utf-8")
    doc = lxml.html.fromstring(html)
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    scripts = [s for s in doc.iter("script") if s.get("type") != "application/json"]
    assert len(scripts) == len(LIBRARIES) + 1 and all(s.get("src") is None for s in scripts)
    # each inline script and the stylesheet is allowed by its hash, nothing else
    inline = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(inline) == len(scripts)
    for text in inline:
        assert csp_hash(text) in csp
    style = re.search(r"<style[^>]*>(.*?)</style>", html, re.S).group(1)
    assert csp_hash(style) in csp
    assert "'self'" not in csp and "unsafe" not in csp
    assert not doc.xpath("//link")
    assert r.exports == out.parent / "one-exports"
    assert (out.parent / "one-exports" / "edges.csv").is_file()
    assert 'href="one-exports/edges.csv"' in html


def test_rewriting_and_refusing(tmp_path):
    case = synthetic_case()
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    with pytest.raises(UsageError):
        write_report(case, other)
    assert (other / "mine.txt").read_text() == "keep me"
    (tmp_path / "x.html").write_text("<p>not a report</p>")
    with pytest.raises(UsageError):
        write_report(case, tmp_path / "x.html", single_file=True)
    out = tmp_path / "rep"
    write_report(case, out, exports=False, limits=Limits(dossiers=2))
    first = (out / "index.html").read_text()
    write_report(case, out, limits=Limits(dossiers=1))  # an earlier report is replaced
    assert (out / "index.html").read_text() != first
    assert (out / "exports" / "edges.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rep.")]


def test_sections_not_computed(tmp_path):
    posts = tmp_path / "posts.parquet"
    n = 60
    pq.write_table(pa.table({
        "action_id": [str(i) for i in range(n)],
        "account": [f"acc{i % 6}" for i in range(n)],
        "ts": [f"2024-01-01T{i // 60:02d}:{i % 60:02d}:00Z" for i in range(n)],
        "text": [f"post {i // 3}" for i in range(n)],
    }), posts)
    case = Case.init(tmp_path / "case")
    ingest(case, [posts], format="parquet")
    r = write_report(case, tmp_path / "out")
    text = lxml.html.fromstring(r.path.read_text(encoding="utf-8")).text_content()
    assert "Co-action detection: not computed" in text
    assert "Wikipedia forensics: not computed" in text
    assert "keyword swarms: not computed" not in text  # the whole temporal part says it at once
    assert "timecards, offsets, personas, swarms and lead/follow: not computed" in text
    from swarmscope.signals.detect import detect

    detect(case)
    r = write_report(case, tmp_path / "out")
    text = lxml.html.fromstring(r.path.read_text(encoding="utf-8")).text_content()
    assert "Co-action detection: not computed" not in text


# ------------------------------------------------------------------ hostile data
def test_hostile_strings_are_escaped():
    html = hostile_report().path.read_text(encoding="utf-8")
    for raw in ("<script>window.pwned", "<img src=x", "<svg onload", "<iframe", "<style>*",
                "<a href=\"javascript", "</script><script>alert"):
        assert raw not in html, raw
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html,
                      re.S).group(1)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in block
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//img | //iframe | //object | //embed | //svg | //form | //base")
    assert not [el for el in doc.iter() if isinstance(el.tag, str)
                and any(a.lower().startswith("on") for a in el.attrib)]
    for a in doc.iter("a"):
        href = a.get("href", "")
        assert href.startswith("#") or href.startswith("exports/"), href
    scripts = list(doc.iter("script"))
    assert len(scripts) == len(LIBRARIES) + 2
    # The hostile strings are there, as text: in the page and in the data for the scripts.
    text = doc.text_content()
    assert "<script>window.pwned='case'</script>" in text
    data = json.loads(doc.get_element_by_id("report-data").text)
    blob = json.dumps(data, ensure_ascii=False)
    assert "<script>window.pwned='script'</script> #0" in blob
    assert "javascript:alert('js-url')" in blob
    assert "⟨U+202E⟩evil⟨U+202C⟩ reversed" in blob and "\u202e" not in blob
    assert "x" * 300 in blob and "x" * 1000 not in blob  # the 100 kB name is clipped


def test_hostile_exports_have_no_formulas_and_safe_names():
    ex = hostile_report().exports
    checked = 0
    for p in sorted(ex.iterdir()):
        assert SAFE_NAME.match(p.name), p.name
        if p.suffix == ".csv":
            checked += assert_no_formula_cells(p)
    assert checked > 10_000
    assert (ex / "wiki__img_src_x_onerror_alert_1_amp.csv").is_file()
    accounts = (ex / "accounts.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in accounts and "'@SUM(A1)" in accounts


# ------------------------------------------------------------------ CLI and demo
def test_cli_registered_and_writes(tmp_path):
    from swarmscope.cli import cli

    out = tmp_path / "r.html"
    res = CliRunner().invoke(cli, ["report", str(synthetic_case().path), "-o", str(out),
                                   "--single-file", "--dossiers", "3", "--no-exports"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert out.is_file() and "report:" in res.output
    assert len(re.findall(r'<details class="dossier"', out.read_text(encoding="utf-8"))) == 3


def test_demo_stage_writes_the_report_into_the_case():
    from swarmscope.report.demo import run

    case = synthetic_case()
    out = run(case)
    assert out["report"] == case.path / "report" / "index.html" and out["report"].is_file()
    assert out["report exports"] == case.path / "report" / "exports"
