"""Writing a generated scenario: ``actions.parquet`` and the ground truth in ``labels/``.

Social actions get Twitter-style "snowflake" ids (milliseconds since Twitter's epoch shifted
left 22 bits, a worker number, a per-millisecond sequence), so ids grow with time like real
tweet ids and say nothing about who posted them. Row references (``parent``, ``repost``)
become those ids.

``actions.parquet`` has exactly the canonical source columns (:data:`swarmscope.schema.SOURCE_COLUMNS`),
sorted by time, so ``swarmscope ingest CASE actions.parquet --format parquet`` needs no
``--map``. Nothing in it says which account or action is planted; that is only in ``labels/``:

- ``accounts.csv``: account, platform, account_id, label (1 = member of a planted operation),
  operation, role, utc_offset (hours, of the account's operators), schedule;
- ``operations.json``: the seed, scale and scenario, and per operation and confounder its
  members and parameters;
- ``actions.csv``: platform, action_id, operation, detail, group for every action an operation
  or a confounder made (organic background actions are not listed).

Example::

    >>> t = 1_709_510_400_000_000  # 2024-03-04T00:00:00Z in µs
    >>> ids = snowflake_ids(np.array([t + 5_000, t, t]), np.random.default_rng(0))
    >>> bool(ids[1] != ids[2] and ids[0] > max(ids[1], ids[2]))  # unique, later is larger
    True
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..schema import ACTIONS_SCHEMA, SOURCE_COLUMNS
from .rows import KINDS
from .world import OPERATION_IDS, World

#: Twitter's snowflake epoch (2010-11-04T01:42:54.657Z) in ms.
TWEPOCH_MS = 1_288_834_974_657

#: The canonical source columns with the types of the actions table (ts a UTC timestamp).
PARQUET_SCHEMA = pa.schema([ACTIONS_SCHEMA.field(c) for c in SOURCE_COLUMNS])
assert tuple(PARQUET_SCHEMA.names) == SOURCE_COLUMNS


def snowflake_ids(ts_us: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unique, time-ordered 64-bit ids for actions at ``ts_us``."""
    n = len(ts_us)
    order = np.lexsort((np.arange(n), ts_us))
    ms = ts_us[order] // 1_000
    starts = np.ones(n, dtype=bool)
    starts[1:] = ms[1:] != ms[:-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    seq = np.arange(n) - first
    if n and seq.max() >= 4_096:
        raise ValueError("more than 4096 actions in one millisecond")
    worker = rng.integers(0, 1_024, n)
    ids = np.empty(n, dtype=np.int64)
    ids[order] = ((ms - TWEPOCH_MS) << 22) | (worker << 12) | seq
    return ids


class SocialOutput:
    """The social rows as a table, plus what labels need (ids by row, op tags)."""

    def __init__(self, world: World) -> None:
        rows = world.rows
        self.world = world
        # Platforms give times to the millisecond (a snowflake id holds the millisecond).
        self.ts = rows.column("ts") // 1_000 * 1_000
        self.ids = snowflake_ids(self.ts, world.rng("ids"))
        self.id_str = pa.array(self.ids).cast(pa.string())
        self.op = rows.column("op")
        self.detail = pa.concat_arrays([b.detail for b in rows.blocks])
        self.group = pa.concat_arrays([b.group for b in rows.blocks])

    def ids_of(self, rows: list[int]) -> list[str]:
        return [str(self.ids[r]) for r in rows]

    def table(self) -> pa.Table:
        w = self.world
        rows = w.rows
        n = len(self.ts)
        account = rows.column("account")
        reg = w.social

        def ref(col: str) -> pa.Array:
            r = rows.column(col)
            has = r >= 0
            return pc.if_else(pa.array(has), self.id_str.take(pa.array(np.where(has, r, 0))),
                              pa.scalar(None, pa.string()))

        blocks = rows.blocks
        return pa.table({
            "platform": pa.array(["synthnet"] * n, pa.string()),
            "action_id": self.id_str,
            "account": w.names_array().take(pa.array(account)),
            "account_id": pa.array(reg.account_ids).cast(pa.string()).take(pa.array(account)),
            "ts": pa.array(self.ts, pa.timestamp("us", tz="UTC")),
            "kind": pa.array(list(KINDS)).take(pa.array(rows.column("kind").astype(np.int64))),
            "parent_id": ref("parent"),
            "repost_of": ref("repost"),
            "text": pa.concat_arrays([b.text for b in blocks]),
            "urls": pa.concat_arrays([b.urls for b in blocks]),
            "hashtags": pa.concat_arrays([b.hashtags for b in blocks]),
            "mentions": pa.concat_arrays([b.mentions for b in blocks]),
            "title": pa.nulls(n, pa.string()),
            "extra": pa.nulls(n, pa.string()),
        }, schema=PARQUET_SCHEMA)


def write_actions(path: Path, tables: list[pa.Table]) -> pa.Table:
    """Concatenate, sort by time (then platform, id) and write; return the written table."""
    table = pa.concat_tables([t.cast(PARQUET_SCHEMA) for t in tables])
    order = pc.sort_indices(table, sort_keys=[("ts", "ascending"), ("platform", "ascending"),
                                              ("action_id", "ascending")])
    table = table.take(order)
    pq.write_table(table, path, compression="zstd", row_group_size=131_072)
    return table


def write_accounts_csv(path: Path, world: World) -> int:
    rows: list[tuple[Any, ...]] = []
    for reg in (world.social, world.wiki):
        for i, name in enumerate(reg.names):
            op = int(reg.op[i])
            aid = int(reg.account_ids[i])
            off = float(reg.offset[i])
            rows.append((name, reg.platform, "" if aid < 0 else str(aid), int(reg.label[i]),
                         OPERATION_IDS[op] if op >= 0 else "", str(reg.role[i]),
                         f"{off:g}", str(reg.schedule[i])))
    rows.sort(key=lambda r: (r[1], r[0]))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["account", "platform", "account_id", "label", "operation", "role",
                      "utc_offset", "schedule"])
        out.writerows(rows)
    return len(rows)


def write_action_labels(path: Path, platform: str, ids: pa.Array, op: np.ndarray,
                        detail: pa.Array, group: pa.Array, append: bool = False) -> None:
    has = (op >= 0) | np.asarray(pc.is_valid(detail).to_numpy(zero_copy_only=False))
    idx = np.flatnonzero(has)
    ids_l = ids.take(pa.array(idx)).to_pylist()
    det_l = detail.take(pa.array(idx)).to_pylist()
    grp_l = group.take(pa.array(idx)).to_pylist()
    with open(path, "a" if append else "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        if not append:
            out.writerow(["platform", "action_id", "operation", "detail", "group"])
        for i, a, d, g in zip(idx.tolist(), ids_l, det_l, grp_l, strict=True):
            o = int(op[i])
            out.writerow([platform, a, OPERATION_IDS[o] if o >= 0 else "", d or "", g or ""])


def write_operations_json(path: Path, world: World, social: SocialOutput) -> None:
    ops, confounders = [], []
    for key, truth in world.truth.items():
        t = dict(truth)
        for rows_key, ids_key in (("object_rows", "objects"), ("trigger_rows", "trigger_posts"),
                                  ("post_row", "post")):
            if rows_key in t:
                v = t.pop(rows_key)
                t[ids_key] = social.ids_of(v) if isinstance(v, list) else social.ids_of([v])[0]
        if "bursts" in t:
            t["bursts"] = [{"post": social.ids_of([b["post_row"]])[0], "reposts": b["reposts"]}
                           for b in t["bursts"]]
        (ops if key in OPERATION_IDS else confounders).append({"id": key, **t})
    ops.sort(key=lambda o: o["id"])
    doc = {
        "generator": "swarmscope.synthetic",
        "seed": world.seed,
        "scale": world.scale,
        "window": {"start": world.scenario.start.isoformat().replace("+00:00", "Z"),
                   "days": world.scenario.days},
        "operations": ops,
        "confounders": confounders,
        "scenario": _jsonable(dataclasses.asdict(world.scenario)),
    }
    path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, dt.datetime):
        return x.isoformat()
    return x
