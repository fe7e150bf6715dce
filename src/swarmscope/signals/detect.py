"""``swarmscope detect``: co-action networks, significance, account scores and clusters.

One call runs, for each requested behaviour, the windowed co-action join
(:mod:`~swarmscope.signals.coaction`), scores every pair against the null model
(:mod:`~swarmscope.signals.significance`) or applies a peer's semantics
(:mod:`~swarmscope.signals.parity`), combines behaviours into one score per account, clusters
the significant-edge graph (:mod:`~swarmscope.signals.clusters`) and publishes into the case:

- ``results/edges.parquet``: one row per tested account pair and behaviour (``a``, ``b``,
  ``n_objects``, ``n_events``, first/last time, ``median_lag_s``, direction counts,
  ``expected`` and ``p_random`` (random-partner null), ``expected_source`` and ``p_source``
  (shared-source null, where objects have a source), ``p_value`` (the larger of the two),
  ``q_value``, ``significant``);
- ``results/accounts.parquet``: one row per account seen (``account``, ``n_actions``, ``score``
  = -log10 of the account's best q-value, of its best edge or of its number of strong partners
  (:mod:`~swarmscope.signals.partners`), after a Bonferroni correction over both tests and the
  behaviours, ``flagged``, ``cluster``, ``partners``, ``top_partner``, ``evidence``,
  ``partner_evidence``);
- ``results/clusters.parquet``: one row per cluster (size, members, behaviours, density, time
  span, top shared objects, score);
- ``results/bounded_objects.parquet``: objects where the crowd cap applied;
- ``results/peer_edges.parquet``, in a peer mode: the peer's own edge table (CNT's directed
  weights, CooRTweet's columns), to compare with the peer's output line by line;
- CSV copies (formula-safe), ``network.gexf`` and ``network.graphml`` for Gephi, and
  ``detect.json`` with the parameters, counts and the SHA-256 of every file written.

Combining behaviours: an account's q-value is the smallest q of its two account-level tests in
all behaviours, multiplied by twice the number of behaviours tested (Bonferroni), so adding
behaviours never makes an account look more coordinated by chance. Edges get ``group_edge``
(a strong edge between two accounts that pass the partner test); clusters are drawn from the
significant and the group edges.

Example::

    from swarmscope import Case
    from swarmscope.signals.detect import detect
    result = detect(Case.open("mycase"), behaviours=["repost", "text"], window=60)
    result.accounts.filter(result.accounts["flagged"])  # pyarrow; .to_pandas() for pandas
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import __version__
from ..arrowbuf import from_numpy, repeat_string, scalar_of
from ..behaviours import behaviour_sql, get_behaviour
from ..case import Case
from ..engine import sql_literal
from ..engines import Engine, open_engine
from ..engines.duckdb_engine import DuckDBEngine
from ..errors import UsageError
from ..exports import write_csv, write_gexf, write_graphml
from ..provenance import file_sha256
from .clusters import leiden_clusters
from .coaction import DEFAULT_MAX_NEIGHBOURS, aggregate_pairs, prepare_events
from .derived import get_derived_table
from .parity import cnt_network, cnt_source, coortweet_network
from .partners import DEFAULT_TAU, empty_partner_tests, partner_test
from .significance import score_pairs

#: account-level tests per behaviour (best edge, number of strong partners): the Bonferroni
#: factor of an account's score is this times the number of behaviours
ACCOUNT_TESTS_PER_BEHAVIOUR = 2

DEFAULT_BEHAVIOURS = ("repost", "quote", "reply", "link", "hashtag", "text", "neartext", "edit")
MODES = ("significance", "coortweet", "cnt")

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(ms|s|sec|m|min|h|d)?\s*$")
_UNITS = {None: 1, "s": 1, "sec": 1, "ms": 0.001, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | float | int) -> float:
    """Seconds from ``90``, ``"90s"``, ``"5m"``, ``"1.5h"``, ``"2d"``."""
    if isinstance(value, int | float):
        return float(value)
    m = _DURATION.match(value)
    if not m:
        raise UsageError(f"cannot read duration {value!r} (examples: 60, 60s, 5m, 1h)")
    return float(m.group(1)) * _UNITS[m.group(2)]


@dataclass
class DetectResult:
    """Arrow tables of one detection run (also written into the case unless ``write=False``)."""

    edges: pa.Table
    accounts: pa.Table
    clusters: pa.Table
    bounded: pa.Table
    params: dict[str, Any]
    counts: dict[str, Any] = field(default_factory=dict)
    #: tables the behaviours required, computed for this run (:mod:`~.derived`; published with
    #: the results, kept for explanations)
    derived: dict[str, pa.Table] = field(default_factory=dict)
    #: the partner test per behaviour and account (:mod:`~swarmscope.signals.partners`)
    partner_tests: pa.Table | None = None
    #: in a peer mode, the peer's own edge table (:mod:`~swarmscope.signals.parity`): CNT's
    #: directed ``user_1, user_2, weight``, CooRTweet's edges with its columns
    peer_edges: pa.Table | None = None

    @property
    def text_families(self) -> pa.Table | None:
        """Near-duplicate text families, when the neartext behaviour ran."""
        return self.derived.get("text_families")

    @property
    def flagged(self) -> list[str]:
        acc = self.accounts.to_pydict()
        return [a for a, f in zip(acc["account"], acc["flagged"], strict=True) if f]


ProgressFn = Callable[[str], None]


def detect(
    case: Case | str | Path,
    behaviours: list[str] | tuple[str, ...] | None = None,
    window: str | float | None = None,
    windows: dict[str, str | float] | None = None,
    mode: str = "significance",
    max_neighbours: int | None = DEFAULT_MAX_NEIGHBOURS,
    min_objects: int = 2,
    alpha: float = 0.01,
    min_participation: int = 2,
    edge_weight: float = 0.5,
    min_edge_weight: int = 2,
    seed: int = 42,
    resolution: float = 1.0,
    write: bool = True,
    progress: ProgressFn | None = None,
    engine: str | None = None,
    spark: Any = None,
    spark_master: str | None = None,
) -> DetectResult:
    """Run co-action detection on ``case`` (see the module docstring).

    ``engine`` is ``"duckdb"`` (default) or ``"spark"`` (with an existing ``spark`` session or a
    ``spark_master`` URL); both run the same SQL and return the same results.
    """
    if not isinstance(case, Case):
        case = Case.open(case)
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
    say = progress or (lambda _msg: None)
    eng = open_engine(case, engine, spark=spark, spark_master=spark_master)
    # Driver-side DuckDB for small tables (scores, clusters): the engine's own connection when
    # the engine is DuckDB (opening another costs a few tens of milliseconds).
    con = eng.con if isinstance(eng, DuckDBEngine) else case.connect()
    default = DEFAULT_BEHAVIOURS if eng.name == "duckdb" else tuple(
        b for b in DEFAULT_BEHAVIOURS if not get_behaviour(b).requires)
    names = list(behaviours) if behaviours else _behaviours_with_data(eng, default)
    for n in names:
        get_behaviour(n)  # unknown names fail before any work
    # One window for all behaviours when given, else each behaviour's default.
    per_window = {n: parse_duration(window) if window is not None
                  else get_behaviour(n).default_window for n in names}
    for k, v in (windows or {}).items():
        if k not in per_window:
            raise UsageError(f"--window {k}=...: {k!r} is not one of the behaviours run")
        per_window[k] = parse_duration(v)
    params = {
        "mode": mode, "behaviours": names, "windows": per_window,
        "max_neighbours": max_neighbours, "min_objects": min_objects, "alpha": alpha,
        "min_participation": min_participation, "edge_weight": edge_weight,
        "min_edge_weight": min_edge_weight, "seed": seed, "resolution": resolution,
        "engine": eng.name,
    }
    edge_tables: list[pa.Table] = []
    bounded_tables: list[pa.Table] = []
    account_tests: list[pa.Table] = []
    peer_tables: list[pa.Table] = []
    counts: dict[str, Any] = {"behaviours": {}}
    derived: dict[str, pa.Table] = {}
    for table in dict.fromkeys(t for n in names for t in get_behaviour(n).requires):
        how = get_derived_table(table)
        if eng.name not in how.engines:
            users = ", ".join(n for n in names if table in get_behaviour(n).requires)
            raise UsageError(f"{users} reads {table}, which is computed for the "
                             f"{' or '.join(how.engines)} engine only")
        say(how.description)
        derived[table], counts[table] = how.compute(case)
        eng.register(table, derived[table])
    for beh in names:
        # A view: each mode reads only the columns it needs, materialising them once. The peer
        # modes pair every action, as their tools do; the significance mode leaves same-item
        # actions unpaired (Behaviour.items).
        eng.create_view("src", behaviour_sql(beh, with_items=mode == "significance"
                                             and get_behaviour(beh).items))
        n_actions = int(eng.scalar("SELECT count(*) FROM src"))
        say(f"{beh}: {n_actions:,} actions, window {per_window[beh]:g} s")
        if n_actions == 0:
            counts["behaviours"][beh] = {"actions": 0, "candidate_pairs": 0, "edges": 0}
            continue
        if mode == "significance":
            tbl, bounded, n_pairs, acct = _significance_edges(
                eng, con, beh, per_window[beh], max_neighbours, min_objects, alpha)
            bounded_tables.append(bounded)
            account_tests.append(acct)
        elif mode == "coortweet":
            peer = coortweet_network(eng, "src", per_window[beh], min_participation,
                                     edge_weight, subgraph=1)
            peer_tables.append(peer)
            tbl = _as_edges(peer, per_window[beh])
            n_pairs = tbl.num_rows
        else:
            unique, hashes = cnt_source(eng, case, beh, "cnt_src")
            peer, und = cnt_network(eng, "cnt_src", per_window[beh], min_edge_weight,
                                    behaviour=beh, unique_ids=unique, names=hashes)
            peer_tables.append(peer)
            tbl = _as_edges(und, per_window[beh])
            n_pairs = tbl.num_rows
        edge_tables.append(tbl)
        counts["behaviours"][beh] = {
            "actions": n_actions, "candidate_pairs": n_pairs,
            "edges": tbl.num_rows,
            "significant": int(sum(tbl.column("significant").to_pylist())),
        }
    edges = pa.concat_tables(edge_tables) if edge_tables else _empty_edges()
    bounded = pa.concat_tables(bounded_tables) if bounded_tables else _empty_bounded()
    say("scoring accounts and clustering")
    # in name order, which the accounts table keeps for the accounts without an edge
    seen = eng.table("SELECT account, count(*) AS n_actions FROM actions GROUP BY account "
                     "ORDER BY account")
    partner_tests = pa.concat_tables(account_tests) if account_tests else None
    edges = _mark_group_edges(con, edges, partner_tests, alpha)
    accounts, clusters = _accounts_and_clusters(con, edges, seen, names, alpha, seed, resolution,
                                                mode, partner_tests)
    clusters = _add_top_objects(eng, con, clusters, names)
    counts["accounts"] = accounts.num_rows
    counts["flagged"] = int(sum(accounts.column("flagged").to_pylist()))
    counts["clusters"] = clusters.num_rows
    result = DetectResult(edges, accounts, clusters, bounded, params, counts, derived,
                          partner_tests,
                          pa.concat_tables(peer_tables) if peer_tables else None)
    if write:
        publish(case, result)
    return result


def _behaviours_with_data(eng: Engine, names: tuple[str, ...]) -> list[str]:
    out = []
    for n in names:
        b = get_behaviour(n)
        if b.requires:
            # its tables are derived first, from a behaviour that must have data
            if b.derived_from in out:
                out.append(n)
            continue
        if eng.scalar(f"SELECT count(*) FROM ({behaviour_sql(n)}) AS b"):
            out.append(n)
    return out


def _significance_edges(eng: Engine, con: duckdb.DuckDBPyConnection, beh: str, window: float,
                        max_neighbours: int | None, min_objects: int, alpha: float
                        ) -> tuple[pa.Table, pa.Table, int, pa.Table]:
    # authors of copied texts and links are actions (the null's activity shares count them)
    # but not co-actors of their copiers
    b = get_behaviour(beh)
    prepare_events(eng, "src", window, max_neighbours, skip_authors=b.authored, items=b.items)
    n_pairs = aggregate_pairs(eng, min_objects)
    scored = score_pairs(eng, n_pairs, sources_sql=b.source_sql)
    # candidate partners (pairs with any event, tested or not) of the tested accounts
    candidates = eng.table("""
        SELECT n.account, c.candidate_partners FROM (
            SELECT aid, count(*) AS candidate_partners
            FROM (SELECT a_id AS aid FROM pair_keys UNION ALL SELECT b_id AS aid FROM pair_keys) u
            WHERE aid IN (SELECT a_id FROM pairs UNION SELECT b_id FROM pairs)
            GROUP BY aid
        ) AS c JOIN acc_ids n ON n.aid = c.aid
    """)
    n_accounts = int(eng.scalar(
        "SELECT count(*) FROM (SELECT a_id FROM pair_keys UNION SELECT b_id FROM pair_keys) u"))
    acct = partner_test(scored, candidates, n_accounts)
    acct = acct.add_column(0, "behaviour", repeat_string(beh, acct.num_rows))
    con.register("scored", scored)
    tbl = con.sql(f"""
        SELECT {sql_literal(beh)} AS behaviour, a, b, n_objects, n_events, first_ts, last_ts,
               median_lag_s, a_first, b_first, simultaneous, {float(window)}::DOUBLE AS window_s,
               expected, p_random, expected_source, p_source, p_value, q_value,
               (q_value <= {float(alpha)}) AS significant
        FROM scored
        ORDER BY q_value, n_objects DESC, a, b
    """).to_arrow_table()
    con.unregister("scored")
    bounded = eng.table(f"""
        SELECT {sql_literal(beh)} AS behaviour, object, actions, max_crowd, events_not_generated
        FROM bounded ORDER BY events_not_generated DESC, object""")
    eng.drop("events", "ev", "pairs", "pair_keys", "acc_ids", "obj_ids", "bounded")
    return tbl, bounded, n_pairs, acct


def _as_edges(tbl: pa.Table, window: float) -> pa.Table:
    """Peer-mode edges in the common edge schema (every returned edge is significant)."""
    n = tbl.num_rows
    weight = tbl.column("weight").cast(pa.int64())
    none_f = pa.nulls(n, pa.float64())
    return pa.table({
        "behaviour": tbl.column("behaviour"), "a": tbl.column("a"), "b": tbl.column("b"),
        "n_objects": weight, "n_events": weight,
        "first_ts": pa.nulls(n, pa.timestamp("us", tz="UTC")),
        "last_ts": pa.nulls(n, pa.timestamp("us", tz="UTC")),
        "median_lag_s": (tbl.column("avg_time_delta") if "avg_time_delta" in tbl.column_names
                         else none_f),
        "a_first": pa.nulls(n, pa.int64()), "b_first": pa.nulls(n, pa.int64()),
        "simultaneous": pa.nulls(n, pa.int64()),
        "window_s": from_numpy(np.full(n, float(window))), "expected": none_f,
        "p_random": none_f, "expected_source": none_f, "p_source": none_f,
        "p_value": none_f, "q_value": none_f, "significant": from_numpy(np.ones(n, np.bool_)),
    })


def _empty_edges() -> pa.Table:
    return _as_edges(pa.table({"behaviour": pa.nulls(0, pa.string()), "a": pa.nulls(0, pa.string()),
                               "b": pa.nulls(0, pa.string()), "weight": pa.nulls(0, pa.int64())}), 0)


def _empty_bounded() -> pa.Table:
    return pa.table({"behaviour": pa.nulls(0, pa.string()), "object": pa.nulls(0, pa.string()),
                     "actions": pa.nulls(0, pa.int64()), "max_crowd": pa.nulls(0, pa.int64()),
                     "events_not_generated": pa.nulls(0, pa.int64())})


def _mark_group_edges(con: duckdb.DuckDBPyConnection, edges: pa.Table,
                      partner_tests: pa.Table | None, alpha: float) -> pa.Table:
    """Add ``group_edge``: a strong edge (``p_value <= tau``) between two accounts that both
    have too many strong partners for chance in that behaviour
    (:mod:`swarmscope.signals.partners`). Such edges join the cluster graph with the
    significant ones."""
    if partner_tests is None or not partner_tests.num_rows:
        return edges.append_column("group_edge", from_numpy(np.zeros(edges.num_rows, np.bool_)))
    con.register("edges_in", edges.append_column(
        "edge_order", from_numpy(np.arange(edges.num_rows, dtype=np.int64))))
    con.register("ptests", partner_tests)
    out = con.sql(f"""
        SELECT e.* EXCLUDE (edge_order),
               coalesce(e.p_value <= {DEFAULT_TAU} AND ta.account IS NOT NULL
                        AND tb.account IS NOT NULL, false) AS group_edge
        FROM edges_in e
        LEFT JOIN ptests ta ON ta.behaviour = e.behaviour AND ta.account = e.a
                           AND ta.q_partners <= {float(alpha)}
        LEFT JOIN ptests tb ON tb.behaviour = e.behaviour AND tb.account = e.b
                           AND tb.q_partners <= {float(alpha)}
        ORDER BY e.edge_order
    """).to_arrow_table()
    con.unregister("edges_in")
    con.unregister("ptests")
    return out


def _accounts_and_clusters(con: duckdb.DuckDBPyConnection, edges: pa.Table, seen: pa.Table,
                           names: list[str], alpha: float, seed: int, resolution: float,
                           mode: str, partner_tests: pa.Table | None = None
                           ) -> tuple[pa.Table, pa.Table]:
    """Accounts table (one row per account in ``seen``: account, n_actions) and clusters."""
    con.register("edges_tbl", edges)
    con.register("seen", seen)
    sig = con.sql("""
        SELECT a, b, sum(n_objects) AS weight FROM edges_tbl WHERE significant OR group_edge
        GROUP BY a, b
    """).to_arrow_table()
    membership = leiden_clusters(sig, seed=seed, resolution=resolution)
    con.register("membership", membership)
    n_beh = max(1, len(names))
    if partner_tests is None:
        partner_tests = empty_partner_tests().add_column(0, "behaviour",
                                                         pa.nulls(0, pa.string()))
    con.register("ptests", partner_tests)
    # Two account-level tests per behaviour (the best edge, the number of strong partners),
    # Bonferroni over both and over the behaviours.
    best_q = (f"least(1.0, least(min(e.q_value), coalesce(min(pt.q_partners), 1.0))"
              f" * {ACCOUNT_TESTS_PER_BEHAVIOUR * n_beh})")
    score_expr = (f"least(300.0, -log10(greatest({best_q}, 1e-300)))"
                  if mode == "significance" else "sum(e.n_objects)::DOUBLE")
    flag_expr = (f"{best_q} <= {float(alpha)}"
                 if mode == "significance" else "bool_or(e.significant)")
    behaviour_list = ", ".join(f"'{n}'" for n in names) or "''"
    # Only accounts with an edge have statistics; the many others are added below without a join.
    linked = con.sql(f"""
        WITH ends AS (
            SELECT a AS account, b AS partner, * EXCLUDE (a, b) FROM edges_tbl
            UNION ALL
            SELECT b AS account, a AS partner, * EXCLUDE (a, b) FROM edges_tbl
        ),
        pt AS (
            SELECT account, min(q_partners) AS q_partners,
                   arg_min(behaviour || ': ' || strong_partners || ' of ' || candidate_partners
                           || ' partners with p <= {DEFAULT_TAU:g} (expected '
                           || printf('%.2g', expected_strong) || ', q='
                           || printf('%.2g', q_partners) || ')',
                           (q_partners, behaviour)) AS partner_evidence
            FROM ptests GROUP BY account
        ),
        agg AS (
            SELECT e.account, coalesce({score_expr}, 0.0) AS score,
                   coalesce({flag_expr}, false) AS flagged,
                   count(DISTINCT e.partner) FILTER (WHERE e.significant OR e.group_edge)
                       AS partners,
                   list(DISTINCT e.behaviour ORDER BY e.behaviour)
                       FILTER (WHERE e.significant OR e.group_edge) AS behaviours,
                   arg_min(e.partner, (CASE WHEN e.significant THEN 0 ELSE 1 END, e.q_value,
                           -e.n_objects, e.partner)) AS top_partner,
                   arg_min(e.behaviour || ': ' || e.n_objects || ' shared objects within '
                           || e.window_s || ' s'
                           || coalesce(' (expected ' || round(e.expected, 2) || ', q='
                                       || printf('%.2g', e.q_value) || ')', ''),
                           (CASE WHEN e.significant THEN 0 ELSE 1 END, e.q_value,
                            -e.n_objects, e.partner)) AS evidence
            FROM ends e LEFT JOIN pt ON pt.account = e.account
            WHERE e.behaviour IN ({behaviour_list})
            GROUP BY e.account
        )
        SELECT g.account, s.n_actions, g.score, g.flagged, m.cluster, g.partners,
               g.behaviours, g.top_partner, g.evidence, pt.partner_evidence
        FROM agg g JOIN seen s USING (account) LEFT JOIN membership m USING (account)
        LEFT JOIN pt USING (account)
        ORDER BY g.score DESC, g.account
    """).to_arrow_table()
    accounts = _with_quiet_accounts(linked, seen)
    con.register("accounts_tbl", accounts)
    clusters = con.sql("""
        WITH m AS (SELECT * FROM membership),
        inner_edges AS (
            SELECT ma.cluster, e.* FROM edges_tbl e
            JOIN m ma ON ma.account = e.a JOIN m mb ON mb.account = e.b
            WHERE ma.cluster = mb.cluster AND (e.significant OR e.group_edge)
        ),
        per AS (
            SELECT cluster, count(*) AS n_edges, count(DISTINCT (a, b)) AS n_pairs,
                   list(DISTINCT behaviour ORDER BY behaviour) AS behaviours,
                   min(first_ts) AS first_ts, max(last_ts) AS last_ts,
                   sum(n_objects) AS shared_objects
            FROM inner_edges GROUP BY cluster
        ),
        members AS (
            SELECT m.cluster, count(*) AS size,
                   list(m.account ORDER BY acc.score DESC, m.account) AS members,
                   max(acc.score) AS score, avg(acc.score) AS mean_score
            FROM m JOIN accounts_tbl acc USING (account) GROUP BY m.cluster
        )
        SELECT mb.cluster, mb.size, mb.members, p.behaviours, coalesce(p.n_edges, 0) AS n_edges,
               CASE WHEN mb.size > 1 THEN 2.0 * coalesce(p.n_pairs, 0) / (mb.size * (mb.size - 1))
                    ELSE 0 END AS density,
               p.first_ts, p.last_ts, coalesce(p.shared_objects, 0) AS shared_objects,
               mb.score, mb.mean_score
        FROM members mb LEFT JOIN per p USING (cluster)
        ORDER BY mb.cluster
    """).to_arrow_table()
    for name in ("edges_tbl", "accounts_tbl", "seen", "membership", "ptests"):
        con.unregister(name)
    return accounts, clusters


def _with_quiet_accounts(linked: pa.Table, seen: pa.Table) -> pa.Table:
    """All accounts of ``seen`` (in name order) ordered by score (descending) and name:
    ``linked`` (accounts with an edge, in that order) with the rest, which score 0, merged in by
    name.

    Equivalent to a left join of ``seen`` on ``linked`` sorted by (score DESC, account), without
    joining and sorting every column of every account (most accounts have no edge).
    """
    # seen may come from another engine (Spark): same values, possibly other Arrow types
    seen = seen.select(["account", "n_actions"]).cast(
        pa.schema([linked.schema.field("account"), linked.schema.field("n_actions")]))
    ahead = linked.filter(pc.greater(linked.column("score"), scalar_of(np.zeros(1))))
    # Accounts scoring 0 (every account without an edge, some with one) in name order, with the
    # statistics of those that have an edge.
    quiet = seen.filter(pc.invert(pc.is_in(seen.column("account"), value_set=ahead.column("account"))))
    at = pc.index_in(quiet.column("account"), value_set=linked.column("account"))
    defaults = {"score": scalar_of(np.zeros(1)), "flagged": scalar_of(np.zeros(1, np.bool_)),
                "partners": scalar_of(np.zeros(1, np.int64))}
    cols = {}
    for name in linked.column_names:
        if name in ("account", "n_actions"):
            cols[name] = quiet.column(name)
        else:
            col = linked.column(name).take(at)
            if name in defaults:
                col = col.fill_null(defaults[name].cast(col.type))
            cols[name] = col
    rest = pa.table(cols, schema=linked.schema)
    return pa.concat_tables([ahead, rest]).combine_chunks()


def _add_top_objects(eng: Engine, con: duckdb.DuckDBPyConnection, clusters: pa.Table,
                     names: list[str], top: int = 5) -> pa.Table:
    """Objects acted on by the most members of each cluster (for the dossier)."""
    if clusters.num_rows == 0 or not names:
        return clusters.append_column("top_objects", pa.array([[]] * clusters.num_rows,
                                                              pa.list_(pa.string())))
    # One row per (member, cluster), straight from the clusters' member lists.
    member_lists = clusters.column("members").combine_chunks()
    eng.register("membership", pa.table({
        "account": pc.list_flatten(member_lists),
        "cluster": clusters.column("cluster").combine_chunks().take(
            pc.list_parent_indices(member_lists)).cast(pa.int64())}))
    union = " UNION ALL ".join(f"SELECT * FROM ({behaviour_sql(n)}) AS b{i}"
                               for i, n in enumerate(names))
    # The behaviours project only the members' actions: a CTE named ``actions`` stands in for
    # the table in their SQL, so the projections do not run over every account's actions.
    eng.create_view("member_actions",
                    "SELECT * FROM actions WHERE account IN (SELECT account FROM membership)")
    per = eng.table(f"""
        WITH actions AS (SELECT * FROM member_actions)
        SELECT m.cluster, b.behaviour || ' ' || b.object AS obj,
               count(DISTINCT b.account) AS members
        FROM ({union}) AS b JOIN membership m ON m.account = b.account
        GROUP BY m.cluster, b.behaviour, b.object HAVING count(DISTINCT b.account) > 1
    """)
    eng.drop("member_actions", "membership")
    con.register("per", per)
    con.register("clusters_tbl", clusters)
    out = con.sql(f"""
        WITH tops AS (
            SELECT cluster, list(obj ORDER BY members DESC, obj)[1:{top}] AS top_objects
            FROM per GROUP BY cluster
        )
        SELECT c.*, coalesce(t.top_objects, []::VARCHAR[]) AS top_objects
        FROM clusters_tbl c LEFT JOIN tops t USING (cluster) ORDER BY c.cluster
    """).to_arrow_table()
    for name in ("per", "clusters_tbl"):
        con.unregister(name)
    return out


def publish(case: Case, result: DetectResult) -> None:
    """Write the result tables and exports into ``case/results`` in one transaction."""
    with case.transaction() as txn:
        files: dict[str, Path] = {}
        tables = [("edges", result.edges), ("accounts", result.accounts),
                  ("clusters", result.clusters), ("bounded_objects", result.bounded)]
        if result.peer_edges is not None:
            tables.append(("peer_edges", result.peer_edges))
        else:
            txn.drop_result("peer_edges.parquet")
            txn.drop_result("peer_edges.csv")
        for name, tbl in tables:
            p = txn.stage_path(f"{name}.parquet")
            pq.write_table(tbl, p, compression="zstd")
            files[f"{name}.parquet"] = p
            c = txn.stage_path(f"{name}.csv")
            write_csv(tbl, c)
            files[f"{name}.csv"] = c
        nodes, graph_edges = _graph(result)
        node_attrs = ["cluster", "score", "flagged", "n_actions"]
        edge_attrs = ["behaviours", "n_objects", "q_value"]
        g = txn.stage_path("network.gexf")
        write_gexf(nodes, graph_edges, g, node_attrs, edge_attrs)
        files["network.gexf"] = g
        gm = txn.stage_path("network.graphml")
        write_graphml(nodes, graph_edges, gm, node_attrs, edge_attrs)
        files["network.graphml"] = gm
        run = {
            "signal": "coaction",
            "swarmscope_version": __version__,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "case_generation": case.generation,
            "params": result.params,
            "counts": result.counts,
            "files": {name: file_sha256(p) for name, p in files.items()},
        }
        for name, p in files.items():
            txn.add_result(name, p)
        for name, tbl in result.derived.items():
            fp = txn.stage_path(f"{name}.parquet")
            pq.write_table(tbl, fp)
            txn.replace_table(name, [fp])
        rp = txn.stage_path("detect.json")
        rp.write_bytes(orjson.dumps(run, option=orjson.OPT_INDENT_2))
        txn.add_result("detect.json", rp)


def _graph(result: DetectResult) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The significant subgraph: flagged accounts, significant and group edges (for Gephi)."""
    sig: dict[tuple[str, str], dict[str, Any]] = {}
    edges = result.edges
    keep = (pc.or_(edges.column("significant"), edges.column("group_edge"))
            if "group_edge" in edges.column_names else edges.column("significant"))
    sig_edges = edges.filter(keep)
    for e in sig_edges.to_pylist():
        key = (e["a"], e["b"])
        cur = sig.setdefault(key, {"source": e["a"], "target": e["b"], "weight": 0,
                                   "behaviours": [], "n_objects": 0, "q_value": 1.0})
        cur["weight"] += e["n_objects"]
        cur["n_objects"] += e["n_objects"]
        cur["behaviours"].append(e["behaviour"])
        if e["q_value"] is not None:
            cur["q_value"] = min(cur["q_value"], e["q_value"])
    # Select the endpoint accounts in Arrow: converting every account to Python would cost more
    # than the rest of the export on a large case.
    ends = pa.chunked_array([*sig_edges.column("a").chunks, *sig_edges.column("b").chunks],
                            pa.string())
    accounts = result.accounts.select(["account", "cluster", "score", "flagged", "n_actions"])
    accounts = accounts.filter(pc.is_in(accounts.column("account"), value_set=pc.unique(ends)))
    nodes = [
        {"id": a["account"], "cluster": a["cluster"], "score": round(a["score"], 3),
         "flagged": a["flagged"], "n_actions": a["n_actions"]}
        for a in accounts.to_pylist()
    ]
    edges = []
    for v in sig.values():
        v["behaviours"] = ",".join(sorted(set(v["behaviours"])))
        if math.isnan(v["q_value"]):
            v["q_value"] = None
        edges.append(v)
    return nodes, edges


