"""Cases for the report tests: a small synthetic case, the same with hostile strings, and the
result tables of the other signals (timecards, offsets, personas, swarms, lead/follow,
Wikipedia forensics) written as fixtures in the shapes of their contracts.

Building a case takes a few seconds, so each is built once per test session (cached) in a
temporary folder removed at exit.
"""

from __future__ import annotations

import atexit
import csv
import functools
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from swarmscope import Case, ingest
from swarmscope.report import ReportResult, write_report
from swarmscope.signals.detect import detect
from swarmscope.synthetic import Scenario, generate

HOSTILE = [
    "<script>window.pwned='script'</script>",
    "<img src=x onerror=\"window.pwned='img'\">",
    "\"><svg onload=alert('svg')>",
    "javascript:alert('js-url')",
    "JaVaScRiPt:window.pwned='js2'",
    "</script><script>alert('break')</script>",
    "<!--<script>alert('comment')</script>-->",
    "\u202eevil\u202c reversed",
    "line\u2028separator\u2029paragraph",
    "=HYPERLINK(\"http://evil.example/\",\"click\")",
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "{{7*7}} ${7*7} {% raw %}",
    "<style>*{display:none}</style>",
    "<a href=\"javascript:alert('a')\">click</a>",
    "<iframe src=\"javascript:alert('iframe')\"></iframe>",
    "data:text/html,<script>alert('data')</script>",
    "&lt;script&gt;alert('entity')&lt;/script&gt;",
    "__proto__",
    "control \x01\x07\x1b[31m chars",
    "x" * 100_000,
]
HOSTILE_URLS = [
    "javascript:alert('url')",
    "JAVASCRIPT:window.pwned='url2'",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "https://evil.example/?q=<script>alert('q')</script>",
    "vbscript:msgbox('x')",
]

_ROOT: Path | None = None


def _root() -> Path:
    global _ROOT
    if _ROOT is None:
        _ROOT = Path(tempfile.mkdtemp(prefix="swarmscope-report-tests-"))
        atexit.register(shutil.rmtree, _ROOT, True)
    return _ROOT


def _generate(folder: Path) -> tuple[Path, Path]:
    gen = generate(folder / "synthetic", scale=0.02, seed=7,
                   scenario=Scenario(scale_operations=False))
    return gen.actions_path, gen.labels_dir


@functools.cache
def synthetic_case() -> Case:
    """A small synthetic case with detection and every fixture result."""
    folder = _root() / "synthetic"
    actions, _ = _generate(folder)
    case = Case.init(folder / "case", name="report test case")
    ingest(case, [actions], format="parquet")
    detect(case)
    add_fixture_results(case, hostile=False)
    return case


@functools.cache
def hostile_case() -> Case:
    """The synthetic case with hostile strings as account names, texts, page titles, URLs,
    and in every fixture result (ids, triggers, pages, column names, a result's name)."""
    folder = _root() / "hostile"
    actions, labels = _generate(folder)
    tbl = pq.read_table(actions)
    with open(labels / "accounts.csv", newline="", encoding="utf-8") as fh:
        members = [r["account"] for r in csv.DictReader(fh)
                   if r["operation"] in ("op1-co-repost-ring", "op2-copy-paste-farm",
                                         "op5-wiki-tag-team")]
    rename = {a: f"{HOSTILE[i % len(HOSTILE)]} #{i}" for i, a in enumerate(members)}
    accounts = [rename.get(a, a) for a in tbl.column("account").to_pylist()]
    # Texts: the same original text gets the same hostile text, so copy-paste stays visible.
    text_map: dict[str, str] = {}
    texts = []
    for t, a in zip(tbl.column("text").to_pylist(), tbl.column("account").to_pylist(),
                    strict=True):
        if t is not None and a in rename:
            t = text_map.setdefault(t, f"{HOSTILE[len(text_map) % len(HOSTILE)][:2000]} "
                                       f"text {len(text_map)}")
        texts.append(t)
    title_map: dict[str, str] = {}
    titles = [None if t is None else title_map.setdefault(
        t, f"{HOSTILE[len(title_map) % len(HOSTILE)][:500]} page {len(title_map)}")
        for t in tbl.column("title").to_pylist()]
    url_map: dict[str, str] = {}
    urls = []
    for us, a in zip(tbl.column("urls").to_pylist(), tbl.column("account").to_pylist(),
                     strict=True):
        if us and a in rename:
            us = [url_map.setdefault(u, f"{HOSTILE_URLS[len(url_map) % len(HOSTILE_URLS)]}"
                                        f"#{len(url_map)}") for u in us]
        urls.append(us)
    tbl = (tbl.set_column(tbl.schema.get_field_index("account"), "account",
                          pa.array(accounts, pa.string()))
              .set_column(tbl.schema.get_field_index("text"), "text", pa.array(texts, pa.string()))
              .set_column(tbl.schema.get_field_index("title"), "title",
                          pa.array(titles, pa.string()))
              .set_column(tbl.schema.get_field_index("urls"), "urls",
                          pa.array(urls, pa.list_(pa.string()))))
    hostile_path = folder / "hostile.parquet"
    pq.write_table(tbl, hostile_path)
    case = Case.init(folder / "case", name="<script>window.pwned='case'</script>")
    ingest(case, [hostile_path], format="parquet")
    detect(case)
    add_fixture_results(case, hostile=True)
    return case


def add_fixture_results(case: Case, hostile: bool) -> None:
    """Write results of the other signals in their contract shapes, from the case's data."""
    con = case.connect()
    clusters = pq.read_table(case.result_path("clusters.parquet")).to_pylist()
    member_rows = [(m, c["cluster"]) for c in clusters for m in c["members"]]
    con.register("mem", pa.table({"account": [m for m, _ in member_rows],
                                  "cluster": [c for _, c in member_rows]}))
    tables: dict[str, pa.Table] = {}
    tables["timecards"] = con.sql("""
        SELECT 'cluster' AS scope, CAST(m.cluster AS VARCHAR) AS id, z.zone,
               CAST(isodow(a.ts + z.shift) - 1 AS INTEGER) AS weekday,
               CAST(hour(a.ts + z.shift) AS INTEGER) AS hour, count(*) AS actions
        FROM actions a JOIN mem m USING (account)
        CROSS JOIN (VALUES ('utc', INTERVAL 0 HOUR), ('local', INTERVAL 3 HOUR)) z(zone, shift)
        GROUP BY ALL
        UNION ALL
        SELECT 'account', a.account, 'utc', CAST(isodow(a.ts) - 1 AS INTEGER),
               CAST(hour(a.ts) AS INTEGER), count(*)
        FROM actions a JOIN mem m USING (account) GROUP BY ALL
    """).to_arrow_table()
    tables["offsets"] = con.sql("""
        SELECT 'cluster' AS scope, CAST(cluster AS VARCHAR) AS id, count(*)::BIGINT AS n_actions,
               CASE WHEN cluster % 2 = 0 THEN 3.0 ELSE -5.0 END AS utc_offset,
               0.8 AS confidence, 'ok' AS status,
               CASE WHEN cluster % 2 = 0 THEN 'office' ELSE 'shift' END AS schedule
        FROM mem GROUP BY cluster
        UNION ALL
        SELECT 'account', account, 10, CASE WHEN cluster = 1 THEN NULL ELSE 5.5 END, 0.5,
               CASE WHEN cluster = 1 THEN 'too few actions' ELSE 'ok' END, 'leisure'
        FROM mem
    """).to_arrow_table()
    tables["personas"] = con.sql("""
        SELECT account, (cluster % 7) / 7.0 AS score, [9, 10, 11, 14] AS active_hours,
               2 AS blocks, 0.3 AS style_shift, 'fixed shifts Mon-Fri' AS evidence
        FROM mem
    """).to_arrow_table()
    trigger = HOSTILE[0] if hostile else "keyword: election"
    tables["swarm_latencies"] = con.sql("""
        SELECT (row_number() OVER () % 3)::BIGINT AS swarm, ?::VARCHAR AS trigger, account,
               (10 + (hash(account) % 600))::DOUBLE AS latency_s
        FROM mem
    """, params=[trigger[:200]]).to_arrow_table()
    tables["swarms"] = pa.table({
        "swarm": pa.array([0, 1, 2], pa.int64()),
        "trigger": [trigger[:300], "keyword two", HOSTILE[3]],
        "accounts": [10, 8, 5],
        "first_ts": pa.array([1_700_000_000_000_000] * 3, pa.timestamp("us", tz="UTC")),
    })
    tables["leadfollow"] = con.sql("""
        SELECT cluster, account, (hash(account) % 20)::BIGINT AS led,
               (hash(account || 'f') % 20)::BIGINT AS followed,
               ((hash(account) % 20) / 20.0)::DOUBLE AS lead_share
        FROM mem
    """).to_arrow_table()
    wiki = con.sql("""
        SELECT title AS page, count(*) AS edits, count(DISTINCT account) AS editors,
               min(ts) AS first_ts, max(ts) AS last_ts
        FROM actions WHERE platform = 'synthwiki' GROUP BY title ORDER BY edits DESC
    """).to_arrow_table()
    tables["wiki_page_stats"] = wiki
    tables["wiki_interactions"] = con.sql("""
        SELECT title AS page, account, ts, kind, urls
        FROM actions WHERE platform = 'synthwiki' ORDER BY ts LIMIT 3000
    """).to_arrow_table()
    first_members = [m for m, _ in member_rows[:6]]
    tables["wiki_revert_rings"] = pa.table({
        "ring": [1, 2],
        "members": [first_members[:3], first_members[3:6]],
        "pages": [wiki.column("page").to_pylist()[:2], wiki.column("page").to_pylist()[2:4]],
        "reverts": [12, 7],
    })
    tables["wiki_source_domains"] = pa.table({
        "page": wiki.column("page").to_pylist()[:5],
        "domain": (HOSTILE_URLS + ["example.org"])[:5],
        "added": [3, 1, 4, 1, 5],
        "removed": [0, 2, 0, 1, 0],
    })
    col = HOSTILE[0] if hostile else "value"
    tables["mystery_signal"] = pa.table({
        "id": [1, 2, 3],
        col: HOSTILE[:3] if hostile else ["a", "b", "c"],
        "=formula_column": ["=1+2", "@x", "ok"],
        "nested": [{"k": HOSTILE[1]}, {"k": "v"}, None],
    })
    if hostile:
        # A result whose name itself is hostile markup (Case.connect cannot take a '"' in a
        # result name yet, so none here).
        tables["wiki_<img src=x onerror=alert(1)>&amp;"] = pa.table({"x": HOSTILE[:4]})
    con.unregister("mem")
    with case.transaction() as txn:
        for name, t in tables.items():
            p = txn.stage_path(f"fixture-{len(txn.results)}.parquet")
            pq.write_table(t, p)
            txn.add_result(f"{name}.parquet", p)



@functools.cache
def folder_report() -> ReportResult:
    """The synthetic case's report as a folder (index.html, assets/, exports/)."""
    return write_report(synthetic_case(), _root() / "reports" / "folder")


@functools.cache
def single_report() -> ReportResult:
    """The synthetic case's report as one HTML file (exports beside it)."""
    return write_report(synthetic_case(), _root() / "reports" / "one.html", single_file=True)


@functools.cache
def hostile_report() -> ReportResult:
    return write_report(hostile_case(), _root() / "reports" / "hostile")
