"""The network view's data: the flagged subgraph, capped, with a layout computed here.

Nodes are accounts in clusters (the significant-edge graph), at most ``max_nodes`` (clusters in
report rank order, members by score); edges are significant edges between them (all behaviours
of a pair together), strongest first, at most ``max_edges``. Positions come from igraph
(Fruchterman-Reingold inside each cluster, clusters packed in rows by rank), so the browser only
draws: no layout runs at view time, and the same case always gives the same picture.
"""

from __future__ import annotations

import math
from typing import Any

import igraph as ig
import pyarrow as pa

from .tables import cell, fmt_number, fmt_ts, visible

NODE_LABEL_CHARS = 32
NAME_CHARS = 300


def build_network(nodes: pa.Table, edges: pa.Table, cluster_rank: dict[int, int],
                  max_nodes: int, max_edges: int) -> dict[str, Any]:
    """``nodes``: account, cluster, score, n_actions, evidence; ``edges``: a, b, weight,
    behaviours, q_value, median_lag_s, first_ts, last_ts (one row per pair)."""
    total_nodes = nodes.num_rows
    rows = nodes.to_pylist()
    rows.sort(key=lambda r: (cluster_rank.get(r["cluster"], 1 << 30), -(r["score"] or 0),
                             r["account"]))
    rows = rows[:max_nodes]
    index = {r["account"]: i for i, r in enumerate(rows)}
    erows = [e for e in edges.to_pylist() if e["a"] in index and e["b"] in index]
    total_edges = len(erows)
    erows.sort(key=lambda e: (-(e["weight"] or 0), e["q_value"] if e["q_value"] is not None
                              else 1.0, e["a"], e["b"]))
    erows = erows[:max_edges]
    pos = _layout(rows, erows, index, cluster_rank)
    out_nodes = []
    for i, r in enumerate(rows):
        name = cell(r["account"], NAME_CHARS)  # the same text as in the dossier tables
        short = visible(r["account"][: NODE_LABEL_CHARS * 2])
        out_nodes.append({
            "id": i,
            "label": short if len(short) <= NODE_LABEL_CHARS
            else short[: NODE_LABEL_CHARS - 1] + "…",
            "name": name,
            "search": name.lower(),
            "cluster": r["cluster"],
            "rank": cluster_rank.get(r["cluster"]),
            "score": fmt_number(float(r["score"] or 0.0)),
            "size": float(r["score"] or 0.0),
            "actions": r["n_actions"],
            "evidence": cell(r["evidence"] or "", NAME_CHARS),
            "x": pos[i][0],
            "y": pos[i][1],
        })
    out_edges = []
    for e in erows:
        out_edges.append({
            "s": index[e["a"]], "t": index[e["b"]], "w": int(e["weight"] or 0),
            "behaviours": cell(e["behaviours"] or ""),
            "q": fmt_number(e["q_value"]) if e["q_value"] is not None else "",
            "lag": fmt_number(e["median_lag_s"]) if e["median_lag_s"] is not None else "",
            "first": fmt_ts(e["first_ts"]) if e["first_ts"] is not None else "",
            "last": fmt_ts(e["last_ts"]) if e["last_ts"] is not None else "",
        })
    return {"nodes": out_nodes, "edges": out_edges, "total_nodes": total_nodes,
            "total_edges": total_edges}


def _layout(rows: list[dict[str, Any]], erows: list[dict[str, Any]], index: dict[str, int],
            cluster_rank: dict[int, int]) -> list[tuple[float, float]]:
    groups: dict[Any, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(r["cluster"], []).append(i)
    local_edges: dict[Any, list[tuple[int, int, float]]] = {}
    for e in erows:
        ca, cb = rows[index[e["a"]]]["cluster"], rows[index[e["b"]]]["cluster"]
        if ca == cb:
            local_edges.setdefault(ca, []).append((index[e["a"]], index[e["b"]],
                                                   float(e["weight"] or 1)))
    pos: list[tuple[float, float]] = [(0.0, 0.0)] * len(rows)
    order = sorted(groups, key=lambda c: (cluster_rank.get(c, 1 << 30), str(c)))
    # Shelf packing: clusters left to right in rank order, a new row when the row is full.
    unit = 40.0
    row_width = max(1200.0, unit * 3 * math.sqrt(len(rows)))
    x0 = y0 = row_h = 0.0
    for c in order:
        members = groups[c]
        coords = _cluster_layout(members, local_edges.get(c, []))
        radius = unit * (1.0 + math.sqrt(len(members)))
        if x0 > 0 and x0 + 2 * radius > row_width:
            x0, y0, row_h = 0.0, y0 + row_h + unit, 0.0
        cx, cy = x0 + radius, y0 + radius
        for i, (x, y) in zip(members, coords, strict=True):
            pos[i] = (round(cx + x * radius, 1), round(cy + y * radius, 1))
        x0 += 2 * radius + unit
        row_h = max(row_h, 2 * radius)
    return pos


def _cluster_layout(members: list[int], edges: list[tuple[int, int, float]]
                    ) -> list[tuple[float, float]]:
    """Positions in [-1, 1]^2 for one cluster (deterministic)."""
    n = len(members)
    if n == 1:
        return [(0.0, 0.0)]
    local = {m: k for k, m in enumerate(members)}
    seed = [[math.cos(2 * math.pi * k / n), math.sin(2 * math.pi * k / n)] for k in range(n)]
    if n == 2 or not edges:
        coords = seed
    else:
        g = ig.Graph(n=n, edges=[(local[a], local[b]) for a, b, _ in edges])
        weights = [math.log1p(w) for _, _, w in edges]
        coords = g.layout_fruchterman_reingold(weights=weights, seed=seed,
                                               niter=300 if n < 300 else 100).coords
    xs = [p[0] for p in coords]
    ys = [p[1] for p in coords]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 or 1.0
    return [((x - cx) / span, (y - cy) / span) for x, y in zip(xs, ys, strict=True)]
