"""Run every Wikipedia forensics signal on a case and publish the results.

:func:`run_report` (``swarmscope wiki report CASE``) computes, from the case's ``wiki_revisions``
(computed first when missing):

========================================  ==========================================
result file                               signal (module)
========================================  ==========================================
``wiki_page_stats.parquet``               page statistics (:mod:`.pagestats`)
``wiki_page_editors.parquet``             editors of each page (:mod:`.pagestats`)
``wiki_page_activity.parquet``            edits and page views per day (:mod:`.pagestats`)
``wiki_interactions.parquet``             editor interaction (:mod:`.interaction`)
``wiki_interaction_timeline.parquet``     interaction timeline (:mod:`.interaction`)
``wiki_revert_network.parquet``           reverter -> reverted (:mod:`.revertnet`)
``wiki_revert_accounts.parquet``          reverts made and received (:mod:`.revertnet`)
``wiki_edit_wars.parquet``                M-statistic per page (:mod:`.revertnet`)
``wiki_tag_team_pairs.parquet``           co-reverting pairs vs a null (:mod:`.tagteam`)
``wiki_tag_teams.parquet``                tag teams (:mod:`.tagteam`)
``wiki_source_changes.parquet``           domains removed/added per account (:mod:`.sources`)
``wiki_source_domains.parquet``           per domain (:mod:`.sources`)
``wiki_source_rings.parquet``             groups removing/adding the same domains
                                          (:mod:`.sources`)
``wiki_single_purpose.parquet``           concentration, sleepers, after-block starts
                                          (:mod:`.single_purpose`)
``wiki_similar_pairs.parquet``            SimilarUsers figures and the pair score
                                          (:mod:`.similar`, :mod:`.pairscore`)
``wiki_forensics.json``                   parameters, counts and SHA-256 of every file
========================================  ==========================================

Scope: ``pages`` limits the page-level results (page statistics, edit wars) to those titles;
every other signal reads the whole case, which is the investigation's scope. ``users`` is the
set of accounts for the interaction tables and the focus of the pair score (every pair of a
named account with any other account is scored). Without ``users`` the interaction set is the
members of the flagged tag teams and the accounts of the ``top_pairs`` best-scored pairs.

Groups for the source-ring test (removals and additions): the flagged tag teams, the ``users`` (as one group, when two
or more), and the connected components of the ``top_pairs`` best pairs that never reverted
each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import igraph as ig
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ... import __version__
from ...case import Case
from ._base import account_names, ensure_revisions, prepare
from .interaction import compute_interactions
from .pagestats import compute_page_stats
from .pairscore import compute_pair_scores
from .revertnet import edit_wars, revert_accounts, revert_network
from .single_purpose import compute_single_purpose
from .sources import compute_sources
from .tagteam import DEFAULT_ALPHA, DEFAULT_PERMUTATIONS, DEFAULT_WINDOW_S, compute_tag_teams

DEFAULT_TOP_PAIRS = 10
RUN_RECORD = "wiki_forensics.json"


@dataclass
class ForensicsReport:
    """The tables of one run (also published into the case unless ``write=False``)."""

    tables: dict[str, pa.Table]
    params: dict[str, Any]
    counts: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)


def _groups(tables: dict[str, pa.Table], users: list[str] | None, top_pairs: int) -> pa.Table:
    rows: list[tuple[str, int, str, str]] = []
    gid = 0
    teams = tables["wiki_tag_teams"].to_pylist()
    for t in teams:
        if t["flagged"]:
            gid += 1
            rows.extend((t["platform"], gid, "tag_team", m) for m in t["members"])
    pairs = tables["wiki_similar_pairs"]
    platforms = sorted(set(pairs.column("platform").to_pylist())) if pairs.num_rows else []
    if users and len(users) >= 2:
        for platform in platforms or ["wikipedia"]:
            gid += 1
            rows.extend((platform, gid, "users", u) for u in users)
    top = [p for p in pairs.slice(0, top_pairs).to_pylist() if not p["conflict"]]
    for platform in platforms:
        edges = [(p["a"], p["b"]) for p in top if p["platform"] == platform]
        if not edges:
            continue
        names = sorted({x for e in edges for x in e})
        index = {n: i for i, n in enumerate(names)}
        g = ig.Graph(n=len(names), edges=[(index[a], index[b]) for a, b in edges])
        for comp in g.connected_components():
            gid += 1
            rows.extend((platform, gid, "similar_pairs", names[i]) for i in comp)
    return pa.table({
        "platform": pa.array([r[0] for r in rows], pa.string()),
        "group_id": pa.array([r[1] for r in rows], pa.int64()),
        "source": pa.array([r[2] for r in rows], pa.string()),
        "account": pa.array([r[3] for r in rows], pa.string()),
    })


def _interaction_set(tables: dict[str, pa.Table], top_pairs: int) -> list[str]:
    names: set[str] = set()
    for t in tables["wiki_tag_teams"].to_pylist():
        if t["flagged"]:
            names.update(t["members"])
    for p in tables["wiki_similar_pairs"].slice(0, top_pairs).to_pylist():
        names.update((p["a"], p["b"]))
    return sorted(names)


def run_report(case: Case | str | Path, pages: Iterable[str] | None = None,
               users: Iterable[str] | None = None, *, window_s: float = DEFAULT_WINDOW_S,
               permutations: int = DEFAULT_PERMUTATIONS, alpha: float = DEFAULT_ALPHA,
               top_pairs: int = DEFAULT_TOP_PAIRS, seed: int = 42, write: bool = True,
               progress: Callable[[str], None] | None = None) -> ForensicsReport:
    """Compute every forensics table of ``case`` (see the module docstring)."""
    say = progress or (lambda _m: None)
    case = case if isinstance(case, Case) else Case.open(case)
    case = ensure_revisions(case)
    page_list = sorted({p.replace("_", " ") for p in pages}) if pages else None
    user_list = account_names(users) if users else None
    params = {"pages": page_list, "users": user_list, "window_s": window_s,
              "permutations": permutations, "alpha": alpha, "top_pairs": top_pairs,
              "seed": seed}
    con = prepare(case)
    tables: dict[str, pa.Table] = {}
    say("page statistics")
    tables.update(compute_page_stats(con, page_list))
    say("revert network")
    tables["wiki_revert_network"] = revert_network(con)
    tables["wiki_revert_accounts"] = revert_accounts(con)
    wars = edit_wars(con)
    if page_list:
        wanted = pa.array(page_list, pa.string())
        wars = wars.filter(pc.is_in(wars.column("page"), value_set=wanted))
    tables["wiki_edit_wars"] = wars
    say("tag teams")
    tables.update(compute_tag_teams(con, window=window_s, permutations=permutations,
                                    alpha=alpha, seed=seed))
    say("similar accounts")
    tables.update(compute_pair_scores(con, tables["wiki_tag_team_pairs"], users=user_list,
                                      defend_window_s=window_s))
    say("single-purpose accounts")
    tables.update(compute_single_purpose(con))
    say("cited sources")
    groups = _groups(tables, user_list, top_pairs)
    tables.update(compute_sources(con, groups, alpha=alpha))
    if "wiki_source_rings" not in tables:
        tables["wiki_source_rings"] = _empty_rings()
    say("editor interaction")
    inter_users = user_list if user_list else _interaction_set(tables, top_pairs)
    tables.update(compute_interactions(con, inter_users))
    counts = {
        "pages": tables["wiki_page_stats"].num_rows,
        "revert_edges": tables["wiki_revert_network"].num_rows,
        "edit_wars": tables["wiki_edit_wars"].num_rows,
        "tag_team_pairs": tables["wiki_tag_team_pairs"].num_rows,
        "tag_teams_flagged": sum(1 for f in tables["wiki_tag_teams"].column("flagged")
                                 .to_pylist() if f),
        "similar_pairs": tables["wiki_similar_pairs"].num_rows,
        "single_purpose": sum(1 for f in tables["wiki_single_purpose"]
                              .column("single_purpose").to_pylist() if f),
        "source_rings_flagged": sum(1 for f in tables["wiki_source_rings"].column("flagged")
                                    .to_pylist() if f),
        "interaction_accounts": len(inter_users),
        "interaction_pages": len(set(tables["wiki_interactions"].column("page").to_pylist())),
    }
    report = ForensicsReport(tables=tables, params=params, counts=counts)
    if write:
        report.paths = _write(case, tables, params, counts)
    return report


def _empty_rings() -> pa.Table:
    return pa.schema([
        ("platform", pa.string()), ("group_id", pa.int64()), ("source", pa.string()),
        ("members", pa.list_(pa.string())), ("change", pa.string()), ("domain", pa.string()),
        ("events", pa.int64()), ("members_involved", pa.int64()),
        ("accounts", pa.list_(pa.string())), ("pages", pa.int64()),
        ("page_list", pa.list_(pa.string())), ("reverted", pa.int64()),
        ("removed_baseline_share", pa.float64()), ("group_events", pa.int64()),
        ("other_events", pa.int64()), ("other_events_total", pa.int64()),
        ("baseline_share", pa.float64()), ("p_value", pa.float64()), ("q_value", pa.float64()),
        ("flagged", pa.bool_()),
    ]).empty_table()


def _write(case: Case, tables: dict[str, pa.Table], params: dict[str, Any],
           counts: dict[str, Any]) -> dict[str, Path]:
    import pyarrow.parquet as pq

    paths: dict[str, Path] = {}
    with case.transaction() as txn:
        files: dict[str, str] = {}
        for name, table in tables.items():
            fname = f"{name}.parquet"
            staged = txn.stage_path(fname)
            pq.write_table(table, staged, compression="zstd")
            files[fname] = hashlib.sha256(staged.read_bytes()).hexdigest()
            txn.add_result(fname, staged)
            paths[name] = case.path / "results" / fname
        record = {"signal": "wiki-forensics", "swarmscope_version": __version__,
                  "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                  "params": params, "counts": counts, "files": files}
        staged = txn.stage_path(RUN_RECORD)
        staged.write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2))
        # The run record goes last, so an interrupted publish is detectable.
        txn.add_result(RUN_RECORD, staged)
        paths["run"] = case.path / "results" / RUN_RECORD
    return paths


__all__ = ["ForensicsReport", "run_report"]
