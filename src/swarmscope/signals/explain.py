"""Explanations: the concrete evidence behind an edge or a cluster.

A reviewer must be able to check every claim against the raw data. :func:`explain_pair` lists
every co-action event between two accounts (behaviour, object, both action ids, both timestamps,
the lag, and where each action came from: ingested file and record number);
:func:`explain_cluster` lists, for the members of a cluster, the objects on which at least two
members co-acted within the window, with every member action on them.

Events are recomputed exactly (no crowd cap) from the actions of the accounts concerned, with the
windows and mode recorded in the detection run (``results/detect.json``), so an explanation never
depends on other accounts' pairs. The one outside action it reads is the first action on each
object of an authored behaviour (a copied text or link): the detection ranks it first and pairs
it with nobody, and so does the explanation.

Example::

    from swarmscope import Case
    from swarmscope.signals.explain import explain_pair
    explain_pair(Case.open("mycase"), "alice", "bob").to_pandas()
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa

from ..behaviours import behaviour_sql, get_behaviour
from ..case import Case
from ..engine import sql_list
from ..errors import UsageError
from .coaction import prepare_events
from .detect import DEFAULT_BEHAVIOURS, parse_duration


def _run_params(case: Case) -> dict:
    path = case.result_path("detect.json")
    if path is None or not path.exists():
        return {}
    return orjson.loads(Path(path).read_bytes()).get("params", {})


def _windows(case: Case, behaviours: list[str] | None, window: str | float | None
             ) -> dict[str, float]:
    params = _run_params(case)
    names = behaviours or params.get("behaviours") or list(DEFAULT_BEHAVIOURS)
    recorded = params.get("windows", {})
    return {n: parse_duration(window) if window is not None else float(recorded.get(n, 60))
            for n in names}


def explain_members(case: Case | str | Path, accounts: list[str],
                    behaviours: list[str] | None = None,
                    window: str | float | None = None) -> pa.Table:
    """Every co-action event among ``accounts`` (pairs of different accounts)."""
    if not isinstance(case, Case):
        case = Case.open(case)
    if len(accounts) < 2:
        raise UsageError("an explanation needs at least two accounts")
    con = case.connect()
    con.register("members_tbl", pa.table({"account": pa.array(accounts, pa.string())}))
    tables = []
    # The same events the detection paired: in the significance mode the author of a copied
    # text or link (the object's first action) pairs with nobody, and same-item actions are
    # unpaired; the peer modes pair every action, as their tools do.
    significance = _run_params(case).get("mode", "significance") == "significance"
    for beh, w in _windows(case, behaviours, window).items():
        b = get_behaviour(beh)
        skip_authors, items = significance and b.authored, significance and b.items
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE src AS
            SELECT b.* FROM ({behaviour_sql(beh, with_items=items)}) b
            JOIN members_tbl m USING (account)
        """)
        if skip_authors:
            # The first action on each of these objects, whoever made it, so that it takes
            # rank 1 as in the detection, which ranks all of the object's actions.
            con.execute(f"""
                INSERT INTO src
                SELECT * EXCLUDE (nth) FROM (
                    SELECT b.*, row_number() OVER (PARTITION BY b.object
                                                   ORDER BY b.ts, b.account, b.platform,
                                                            b.action_id) AS nth
                    FROM ({behaviour_sql(beh, with_items=items)}) b
                    WHERE b.object IN (SELECT object FROM src)
                ) AS r
                WHERE nth = 1 AND account NOT IN (SELECT account FROM members_tbl)
            """)
        prepare_events(con, "src", w, max_neighbours=None, with_ids=True,
                       skip_authors=skip_authors, items=items)
        tables.append(con.sql(f"""
            SELECT e.behaviour, e.object, e.acc_x AS first_account, e.acc_y AS second_account,
                   make_timestamptz(e.t_x) AS first_ts, make_timestamptz(e.t_y) AS second_ts,
                   (e.t_y - e.t_x) / 1e6 AS lag_s, {float(w)}::DOUBLE AS window_s,
                   e.platform_x AS first_platform, e.action_x AS first_action_id,
                   e.platform_y AS second_platform, e.action_y AS second_action_id,
                   ax.ingest_id AS first_ingest_id, ax.record AS first_record,
                   ay.ingest_id AS second_ingest_id, ay.record AS second_record
            FROM events_named e
            JOIN actions ax ON ax.platform = e.platform_x AND ax.action_id = e.action_x
            JOIN actions ay ON ay.platform = e.platform_y AND ay.action_id = e.action_y
            ORDER BY e.object, e.t_x, e.acc_x, e.acc_y
        """).to_arrow_table())
    con.unregister("members_tbl")
    return pa.concat_tables(tables) if tables else pa.table({})


def explain_pair(case: Case | str | Path, a: str, b: str, behaviours: list[str] | None = None,
                 window: str | float | None = None) -> pa.Table:
    """Every co-action event between accounts ``a`` and ``b``."""
    return explain_members(case, [a, b], behaviours, window)


def explain_cluster(case: Case | str | Path, cluster: int,
                    behaviours: list[str] | None = None,
                    window: str | float | None = None) -> pa.Table:
    """Every co-action event among the members of ``cluster`` of the last detection run."""
    if not isinstance(case, Case):
        case = Case.open(case)
    path = case.result_path("clusters.parquet")
    if path is None:
        raise UsageError("no detection results in this case: run 'swarmscope detect' first")
    con = case.connect()
    rows = con.execute(
        f"SELECT members FROM read_parquet({sql_list([path])}) WHERE cluster = ?", [int(cluster)]
    ).fetchall()
    if not rows:
        raise UsageError(f"no cluster {cluster} in the last detection run")
    return explain_members(case, list(rows[0][0]), behaviours, window)
