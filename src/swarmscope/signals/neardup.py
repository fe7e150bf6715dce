"""Near-duplicate text: MinHash signatures, LSH banding and text families, inside DuckDB.

Copy-paste farms vary their messages a little (a word swapped or appended) so that exact matching
(the ``text`` behaviour) misses them. This module groups near-identical texts into *families*;
the ``neartext`` behaviour then treats a family as the object, so the windowed co-action engine
and its significance model apply unchanged.

Method
------
1. Texts are normalised as for the ``text`` behaviour (:mod:`swarmscope.text`); exact duplicates
   collapse to one distinct text (so a slogan posted 10,000 times is hashed once).
2. Each distinct text becomes the set of its word bigrams (unigrams for one-word texts).
3. MinHash (Broder 1997): ``K`` hash functions ``h_k(s) = hash(s, k)``; the signature is the
   minimum of each over the shingle set. Two texts agree on a position with probability equal to
   the Jaccard similarity of their shingle sets.
4. LSH banding (Indyk & Motwani 1998; Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*
   ch. 3): the signature is cut into ``bands`` bands of ``K / bands`` rows; texts whose band
   hashes agree in any band are candidates. Candidates are verified: the share of agreeing
   signature positions (the MinHash Jaccard estimate) must reach ``threshold``.
5. Families are the connected components of verified pairs (igraph). Buckets with more than
   ``max_bucket`` distinct texts (templates shared by thousands of different messages) are not
   expanded and are reported.

Parameters: ``num_perm`` (K, default 24), ``bands`` (default 8 bands of 3 rows: a pair with
Jaccard 0.5 becomes a candidate with probability 0.66, one with 0.6 with 0.86, 0.8 with 0.99),
``threshold`` (default 0.5 on word bigrams: two copies of a 15-word message that each changed one
word and appended another still pass), ``max_bucket`` (default 500).

Everything except the component labelling is SQL; the family table is published as the case
table ``text_families`` (``text_key``, ``family``, ``family_size``).
"""

from __future__ import annotations

import igraph as ig
import numpy as np
import pyarrow as pa

from ..arrowbuf import from_numpy, to_numpy
from ..case import Case
from ..text import normalized_text_sql


def text_families(case: Case, num_perm: int = 24, bands: int = 8, threshold: float = 0.5,
                  max_bucket: int = 500) -> tuple[pa.Table, dict[str, int]]:
    """Compute near-duplicate text families of the case's own posts (not reposts)."""
    if num_perm % bands:
        raise ValueError("num_perm must be a multiple of bands")
    rows = num_perm // bands
    con = case.connect()
    norm = normalized_text_sql("text")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE nd_texts AS
        SELECT text_key, any_value({norm}) AS norm
        FROM actions
        WHERE text_key IS NOT NULL AND kind IN ('post', 'reply', 'quote', 'comment')
        GROUP BY text_key
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE nd_sig AS
        SELECT text_key,
               list_transform(range({num_perm}), lambda k:
                   list_min(list_transform(hs, lambda h: hash(h, k)))) AS sig
        FROM (
            SELECT text_key,
                   CASE WHEN len(w) < 2 THEN list_transform(w, lambda x: hash(x))
                        ELSE list_distinct(list_transform(range(1, len(w)),
                             lambda i: hash(w[i] || ' ' || w[i + 1]))) END AS hs
            FROM (SELECT text_key, string_split(norm, ' ') AS w FROM nd_texts)
        ) WHERE len(hs) > 0
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE nd_bands AS
        SELECT text_key, b, hash(sig[b * {rows} + 1 : (b + 1) * {rows}]) AS band
        FROM (SELECT text_key, sig, unnest(range({bands})) AS b FROM nd_sig)
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE nd_buckets AS
        SELECT b, band, list(text_key ORDER BY text_key) AS keys, count(*) AS n
        FROM nd_bands GROUP BY b, band HAVING count(*) > 1
    """)
    skipped = con.execute(f"SELECT count(*) FROM nd_buckets WHERE n > {int(max_bucket)}").fetchall()[0][0]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE nd_cand AS
        SELECT DISTINCT k1, k2 FROM (
            SELECT keys[i] AS k1, unnest(keys[i + 1:]) AS k2
            FROM (SELECT keys, unnest(range(1, n)) AS i FROM nd_buckets WHERE n <= {int(max_bucket)})
        )
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE nd_verified AS
        SELECT c.k1, c.k2 FROM nd_cand c
        JOIN nd_sig s1 ON s1.text_key = c.k1 JOIN nd_sig s2 ON s2.text_key = c.k2
        WHERE len(list_filter(range(1, {num_perm} + 1), lambda i: s1.sig[i] = s2.sig[i]))
              >= {float(threshold)} * {num_perm}
    """)
    # Vertices numbered in text-key order; igraph labels the components, SQL does the rest.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE nd_vertices AS
        SELECT text_key, row_number() OVER (ORDER BY text_key) - 1 AS v
        FROM (SELECT k1 AS text_key FROM nd_verified UNION SELECT k2 FROM nd_verified) AS u
    """)
    ends = con.sql("""
        SELECT a.v AS va, b.v AS vb FROM nd_verified e
        JOIN nd_vertices a ON a.text_key = e.k1 JOIN nd_vertices b ON b.text_key = e.k2
    """).to_arrow_table()
    n_vertices = con.execute("SELECT count(*) FROM nd_vertices").fetchall()[0][0]
    edge_list = np.column_stack([to_numpy(ends.column("va")), to_numpy(ends.column("vb"))])
    g = ig.Graph(n=n_vertices, edges=edge_list)
    membership = np.asarray(g.connected_components().membership, np.int64)
    con.register("nd_membership", pa.table({
        "v": from_numpy(np.arange(n_vertices, dtype=np.int64)),
        "component": from_numpy(membership)}))
    # Family id: the smallest text key of the component, stable across runs.
    fam = con.sql("""
        SELECT text_key, min(text_key) OVER (PARTITION BY component) AS family,
               count(*) OVER (PARTITION BY component) AS family_size
        FROM nd_vertices JOIN nd_membership USING (v)
        ORDER BY text_key
    """).to_arrow_table()
    con.unregister("nd_membership")
    n_families = int(membership.max()) + 1 if len(membership) else 0
    stats = {
        "distinct_texts": con.execute("SELECT count(*) FROM nd_texts").fetchall()[0][0],
        "candidate_pairs": con.execute("SELECT count(*) FROM nd_cand").fetchall()[0][0],
        "verified_pairs": ends.num_rows,
        "families": n_families,
        "texts_in_families": fam.num_rows,
        "buckets_skipped": skipped,
    }
    return fam, stats
