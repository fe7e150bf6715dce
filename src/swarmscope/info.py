"""Case summary: what is in a case (``swarmscope info CASE``)."""

from __future__ import annotations

from typing import Any

from .behaviours import behaviour_sql, behaviours
from .case import Case


def case_info(case: Case, top: int = 5) -> dict[str, Any]:
    """Counts by platform and kind, accounts, time span, and the top objects per behaviour."""
    con = case.connect()
    total, accounts, first, last = con.execute(
        "SELECT count(*), count(DISTINCT account), min(ts), max(ts) FROM actions").fetchall()[0]
    by_platform = con.execute(
        "SELECT platform, count(*) AS n, count(DISTINCT account) FROM actions "
        "GROUP BY 1 ORDER BY n DESC").fetchall()
    by_kind = con.execute(
        "SELECT kind, count(*) AS n FROM actions GROUP BY 1 ORDER BY n DESC").fetchall()
    tops: dict[str, list[tuple[str, int, int]]] = {}
    tables = case.tables()
    if total:
        for name, b in behaviours().items():
            if not b.runs_on(tables):  # its derived tables (text families) are not computed yet
                continue
            rows = con.execute(
                f"SELECT object, count(*) AS n, count(DISTINCT account) AS a "
                f"FROM ({behaviour_sql(name)}) GROUP BY object ORDER BY a DESC, n DESC, object "
                f"LIMIT {int(top)}").fetchall()
            if rows:
                tops[name] = rows
    return {
        "name": case.name,
        "path": str(case.path),
        "actions": total,
        "accounts": accounts,
        "first": first,
        "last": last,
        "platforms": by_platform,
        "kinds": by_kind,
        "top_objects": tops,
        "ingests": len(case.ingests()),
        "tables": case.tables(),
        "results": sorted(case.results()),
    }
