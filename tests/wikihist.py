"""Hand-written wiki histories as cases, for the forensics tests.

``rev(page, user, minute, content, ...)`` describes one revision; :func:`make_case` numbers the
revisions (in time order), chains each page's parents, writes the canonical action columns to
Parquet, ingests them and computes ``wiki_revisions``. The SHA-1 and size come from
``content``, so restoring an earlier content is an identity revert, as on a real wiki.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from swarmscope import Case
from swarmscope.ingest import ingest
from swarmscope.wiki.reverts import compute_reverts

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # a Monday


@dataclass
class Rev:
    page: str
    user: str
    minute: float
    content: str | None = None
    comment: str = ""
    minor: bool = False
    tags: list[str] = field(default_factory=list)
    urls: list[str] | None = None
    ns: int = 0
    hidden_user: bool = False


def rev(page: str, user: str, minute: float, content: str | None = None, **kw: Any) -> Rev:
    return Rev(page, user, minute, content, **kw)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def make_case(tmp: Path, revs: list[Rev], platform: str = "wikipedia", reverts: bool = True,
              name: str = "case", first_revid: int = 5000) -> Case:
    """A case holding ``revs`` (see the module docstring)."""
    order = sorted(range(len(revs)), key=lambda i: (revs[i].minute, i))
    # Page ids from the title, so two cases made here agree on them.
    page_ids = {p: 1000 + zlib.crc32(p.encode()) % 10**7 for p in {r.page for r in revs}}
    last: dict[str, int] = {}
    cols: dict[str, list[Any]] = {k: [] for k in (
        "platform", "action_id", "account", "account_id", "ts", "kind", "parent_id",
        "repost_of", "text", "urls", "hashtags", "mentions", "title", "extra")}
    for n, i in enumerate(order):
        r = revs[i]
        revid = first_revid + n
        parent = last.get(r.page)
        last[r.page] = revid
        content = r.content if r.content is not None else f"{r.page} by {r.user} at {r.minute}"
        extra: dict[str, Any] = {
            "page_id": page_ids[r.page], "ns": r.ns,
            "sha1": hashlib.sha1(content.encode()).hexdigest(),  # noqa: S324
            "size": len(content.encode()), "minor": r.minor, "tags": r.tags,
            "anon": _is_ip(r.user)}
        if parent is None:
            extra["new"] = True
        if r.urls is not None:
            extra["has_text"] = True
        if r.hidden_user:
            extra["user_hidden"] = True
        cols["platform"].append(platform)
        cols["action_id"].append(str(revid))
        cols["account"].append(f"(hidden):{revid}" if r.hidden_user else r.user)
        cols["account_id"].append(None)
        cols["ts"].append(T0 + dt.timedelta(minutes=r.minute))
        cols["kind"].append("revert" if set(r.tags) & {"mw-undo", "mw-rollback",
                                                        "mw-manual-revert"} else "edit")
        cols["parent_id"].append(None if parent is None else str(parent))
        cols["repost_of"].append(None)
        cols["text"].append(r.comment)
        cols["urls"].append(r.urls or [])
        cols["hashtags"].append([])
        cols["mentions"].append([])
        cols["title"].append(r.page)
        cols["extra"].append(orjson.dumps(extra).decode())
    s = pa.string()
    table = pa.table({
        **{k: pa.array(cols[k], s) for k in ("platform", "action_id", "account", "account_id")},
        "ts": pa.array(cols["ts"], pa.timestamp("us", tz="UTC")),
        **{k: pa.array(cols[k], s) for k in ("kind", "parent_id", "repost_of", "text")},
        **{k: pa.array(cols[k], pa.list_(s)) for k in ("urls", "hashtags", "mentions")},
        "title": pa.array(cols["title"], s), "extra": pa.array(cols["extra"], s),
    })
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"{name}-actions.parquet"
    pq.write_table(table, path)
    case = Case.init(tmp / name)
    ingest(case, [path], format="parquet")
    if reverts:
        compute_reverts(case)
    return Case.open(case.path)


def add_table(case: Case, table_name: str, rows: pa.Table) -> Case:
    """Add ``rows`` as a part of ``table_name`` (wiki_accounts, wiki_pageviews, ...)."""
    with case.transaction() as txn:
        out = txn.stage_path(f"{table_name}.parquet")
        pq.write_table(rows, out)
        txn.add_part(table_name, out)
    return Case.open(case.path)


def revids(case: Case) -> dict[tuple[str, float], int]:
    """(page, minute) -> revision id of the case's revisions."""
    con = case.connect()
    rows = con.sql("SELECT title, ts, CAST(action_id AS BIGINT) FROM actions").fetchall()
    return {(t, (ts - T0).total_seconds() / 60): r for t, ts, r in rows}
