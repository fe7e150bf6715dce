"""Clusters of coordinated accounts: Leiden communities of the significant-edge graph.

Method: accounts are vertices, significant co-action edges (all behaviours together) are edges
weighted by the number of shared objects; communities are found with the Leiden algorithm
optimising modularity (``leidenalg.ModularityVertexPartition``) with a fixed seed, so the same
case gives the same clusters. Connected components of size 1 do not exist (every vertex has an
edge); a community of size 2 is a pair.

References: Traag, Waltman & van Eck (2019), *From Louvain to Leiden: guaranteeing well-connected
communities*, Scientific Reports 9.

Example::

    >>> import pyarrow as pa
    >>> e = pa.table({"a": ["x", "x", "y", "p"], "b": ["y", "z", "z", "q"], "weight": [5, 5, 5, 3]})
    >>> sorted(leiden_clusters(e).to_pylist(), key=lambda r: r["account"])[:2]
    [{'account': 'p', 'cluster': 2}, {'account': 'q', 'cluster': 2}]
"""

from __future__ import annotations

import igraph as ig
import leidenalg
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowbuf import from_numpy


def leiden_clusters(edges: pa.Table, seed: int = 42, resolution: float = 1.0) -> pa.Table:
    """Cluster ids (1 = largest) for the accounts of an edge table with ``a, b, weight``."""
    if edges.num_rows == 0:
        return pa.table({"account": pa.nulls(0, pa.string()), "cluster": pa.nulls(0, pa.int64())})
    a = edges.column("a").to_pylist()
    b = edges.column("b").to_pylist()
    w = [float(x) for x in edges.column("weight").to_pylist()]
    # Vertex names in sorted order, kept as Arrow (UTF-8 byte order is code point order, as
    # Python's sort): the result is built by taking from it, without converting Python lists.
    both = pa.chunked_array([*edges.column("a").cast(pa.string()).chunks,
                             *edges.column("b").cast(pa.string()).chunks], pa.string())
    unique = pc.unique(both)
    name_arr = unique.take(pc.sort_indices(unique))
    names = name_arr.to_pylist()
    index = {n: i for i, n in enumerate(names)}
    g = ig.Graph(n=len(names), edges=[(index[x], index[y]) for x, y in zip(a, b, strict=True)])
    g.es["weight"] = w
    g = g.simplify(combine_edges={"weight": "sum"})
    part = leidenalg.find_partition(g, leidenalg.RBConfigurationVertexPartition, weights="weight",
                                    resolution_parameter=resolution, seed=seed, n_iterations=-1)
    membership = part.membership
    # Number clusters by size (largest first), ties by their smallest member, for stable ids.
    groups: dict[int, list[int]] = {}
    for i, m in enumerate(membership):
        groups.setdefault(m, []).append(i)  # vertex ids ascending = names ascending
    ordered = sorted(groups.values(), key=lambda members: (-len(members), members[0]))
    rows_acc = np.fromiter((i for members in ordered for i in members), np.int64)
    rows_cl = np.repeat(np.arange(1, len(ordered) + 1, dtype=np.int64),
                        [len(members) for members in ordered])
    return pa.table({"account": name_arr.take(from_numpy(rows_acc)),
                     "cluster": from_numpy(rows_cl)})
