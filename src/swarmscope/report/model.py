"""What the report shows, gathered from a case into plain Python data.

:func:`build_model` reads only what signals published (``results/``), the manifest
(``case.toml``: sources, hashes, counts) and, for the activity timelines and the evidence, the
actions table through SQL. Everything is aggregated or capped here (:class:`Limits`), so the page
stays small and quick whatever the size of the case; the exports beside the report carry the full
tables.

Sections appear when their result exists and say "not computed" otherwise:

- co-action (``edges``, ``accounts``, ``clusters``, ``bounded_objects``, ``detect.json``): the
  ranked clusters, a dossier per top cluster (members, strongest edges, evidence events from
  :func:`swarmscope.signals.explain.explain_members`, activity timeline, lag histogram), the
  network view;
- temporal (``timecards``, ``offsets``, ``personas``, ``swarms``, ``swarm_latencies``,
  ``leadfollow``): timecards in inferred local time, offsets and schedule classes, persona
  scores, swarm latency histograms, lead/follow shares, per dossier and overall;
- Wikipedia (``wiki_*``) and any other result table: a generic, paginated, escaped table (and a
  timeline when the table has a time column).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..behaviours import get_behaviour
from ..case import Case
from ..engine import sql_list
from ..errors import SwarmscopeError, UsageError
from ..provenance import file_sha256
from . import charts
from .csvout import write_safe_csv
from .network import build_network
from .tables import anchor, cell, clip, fmt_number, fmt_ts, from_arrow, from_rows

COACTION = ("edges", "accounts", "clusters", "bounded_objects")
TEMPORAL = ("timecards", "offsets", "personas", "swarms", "swarm_latencies", "leadfollow")
KNOWN = set(COACTION) | set(TEMPORAL)

ExportJob = Callable[[Path], None]


@dataclass(frozen=True)
class Limits:
    """Caps that keep the page small; the exports hold everything."""

    dossiers: int = 40            # clusters with a full dossier, in rank order
    members: int = 300            # member rows per dossier
    edges_per_cluster: int = 40   # strongest intra-cluster edges listed per dossier
    evidence_pairs: int = 10      # strongest edges whose co-action events are listed
    evidence_accounts: int = 600  # accounts whose actions are re-read for the evidence
    evidence_rows: int = 200      # events per dossier in the page (all are exported)
    network_nodes: int = 1500
    network_edges: int = 6000
    table_rows: int = 500         # rows of a generic result table in the page
    ranked_clusters: int = 2000   # rows of the ranked cluster table in the page


@dataclass
class Section:
    """A titled part of the report: text, tables and charts by key."""

    title: str
    anchor: str
    intro: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[dict[str, Any]] = field(default_factory=list)  # {"kind": table|chart|note, ...}


@dataclass
class Dossier:
    cluster: int
    rank: int
    anchor: str
    facts: list[tuple[str, str]]
    top_objects: list[str]
    blocks: list[dict[str, Any]] = field(default_factory=list)
    members: list[str] = field(default_factory=list)


@dataclass
class Model:
    meta: dict[str, Any]
    summary: Section
    provenance: Section
    warnings: list[str] = field(default_factory=list)
    coaction: Section | None = None
    ranked: Section | None = None
    dossiers: list[Dossier] = field(default_factory=list)
    network: dict[str, Any] | None = None
    temporal: list[Section] = field(default_factory=list)
    wiki: list[Section] = field(default_factory=list)
    other: list[Section] = field(default_factory=list)
    methods: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)
    exports: list[tuple[str, str, ExportJob]] = field(default_factory=list)  # name, label, job

    def table(self, key: str, table: dict[str, Any], title: str | None = None) -> dict[str, Any]:
        self.tables[key] = table
        return {"kind": "table", "key": key, "title": title, "table": table}

    def chart(self, key: str, spec: dict[str, Any], title: str | None = None) -> dict[str, Any]:
        self.charts[key] = spec
        return {"kind": "chart", "key": key, "title": title}


def note(text: str) -> dict[str, Any]:
    return {"kind": "note", "text": text}


def not_computed(what: str, command: str) -> dict[str, Any]:
    return {"kind": "note", "text": f"{what}: not computed for this case (run '{command}')."}


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, taken: set[str] | None = None, limit: int = 80) -> str:
    """A file name made of ``[A-Za-z0-9._-]``, not hidden, unique within ``taken``."""
    stem = _SAFE_NAME.sub("_", name).strip("._") or "result"
    stem = stem[:limit]
    if stem.split(".")[0].lower() in {"con", "prn", "aux", "nul", "com1", "lpt1", "index"}:
        stem = "result_" + stem
    out = stem
    k = 2
    while taken is not None and out.lower() in taken:
        base, dot, ext = stem.rpartition(".")
        out = f"{base}-{k}.{ext}" if dot else f"{stem}-{k}"
        k += 1
    if taken is not None:
        taken.add(out.lower())
    return out




def _scan(path: Path) -> str:
    return f"read_parquet({sql_list([path])})"


def _columns(path: Path) -> list[str]:
    return pq.ParquetFile(path).schema_arrow.names


def _bucket(span_s: float, max_buckets: int = 360) -> tuple[int, str, str]:
    """(seconds, label, strftime) of a time bucket giving at most ``max_buckets`` bars."""
    for sec, name, fmt in ((60, "minute", "%Y-%m-%d %H:%M"), (300, "5 minutes", "%Y-%m-%d %H:%M"),
                           (900, "15 minutes", "%Y-%m-%d %H:%M"), (3600, "hour", "%Y-%m-%d %H:00"),
                           (3 * 3600, "3 hours", "%Y-%m-%d %H:00"),
                           (6 * 3600, "6 hours", "%Y-%m-%d %H:00"), (86400, "day", "%Y-%m-%d"),
                           (7 * 86400, "week", "%Y-%m-%d")):
        if span_s / sec <= max_buckets:
            return sec, name, fmt
    return 30 * 86400, "30 days", "%Y-%m-%d"


def _activity_rows(rows: list[tuple[Any, ...]], sec: int, fmt: str) -> list[dict[str, Any]]:
    """Chart rows from ``(bucket start, series, count)``, with zeros for empty buckets (a
    stacked area would otherwise draw a straight line across a gap)."""
    if not rows:
        return []
    counts: dict[tuple[Any, str], int] = {}
    series: dict[str, None] = {}
    for t, s, n in rows:
        name = charts.label(s)
        series.setdefault(name)
        counts[(t, name)] = counts.get((t, name), 0) + int(n)
    start = min(r[0] for r in rows)
    stop = max(r[0] for r in rows)
    step = dt.timedelta(seconds=sec)
    out = []
    t = start
    while t <= stop:
        when = t.astimezone(dt.UTC).strftime(fmt)
        iso = t.isoformat()
        for name in series:
            out.append({"t": iso, "when": when, "series": name, "n": counts.get((t, name), 0)})
        t += step
    return out


def _offset_text(offset: Any) -> str:
    if offset is None:
        return "unknown"
    try:
        hours = float(offset)
    except (TypeError, ValueError):
        return cell(offset, 40)
    sign = "+" if hours >= 0 else "-"
    h = abs(hours)
    whole = int(h)
    minutes = round((h - whole) * 60)
    return f"UTC{sign}{whole}" + (f":{minutes:02d}" if minutes else "")


class _Builder:
    def __init__(self, case: Case, limits: Limits, progress: Callable[[str], None]) -> None:
        self.case = case
        self.limits = limits
        self.say = progress
        self.con = case.connect()
        self.results: dict[str, Path] = {}
        self.other_files: dict[str, Path] = {}
        for name, path in case.results().items():
            if not path.exists():
                continue
            if name.endswith(".parquet"):
                self.results[name[: -len(".parquet")]] = path
            else:
                self.other_files[name] = path
        self.ingest_names = {i.get("ingest_id"): Path(str(i.get("path", ""))).name
                             for i in case.ingests()}
        self.detect_run: dict[str, Any] = {}
        if "detect.json" in self.other_files:
            try:
                self.detect_run = orjson.loads(self.other_files["detect.json"].read_bytes())
            except orjson.JSONDecodeError:
                self.detect_run = {}
        self.taken: set[str] = set()
        self.evidence_skipped: list[str] = []
        self.texts: dict[tuple[str, str], str] = {}
        self.m: Model | None = None

    # ------------------------------------------------------------------ the whole report
    def build(self) -> Model:
        now = dt.datetime.now(dt.UTC)
        meta = {
            "case": cell(self.case.name, 200),
            "generated": fmt_ts(now.replace(microsecond=0)),
            "version": __version__,
            "generation": self.case.generation,
        }
        m = self.m = Model(meta=meta, summary=Section("Case summary", "summary"),
                           provenance=Section("Sources and provenance", "provenance"))
        self.say("case summary")
        self._summary()
        self._provenance()
        if {"accounts", "clusters", "edges"} <= set(self.results):
            self.say("clusters and dossiers")
            self._coaction()
        self.say("temporal results")
        self._temporal_sections()
        self.say("other results")
        self._generic_sections()
        self._methods()
        return m

    # ------------------------------------------------------------------ summary
    def _summary(self) -> None:
        m = self.m
        assert m is not None
        total, accounts, first, last = self.con.execute(
            "SELECT count(*), count(DISTINCT account), min(ts), max(ts) FROM actions").fetchall()[0]
        self.first, self.last = first, last
        m.meta.update(actions=total, accounts=accounts)
        s = m.summary
        s.facts += [
            ("case", cell(self.case.name)),
            ("actions", f"{total:,}"),
            ("accounts", f"{accounts:,}"),
            ("time span (UTC)", f"{cell(first)} – {cell(last)}" if first else "no actions"),
            ("ingested files", f"{len(self.case.ingests()):,}"),
        ]
        counts = self.detect_run.get("counts", {})
        if counts:
            s.facts += [("flagged accounts", f"{counts.get('flagged', 0):,}"),
                        ("clusters", f"{counts.get('clusters', 0):,}")]
        by_platform = self.con.sql(
            "SELECT platform, count(*) AS actions, count(DISTINCT account) AS accounts, "
            "min(ts) AS first, max(ts) AS last FROM actions GROUP BY 1 ORDER BY 2 DESC, 1"
        ).to_arrow_table()
        by_kind = self.con.sql(
            "SELECT platform, kind, count(*) AS actions FROM actions GROUP BY 1, 2 "
            "ORDER BY 1, 3 DESC, 2").to_arrow_table()
        s.blocks.append(m.table("platforms", from_arrow(by_platform, limit=200),
                                "actions by platform"))
        s.blocks.append(m.table("kinds", from_arrow(by_kind, limit=500), "actions by kind"))
        if first is not None:
            sec, name, fmt = _bucket((last - first).total_seconds())
            rows = self.con.execute(
                f"SELECT time_bucket(INTERVAL {sec} SECOND, ts) AS t, platform, count(*) "
                f"FROM actions GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
            s.blocks.append(m.chart("activity", charts.activity(
                _activity_rows(rows, sec, fmt), f"actions per {name}", "platform"),
                "activity of the whole case"))

    def _provenance(self) -> None:
        m = self.m
        assert m is not None
        p = m.provenance
        p.intro.append("Every ingested file with its SHA-256 as recorded in case.toml when it was "
                       "read, and every result file with its SHA-256 now; results of the "
                       "co-action run are checked against the hashes in detect.json.")
        rows = []
        for i in self.case.ingests():
            rows.append([i.get("path"), i.get("format"), i.get("size"), i.get("sha256"),
                         i.get("records"), i.get("added"), i.get("duplicates"),
                         i.get("rejected"), i.get("at"), i.get("ingest_id")])
        p.blocks.append(m.table("ingests", from_rows(
            ["file", "format", "bytes", "SHA-256", "records", "added", "duplicates", "rejected",
             "ingested at", "ingest id"], rows,
            cls=["", "", "num", "id", "num", "num", "num", "num", "ts", "id"]),
            "ingested files"))
        recorded = self.detect_run.get("files", {})
        rrows = []
        for name, rel in sorted(self.case.manifest.get("results", {}).items()):
            path = self.case.path / rel
            if not path.exists():
                rrows.append([name, None, "missing", ""])
                m.warnings.append(f"result {name} is listed in case.toml but missing")
                continue
            digest = file_sha256(path)
            check = ""
            if name in recorded:
                check = "matches detect.json" if recorded[name] == digest else "CHANGED"
                if recorded[name] != digest:
                    m.warnings.append(f"results/{name} differs from the file the co-action run "
                                      "wrote (its SHA-256 is not the one in detect.json)")
            rrows.append([name, path.stat().st_size, digest, check])
        p.blocks.append(m.table("results", from_rows(
            ["result", "bytes", "SHA-256", "check"], rrows, cls=["", "num", "id", ""]),
            "result files"))
        run = self.detect_run
        if run:
            params = run.get("params", {})
            windows = params.get("windows", {})
            p.facts += [
                ("co-action run", f"swarmscope {run.get('swarmscope_version', '?')} at "
                                  f"{run.get('at', '?')}, case generation "
                                  f"{run.get('case_generation', '?')}"),
                ("mode", str(params.get("mode", ""))),
                ("behaviours (window)", ", ".join(f"{b} ({fmt_number(float(windows.get(b, 0)))} s)"
                                                  for b in params.get("behaviours", []))),
                ("FDR level alpha", str(params.get("alpha", ""))),
                ("crowd cap per action", str(params.get("max_neighbours", ""))),
                ("minimum shared objects", str(params.get("min_objects", ""))),
            ]
            at = run.get("at")
            later = [i for i in self.case.ingests() if at and str(i.get("at", "")) > at]
            if later:
                m.warnings.append(f"{len(later)} file(s) were ingested after the co-action run "
                                  f"of {at}: its results do not cover them; run detect again")

    # ------------------------------------------------------------------ co-action
    def _coaction(self) -> None:
        m = self.m
        assert m is not None
        lim = self.limits
        con = self.con
        con.execute(f"CREATE OR REPLACE TEMP VIEW r_accounts AS SELECT * FROM "
                    f"{_scan(self.results['accounts'])}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW r_edges AS SELECT * FROM "
                    f"{_scan(self.results['edges'])}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW r_clusters AS SELECT * FROM "
                    f"{_scan(self.results['clusters'])}")
        ranked = con.sql("""
            SELECT row_number() OVER (ORDER BY score DESC NULLS LAST, size DESC, cluster) AS rank,
                   * FROM r_clusters ORDER BY rank
        """).to_arrow_table()
        self.rank = {int(c): int(r) for c, r in zip(ranked.column("cluster").to_pylist(),
                                                    ranked.column("rank").to_pylist(),
                                                    strict=True)}
        dossier_ids = [c for c, r in sorted(self.rank.items(), key=lambda x: x[1])
                       if r <= lim.dossiers]
        self.dossier_ids = dossier_ids
        dset = set(dossier_ids)
        flagged = con.execute("SELECT count(*) FILTER (WHERE flagged), count(*), "
                              "count(*) FILTER (WHERE cluster IS NOT NULL) FROM r_accounts"
                              ).fetchall()[0]
        sec = m.coaction = Section("Co-action", "coaction")
        sec.facts += [("accounts scored", f"{flagged[1]:,}"), ("flagged", f"{flagged[0]:,}"),
                      ("in clusters", f"{flagged[2]:,}"), ("clusters", f"{ranked.num_rows:,}"),
                      ("dossiers below", f"{len(dossier_ids):,} (clusters ranked by score, then "
                                         "size)")]
        cols = ["rank", "cluster", "size", "behaviours", "density", "score", "mean_score",
                "n_edges", "shared_objects", "first_ts", "last_ts", "top_objects"]
        ranked_view = ranked.select([c for c in cols if c in ranked.column_names])
        rk = m.ranked = Section("Ranked clusters", "clusters")
        rk.intro.append("Clusters are Leiden communities of the significant co-action edges. "
                        "Score is -log10 of the best member's Bonferroni-adjusted q-value "
                        "(capped at 300); it ranks clusters for review and is not a "
                        "probability of coordination.")
        rk.blocks.append(m.table("clusters", from_arrow(
            ranked_view, limit=lim.ranked_clusters,
            labels={"first_ts": "first (UTC)", "last_ts": "last (UTC)",
                    "mean_score": "mean score", "n_edges": "edges",
                    "shared_objects": "shared objects", "top_objects": "objects most members "
                    "acted on"},
            links={"cluster": lambda c: f"cluster-{int(c)}" if c in dset else None},
            kinds={"top_objects": "wide"}, export="clusters.csv")))
        bounded = self.results.get("bounded_objects")
        if bounded is not None:
            btbl = pq.read_table(bounded)
            if btbl.num_rows:
                rk.blocks.append(note(
                    f"The crowd cap applied on {btbl.num_rows:,} viral objects: on those, not "
                    "every co-action event was generated (detect --max-neighbours)."))
                rk.blocks.append(m.table("bounded", from_arrow(btbl, limit=lim.table_rows),
                                         "objects where the crowd cap applied"))
        self._dossiers(ranked, dossier_ids)
        self.say("network view")
        self._network()
        self._exports_coaction()

    def _dossiers(self, ranked: pa.Table, dossier_ids: list[int]) -> None:
        m = self.m
        assert m is not None
        lim = self.limits
        con = self.con
        if not dossier_ids:
            return
        con.register("dossier_ids", pa.table({"cluster": pa.array(dossier_ids, pa.int64())}))
        members = con.sql("""
            SELECT a.* FROM r_accounts a SEMI JOIN dossier_ids d ON d.cluster = a.cluster
            ORDER BY a.cluster, a.score DESC, a.account
        """).to_arrow_table()
        con.register("dossier_members", members.select(["account", "cluster"]))
        intra = con.sql(f"""
            WITH e AS (
                SELECT ma.cluster, e.* FROM r_edges e
                JOIN dossier_members ma ON ma.account = e.a
                JOIN dossier_members mb ON mb.account = e.b
                WHERE ma.cluster = mb.cluster AND e.significant
            )
            SELECT row_number() OVER (PARTITION BY cluster
                                      ORDER BY q_value NULLS LAST, n_objects DESC, behaviour,
                                               a, b) AS edge_rank,
                   count(*) OVER (PARTITION BY cluster) AS cluster_edges, *
            FROM e QUALIFY edge_rank <= {int(lim.edges_per_cluster)}
            ORDER BY cluster, edge_rank
        """).to_arrow_table()
        by_cluster_members: dict[int, pa.Table] = {}
        cl = members.column("cluster").to_numpy()
        for c in dossier_ids:
            by_cluster_members[c] = members.filter(pa.array(cl == c))
        by_cluster_edges: dict[int, pa.Table] = {}
        ce = intra.column("cluster").to_numpy() if intra.num_rows else np.array([])
        for c in dossier_ids:
            by_cluster_edges[c] = intra.filter(pa.array(ce == c)) if intra.num_rows else intra
        self.say("evidence events")
        evidence = self._evidence(by_cluster_edges)
        shown = [ev.slice(0, lim.evidence_rows) for ev in evidence.values()
                 if isinstance(ev, pa.Table)]
        self.texts = self._action_texts(pa.concat_tables(shown)) if shown else {}
        self.say("activity timelines")
        activity = self._member_activity()
        temporal = self._temporal_per_cluster(by_cluster_members)
        info = {r["cluster"]: r for r in ranked.to_pylist()}
        for c in dossier_ids:
            row = info[c]
            d = Dossier(cluster=c, rank=self.rank[c], anchor=f"cluster-{c}",
                        facts=[("members", f"{row['size']:,}"),
                               ("behaviours", ", ".join(row.get("behaviours") or [])),
                               ("score (max / mean)", f"{fmt_number(row['score'])} / "
                                                      f"{fmt_number(row['mean_score'])}"),
                               ("density", fmt_number(row["density"])),
                               ("significant edges inside", f"{row.get('n_edges', 0):,}"),
                               ("shared objects", f"{row.get('shared_objects', 0):,}"),
                               ("active (UTC)", f"{cell(row.get('first_ts'))} – "
                                                f"{cell(row.get('last_ts'))}")],
                        top_objects=[cell(o, 200) for o in (row.get("top_objects") or [])])
            mt = by_cluster_members[c]
            d.members = mt.column("account").to_pylist()
            key = f"c{c}"
            show = [x for x in ("account", "n_actions", "score", "flagged", "partners",
                                "top_partner", "behaviours", "evidence") if x in mt.column_names]
            d.blocks.append(m.table(f"{key}-members", from_arrow(
                mt.select(show), limit=lim.members, total=mt.num_rows,
                labels={"n_actions": "actions", "top_partner": "strongest partner",
                        "evidence": "strongest evidence"}, kinds={"evidence": "wide"},
                export="accounts.csv"), "members"))
            et = by_cluster_edges[c]
            total_edges = et.column("cluster_edges")[0].as_py() if et.num_rows else 0
            ecols = [x for x in ("behaviour", "a", "b", "n_objects", "n_events", "median_lag_s",
                                 "first_ts", "last_ts", "expected", "expected_source",
                                 "q_value") if x in
                     et.column_names]
            d.blocks.append(m.table(f"{key}-edges", from_arrow(
                et.select(ecols), limit=lim.edges_per_cluster, total=total_edges,
                labels={"n_objects": "shared objects", "n_events": "events",
                        "median_lag_s": "median lag (s)", "first_ts": "first (UTC)",
                        "last_ts": "last (UTC)", "expected": "expected objects",
                        "expected_source": "expected (shared source)", "q_value": "q-value"},
                export="edges.csv"), "strongest edges inside the cluster"))
            ev = evidence.get(c)
            top_behaviours = set(et.slice(0, lim.evidence_pairs).column("behaviour").to_pylist())
            skipped = sorted(top_behaviours & set(self.evidence_skipped))
            if isinstance(ev, str):
                d.blocks.append(note(ev))
            elif ev is not None and ev.num_rows:
                self._evidence_blocks(d, key, ev, skipped)
            else:
                d.blocks.append(note(
                    "evidence: no co-action events could be listed for the strongest pairs"
                    + (f" (events of {', '.join(skipped)} cannot be recomputed by explain yet)"
                       if skipped else "")))
            act = activity.get(c)
            if act:
                d.blocks.append(m.chart(f"{key}-activity", charts.activity(
                    act["rows"], f"actions of the members per {act['bucket']}", "kind",
                    height=120), "activity timeline"))
            d.blocks.extend(temporal.get(c, []))
            m.dossiers.append(d)
        con.unregister("dossier_members")
        con.unregister("dossier_ids")

    def _evidence(self, by_cluster_edges: dict[int, pa.Table]) -> dict[int, Any]:
        """Co-action events of each dossier's strongest pairs, from explain_members (one call
        per behaviour over the union of the accounts involved)."""
        from ..signals.explain import explain_members

        lim = self.limits
        pairs = []
        accounts: list[str] = []
        seen: set[str] = set()
        for c, et in by_cluster_edges.items():
            for e in et.slice(0, lim.evidence_pairs).to_pylist():
                for acc in (e["a"], e["b"]):
                    if acc not in seen and len(seen) < lim.evidence_accounts:
                        seen.add(acc)
                        accounts.append(acc)
                if e["a"] in seen and e["b"] in seen:
                    pairs.append({"cluster": c, "behaviour": e["behaviour"], "a": e["a"],
                                  "b": e["b"], "pair_rank": e["edge_rank"]})
        if len(accounts) < 2 or not pairs:
            return {}
        wanted = sorted({p["behaviour"] for p in pairs})
        self.evidence_skipped = [b for b in wanted if not _explainable(b, self.case)]
        tables = []
        try:
            # One call per behaviour: explain_members cannot yet combine behaviours whose
            # windows differ (its window_s column changes type with the window).
            for b in wanted:
                if not _explainable(b, self.case):
                    continue
                t = explain_members(self.case, accounts, behaviours=[b])
                if t.num_rows:
                    i = t.schema.get_field_index("window_s")
                    t = t.set_column(i, "window_s", t.column("window_s").cast(pa.float64()))
                    tables.append(t)
        except (SwarmscopeError, duckdb.Error) as exc:
            msg = f"evidence events could not be computed: {exc}"
            self.m.warnings.append(msg)
            return dict.fromkeys(by_cluster_edges, msg)
        if not tables:
            return {}
        events = pa.concat_tables(tables)
        self.con.register("ev_all", events)
        self.con.register("ev_pairs", pa.Table.from_pylist(pairs))
        joined = self.con.sql("""
            SELECT p.cluster, p.pair_rank, e.*
            FROM ev_all e JOIN ev_pairs p
              ON p.behaviour = e.behaviour
             AND p.a = least(e.first_account, e.second_account)
             AND p.b = greatest(e.first_account, e.second_account)
            ORDER BY p.cluster, p.pair_rank, e.first_ts, e.object
        """).to_arrow_table()
        self.con.unregister("ev_all")
        self.con.unregister("ev_pairs")
        self.evidence_table = joined
        out: dict[int, Any] = {}
        cl = joined.column("cluster").to_numpy()
        for c in by_cluster_edges:
            sel = joined.filter(pa.array(cl == c))
            out[c] = sel
        return out

    def _evidence_blocks(self, d: Dossier, key: str, ev: pa.Table, skipped: list[str]) -> None:
        m = self.m
        assert m is not None
        lim = self.limits
        names = self.ingest_names

        def src(ingest: Any, record: Any) -> str:
            return f"{names.get(ingest, ingest)} #{record}"

        shown = ev.slice(0, lim.evidence_rows)
        texts = self.texts
        rows = [[e["behaviour"], e["object"], e["first_account"], e["first_ts"],
                 e["second_account"], e["second_ts"], e["lag_s"],
                 texts.get((e["first_platform"], e["first_action_id"]), ""),
                 f"{e['first_platform']}:{e['first_action_id']}",
                 f"{e['second_platform']}:{e['second_action_id']}",
                 src(e["first_ingest_id"], e["first_record"]),
                 src(e["second_ingest_id"], e["second_record"])] for e in shown.to_pylist()]
        text = (f"Every co-action event of the {lim.evidence_pairs} strongest pairs: both "
                "actions on the same object within the behaviour's window, with exact UTC "
                "times, the lag, the action ids and the ingested file and record each came from.")
        if skipped:
            text += (" Events of derived behaviours (" + ", ".join(skipped) +
                     ") are not listed: the tables they derive from are not in the case.")
        d.blocks.append(note(text))
        d.blocks.append(m.table(f"{key}-evidence", from_rows(
            ["behaviour", "object", "first account", "first at (UTC)", "second account",
             "second at (UTC)", "lag (s)", "text of the first action", "first action",
             "second action", "first source", "second source"], rows,
            cls=["", "id", "", "ts", "", "ts", "num", "wide", "id", "id", "id", "id"],
            total=ev.num_rows, export="evidence.csv"), "evidence: co-action events"))
        lags: dict[str, Any] = {}
        beh = ev.column("behaviour").to_numpy(zero_copy_only=False)
        lag = ev.column("lag_s").to_numpy(zero_copy_only=False)
        for b in sorted(set(beh.tolist())):
            lags[b] = lag[beh == b]
        if lags:
            d.blocks.append(m.chart(f"{key}-lags", charts.histogram(
                lags, "lag between the two actions of each event", "lag (s)"),
                "lag histogram"))

    def _action_texts(self, events: pa.Table, limit: int = 160) -> dict[tuple[str, str], str]:
        """Texts (or titles) of the first actions of ``events``, clipped, by (platform, id)."""
        if not events.num_rows:
            return {}
        keys = pa.table({"platform": events.column("first_platform"),
                         "action_id": events.column("first_action_id")})
        self.con.register("ev_keys", keys)
        rows = self.con.execute("""
            SELECT a.platform, a.action_id, coalesce(a.text, a.title, '')
            FROM actions a SEMI JOIN ev_keys k
              ON k.platform = a.platform AND k.action_id = a.action_id
        """).fetchall()
        self.con.unregister("ev_keys")
        return {(p, i): clip(t, limit) for p, i, t in rows}

    def _member_activity(self) -> dict[int, dict[str, Any]]:
        if self.first is None:
            return {}
        sec, name, fmt = _bucket((self.last - self.first).total_seconds(), 240)
        rows = self.con.execute(f"""
            SELECT m.cluster, time_bucket(INTERVAL {sec} SECOND, a.ts) AS t, a.kind, count(*)
            FROM actions a JOIN dossier_members m USING (account)
            GROUP BY ALL ORDER BY 1, 2, 3
        """).fetchall()
        out: dict[int, dict[str, Any]] = {}
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        for c, t, kind, n in rows:
            grouped.setdefault(c, []).append((t, kind, n))
        for c, rs in grouped.items():
            out[c] = {"bucket": name, "rows": _activity_rows(rs, sec, fmt)}
        return out

    def _network(self) -> None:
        m = self.m
        assert m is not None
        nodes = self.con.sql("""
            SELECT account, cluster, score, n_actions, evidence FROM r_accounts
            WHERE cluster IS NOT NULL
        """).to_arrow_table()
        self.sig_pairs = self.con.sql("""
            SELECT a, b, sum(n_objects) AS weight, sum(n_objects) AS n_objects,
                   string_agg(DISTINCT behaviour, ',' ORDER BY behaviour) AS behaviours,
                   min(q_value) AS q_value, median(median_lag_s) AS median_lag_s,
                   min(first_ts) AS first_ts, max(last_ts) AS last_ts
            FROM r_edges WHERE significant GROUP BY a, b
        """).to_arrow_table()
        m.network = build_network(nodes, self.sig_pairs, self.rank, self.limits.network_nodes,
                                  self.limits.network_edges)
        m.network["clusters"] = {str(c): f"cluster-{c}" for c in self.dossier_ids}
        self.network_nodes = nodes
        net = m.network
        if net["total_nodes"] > len(net["nodes"]) or net["total_edges"] > len(net["edges"]):
            m.warnings.append(
                f"the network view shows {len(net['nodes']):,} of {net['total_nodes']:,} "
                f"clustered accounts and {len(net['edges']):,} of {net['total_edges']:,} edges "
                "among them (the strongest); exports/network.gexf has all")

    def _exports_coaction(self) -> None:
        from ..exports import write_gexf, write_graphml

        m = self.m
        assert m is not None
        for name in ("edges", "accounts", "clusters", "bounded_objects"):
            if name not in self.results:
                continue
            src = self.results[name]
            m.exports.append((f"{name}.parquet", f"{name} (Parquet)", _copy(src)))
            csv_src = self.case.result_path(f"{name}.csv")
            if csv_src is not None and csv_src.exists():
                m.exports.append((f"{name}.csv", f"{name} (CSV)", _copy(csv_src)))
            else:
                m.exports.append((f"{name}.csv", f"{name} (CSV)",
                                  lambda p, s=src: write_safe_csv(pq.read_table(s), p)))
        nodes = [{"id": r["account"], "cluster": r["cluster"],
                  "score": round(float(r["score"] or 0), 3), "n_actions": r["n_actions"]}
                 for r in self.network_nodes.to_pylist()]
        edges = [{"source": e["a"], "target": e["b"], "weight": e["weight"],
                  "behaviours": e["behaviours"], "n_objects": e["n_objects"],
                  "q_value": e["q_value"]} for e in self.sig_pairs.to_pylist()]
        na, ea = ["cluster", "score", "n_actions"], ["behaviours", "n_objects", "q_value"]
        m.exports.append(("network.gexf", "network (GEXF, for Gephi)",
                          lambda p: write_gexf(nodes, edges, p, na, ea)))
        m.exports.append(("network.graphml", "network (GraphML)",
                          lambda p: write_graphml(nodes, edges, p, na, ea)))
        ev = getattr(self, "evidence_table", None)
        if ev is not None:
            m.exports.append(("evidence.parquet", "evidence events of the dossiers (Parquet)",
                              lambda p: pq.write_table(ev, p, compression="zstd")))
            m.exports.append(("evidence.csv", "evidence events of the dossiers (CSV)",
                              lambda p: write_safe_csv(ev, p)))
        for name in ("edges", "accounts", "clusters", "bounded_objects", "network.gexf",
                     "network.graphml", "evidence"):
            self.taken.add(name.lower())

    # ------------------------------------------------------------------ temporal
    def _temporal_per_cluster(self, members: dict[int, pa.Table]) -> dict[int, list[dict]]:
        """Dossier blocks from the temporal results (each when its file exists)."""
        m = self.m
        assert m is not None
        out: dict[int, list[dict[str, Any]]] = {c: [] for c in members}
        con = self.con
        r = self.results
        offsets: dict[str, dict[str, Any]] = {}
        if "offsets" in r:
            ocols = _columns(r["offsets"])
            rows = con.sql(f"""
                SELECT o.* FROM {_scan(r['offsets'])} o
                WHERE (o.scope = 'cluster' AND CAST(o.id AS VARCHAR) IN
                        (SELECT CAST(cluster AS VARCHAR) FROM dossier_ids))
                   OR (o.scope = 'account' AND CAST(o.id AS VARCHAR) IN
                        (SELECT account FROM dossier_members))
            """).to_arrow_table()
            for row in rows.to_pylist():
                offsets[f"{row['scope']}:{row['id']}"] = row
            self.offset_cols = ocols
        for c, mt in members.items():
            key = f"c{c}"
            blocks = out[c]
            accs = mt.column("account").to_pylist()
            # timecard in inferred local time
            if "timecards" in r:
                blocks.extend(self._timecard_blocks(key, c))
            else:
                blocks.append(not_computed("timecards", "swarmscope timecards CASE"))
            if "offsets" in r:
                o = offsets.get(f"cluster:{c}")
                if o is not None:
                    blocks.append({"kind": "facts", "title": "inferred time zone and schedule",
                                   "facts": [("UTC offset", _offset_text(o.get("utc_offset"))),
                                             ("confidence", cell(o.get("confidence"))),
                                             ("status", cell(o.get("status"))),
                                             ("schedule", cell(o.get("schedule"))),
                                             ("actions used", cell(o.get("n_actions")))]})
                arows = [offsets[f"account:{a}"] for a in accs if f"account:{a}" in offsets]
                if arows:
                    tbl = pa.Table.from_pylist(arows)
                    cols = [x for x in ("id", "n_actions", "utc_offset", "confidence", "status",
                                        "schedule") if x in tbl.column_names]
                    blocks.append(m.table(f"{key}-offsets", from_arrow(
                        tbl.select(cols), limit=self.limits.members,
                        labels={"id": "account", "n_actions": "actions",
                                "utc_offset": "UTC offset (h)"}),
                        "members' inferred UTC offsets and schedules"))
                elif o is None:
                    blocks.append(note("offsets: no inferred offset for this cluster or its "
                                       "members"))
            else:
                blocks.append(not_computed("time-zone offsets", "swarmscope timecards CASE"))
            if "personas" in r:
                con.register("cl_accs", pa.table({"account": pa.array(accs, pa.string())}))
                pt = con.sql(f"""SELECT p.* FROM {_scan(r['personas'])} p
                                 SEMI JOIN cl_accs USING (account)
                                 ORDER BY p.score DESC NULLS LAST, p.account""").to_arrow_table()
                con.unregister("cl_accs")
                if pt.num_rows:
                    blocks.append(m.table(f"{key}-personas", from_arrow(
                        pt, limit=self.limits.members), "persona scores of the members"))
            if "swarm_latencies" in r:
                con.register("cl_accs", pa.table({"account": pa.array(accs, pa.string())}))
                lat = con.sql(f"""SELECT CAST(swarm AS VARCHAR) AS swarm, latency_s
                                  FROM {_scan(r['swarm_latencies'])} l
                                  SEMI JOIN cl_accs USING (account)""").to_arrow_table()
                con.unregister("cl_accs")
                if lat.num_rows:
                    blocks.append(m.chart(f"{key}-latency", charts.histogram(
                        {"all swarms": lat.column("latency_s").to_numpy(zero_copy_only=False)},
                        f"members' reply latency after swarm triggers ({lat.num_rows:,} "
                        "replies)", "seconds after the trigger"), "swarm latency"))
            if "leadfollow" in r:
                lf = con.sql(f"""SELECT * FROM {_scan(r['leadfollow'])}
                                 WHERE CAST(cluster AS VARCHAR) = ?
                                 ORDER BY lead_share DESC NULLS LAST, account""",
                             params=[str(c)]).to_arrow_table()
                if lf.num_rows:
                    bars = []
                    used: set[str] = set()
                    for row in lf.slice(0, 30).to_pylist():
                        lab = charts.label(row["account"])
                        while lab in used:
                            lab += "'"
                        used.add(lab)
                        bars.append({"label": lab, "value": row.get("lead_share") or 0.0})
                    blocks.append(m.chart(f"{key}-leadfollow", charts.bars(
                        bars, "share of co-actions the account led", "lead share"),
                        "lead / follow"))
                    blocks.append(m.table(f"{key}-leadfollow-table", from_arrow(
                        lf, limit=self.limits.members, labels={"lead_share": "lead share"}),
                        "lead / follow"))
        return out

    def _timecard_blocks(self, key: str, cluster: int) -> list[dict[str, Any]]:
        m = self.m
        assert m is not None
        rows = self.con.sql(f"""
            SELECT zone, weekday, hour, sum(actions) AS actions
            FROM {_scan(self.results['timecards'])}
            WHERE scope = 'cluster' AND CAST(id AS VARCHAR) = ?
            GROUP BY ALL ORDER BY zone, weekday, hour
        """, params=[str(cluster)]).to_arrow_table().to_pylist()
        if not rows:
            return [note("timecards: none for this cluster")]
        zones = {r["zone"] for r in rows}
        zone = "local" if "local" in zones else "utc"
        title = "UTC" if zone == "utc" else "inferred local time"
        if zone == "local" and "offsets" in self.results:
            o = self.con.execute(
                f"SELECT utc_offset FROM {_scan(self.results['offsets'])} "
                "WHERE scope = 'cluster' AND CAST(id AS VARCHAR) = ? LIMIT 1",
                [str(cluster)]).fetchall()
            if o and o[0][0] is not None:
                title += f" ({_offset_text(o[0][0])})"
        data = [r for r in rows if r["zone"] == zone]
        return [m.chart(f"{key}-timecard", charts.timecard(
            data, f"when the members act: weekday x hour, {title}"), "timecard")]

    def _temporal_sections(self) -> None:
        m = self.m
        assert m is not None
        r = self.results
        con = self.con
        sec = Section("Temporal fingerprints and swarms", "temporal")
        if not any(k in r for k in TEMPORAL):
            sec.blocks.append(not_computed("timecards, offsets, personas, swarms and lead/follow",
                                           "swarmscope timecards CASE; swarmscope swarms CASE"))
            m.temporal.append(sec)
            return
        if "offsets" in r:
            tbl = con.sql(f"""SELECT * FROM {_scan(r['offsets'])}
                              ORDER BY scope DESC, confidence DESC NULLS LAST, id""").to_arrow_table()
            sec.blocks.append(m.table("offsets", from_arrow(
                tbl, limit=self.limits.table_rows, export=self._export_result("offsets")),
                "inferred UTC offsets and schedule classes"))
            sched = con.sql(f"""SELECT coalesce(CAST(schedule AS VARCHAR), 'unknown') AS label,
                                       count(*) AS value FROM {_scan(r['offsets'])}
                                WHERE scope = 'account' GROUP BY 1 ORDER BY 2 DESC LIMIT 30
                             """).to_arrow_table().to_pylist()
            if sched:
                for s in sched:
                    s["label"] = charts.label(s["label"])
                sec.blocks.append(m.chart("schedules", charts.bars(
                    sched, "accounts by schedule class", "accounts"), "schedule classes"))
        else:
            sec.blocks.append(not_computed("time-zone offsets", "swarmscope timecards CASE"))
        if "personas" in r:
            tbl = con.sql(f"SELECT * FROM {_scan(r['personas'])} "
                          "ORDER BY score DESC NULLS LAST").to_arrow_table()
            sec.blocks.append(m.table("personas", from_arrow(
                tbl, limit=self.limits.table_rows, export=self._export_result("personas")),
                "persona scores (shift work, style shifts)"))
        else:
            sec.blocks.append(not_computed("personas", "swarmscope timecards CASE"))
        if "swarm_latencies" in r:
            summary = con.sql(f"""
                SELECT CAST(swarm AS VARCHAR) AS swarm, any_value(trigger) AS trigger,
                       count(DISTINCT account) AS accounts, count(*) AS replies,
                       quantile_cont(latency_s, 0.1) AS p10_latency_s,
                       median(latency_s) AS median_latency_s
                FROM {_scan(r['swarm_latencies'])} GROUP BY 1
                ORDER BY accounts DESC, replies DESC, swarm
            """).to_arrow_table()
            top = summary.column("swarm").to_pylist()[:6]
            lat = con.sql(f"""SELECT CAST(swarm AS VARCHAR) AS swarm, latency_s
                              FROM {_scan(r['swarm_latencies'])}""").to_arrow_table()
            sw = lat.column("swarm").to_numpy(zero_copy_only=False)
            ls = lat.column("latency_s").to_numpy(zero_copy_only=False)
            series = {f"swarm {charts.label(s, 24)}": ls[sw == s] for s in top}
            if series:
                sec.blocks.append(m.chart("swarm-latency", charts.histogram(
                    series, "reply latency after the trigger, largest swarms",
                    "seconds after the trigger"), "swarm latency histograms"))
            sec.blocks.append(m.table("swarm-summary", from_arrow(
                summary, limit=self.limits.table_rows,
                labels={"p10_latency_s": "10th pct latency (s)",
                        "median_latency_s": "median latency (s)"},
                export=self._export_result("swarm_latencies")), "swarms by size"))
        if "swarms" in r:
            tbl = pq.read_table(r["swarms"])
            sec.blocks.append(m.table("swarms", from_arrow(
                tbl, limit=self.limits.table_rows, export=self._export_result("swarms")),
                "swarms"))
        if "swarms" not in r and "swarm_latencies" not in r:
            sec.blocks.append(not_computed("keyword swarms", "swarmscope swarms CASE"))
        if "leadfollow" in r:
            tbl = con.sql(f"SELECT * FROM {_scan(r['leadfollow'])} "
                          "ORDER BY cluster, lead_share DESC NULLS LAST").to_arrow_table()
            sec.blocks.append(m.table("leadfollow", from_arrow(
                tbl, limit=self.limits.table_rows, labels={"lead_share": "lead share"},
                links={"cluster": self._cluster_link},
                export=self._export_result("leadfollow")), "lead / follow within clusters"))
        if "timecards" in r:
            self._export_result("timecards")
            sec.blocks.append(note("Timecards (weekday x hour) of each cluster are in its "
                                   "dossier; exports/timecards.csv has all of them."))
        m.temporal.append(sec)

    def _cluster_link(self, c: Any) -> str | None:
        try:
            ci = int(c)
        except (TypeError, ValueError):
            return None
        return f"cluster-{ci}" if ci in getattr(self, "dossier_ids", []) else None

    def _export_result(self, stem: str) -> str:
        """Export results/<stem>.parquet as Parquet and formula-safe CSV; the CSV's link."""
        m = self.m
        assert m is not None
        src = self.results[stem]
        name = safe_filename(stem, self.taken)
        m.exports.append((f"{name}.parquet", f"{stem} (Parquet)", _copy(src)))
        m.exports.append((f"{name}.csv", f"{stem} (CSV)",
                          lambda p, s=src: write_safe_csv(pq.read_table(s), p)))
        return f"{name}.csv"

    # ------------------------------------------------------------------ generic results
    def _generic_sections(self) -> None:
        m = self.m
        assert m is not None
        for stem in sorted(self.results):
            if stem in KNOWN:
                continue
            is_wiki = stem.startswith("wiki_")
            title = (stem[len("wiki_"):] if is_wiki else stem).replace("_", " ").strip() or stem
            title = cell(title, 120)
            sec = Section(title, anchor("result", stem))
            try:
                self._generic_table(sec, stem)
            except (duckdb.Error, pa.ArrowException, OSError) as exc:
                sec.blocks.append(note(f"could not read results/{stem}.parquet: {exc}"))
            (m.wiki if is_wiki else m.other).append(sec)

    def _generic_table(self, sec: Section, stem: str) -> None:
        m = self.m
        assert m is not None
        path = self.results[stem]
        pf = pq.ParquetFile(path)
        total = pf.metadata.num_rows
        schema = pf.schema_arrow
        head = []
        n = 0
        for batch in pf.iter_batches(batch_size=min(self.limits.table_rows, 10_000)):
            head.append(batch)
            n += batch.num_rows
            if n >= self.limits.table_rows:
                break
        tbl = pa.Table.from_batches(head, schema=schema) if head else schema.empty_table()
        key = anchor("t", stem)
        sec.facts.append(("rows", f"{total:,}"))
        sec.facts.append(("columns", clip(", ".join(schema.names), 500)))
        ts_cols = [f.name for f in schema if pa.types.is_timestamp(f.type)]
        if ts_cols and total:
            chart = self._generic_timeline(stem, path, ts_cols[0], tbl)
            if chart is not None:
                sec.blocks.append(m.chart(f"{key}-timeline", chart, "timeline"))
        sec.blocks.append(m.table(key, from_arrow(
            tbl, limit=self.limits.table_rows, total=total,
            export=self._export_result(stem)), None))

    def _generic_timeline(self, stem: str, path: Path, ts: str, sample: pa.Table
                          ) -> dict[str, Any] | None:
        # A column with a handful of values in the sample colours the bars (e.g. a kind).
        series = None
        for f in sample.schema:
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
                distinct = len(set(sample.column(f.name).to_pylist()))
                if 2 <= distinct <= 8:
                    series = f.name
                    break
        qts = '"' + ts.replace('"', '""') + '"'
        span = self.con.execute(f"SELECT min({qts}), max({qts}) FROM {_scan(path)}").fetchall()[0]
        if span[0] is None:
            return None
        sec, name, fmt = _bucket((span[1] - span[0]).total_seconds())
        sexpr = ("coalesce(CAST(\"" + series.replace('"', '""') + "\" AS VARCHAR), '')"
                 if series else "'rows'")
        rows = self.con.execute(f"""
            SELECT time_bucket(INTERVAL {sec} SECOND, {qts}::TIMESTAMPTZ) AS t, {sexpr} AS s,
                   count(*) FROM {_scan(path)} WHERE {qts} IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
        """).fetchall()
        return charts.activity(_activity_rows(rows, sec, fmt), f"rows per {name}",
                               charts.label(series or "rows"), height=110)

    # ------------------------------------------------------------------ methods
    def _methods(self) -> None:
        m = self.m
        assert m is not None
        params = self.detect_run.get("params", {})
        m.methods = {
            "alpha": params.get("alpha"),
            "mode": params.get("mode"),
            "windows": params.get("windows", {}),
            "max_neighbours": params.get("max_neighbours"),
            "limits": self.limits,
        }


def _explainable(behaviour: str, case: Case) -> bool:
    """Events can be recomputed when the tables the behaviour derives from are in the case (the
    detection publishes ``text_families`` for ``neartext``)."""
    try:
        return get_behaviour(behaviour).runs_on(case.tables())
    except (SwarmscopeError, KeyError):
        return False


def _copy(src: Path) -> ExportJob:
    import shutil

    return lambda dest: shutil.copyfile(src, dest)


def build_model(case: Case | str | Path, limits: Limits | None = None,
                progress: Callable[[str], None] | None = None) -> Model:
    """Gather everything the report shows from ``case``."""
    if not isinstance(case, Case):
        case = Case.open(case)
    limits = limits or Limits()
    if limits.dossiers < 0:
        raise UsageError("limits must not be negative")
    return _Builder(case, limits, progress or (lambda _m: None)).build()
