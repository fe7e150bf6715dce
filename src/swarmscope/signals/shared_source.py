"""The shared-source null: co-action explained by following the same source.

Two fans of one celebrity both repost most of the celebrity's posts within minutes; two news
aggregator bots both repost every post of the outlets they follow. Their co-action is real and,
against a random-partner null (:mod:`swarmscope.signals.significance`), very significant, yet it
is explained by a common cause, not by coordination: each account independently follows the
source. Real coordination picks the *same items*, at the same time, more often than the
accounts' taste for each source explains.

Method
------
Where a behaviour knows the *source* of its objects (the author of a reposted or replied-to post;
the earliest poster of a copied text or link; see ``Behaviour.sources`` and ``authored`` in
:mod:`swarmscope.behaviours`), let ``n_s`` be the number of items source ``s`` has in the case
(its posts, or the texts it posted) and ``A_s`` the items of ``s`` that account ``a`` acted on
(at any time). Under the null, ``a`` and ``b`` pick their items of each source independently,
each with its own taste for that source. The taste is judged *leave-one-out*: on the source's
other items, so that the shared item does not explain itself (an author with one post, reposted
by a ring, is evidence of nothing). The expected number of items of known source the two both
acted on is then

    lambda_source(a, b) = sum_s (|A_s| - 1) * (|B_s| - 1) / (n_s - 1)     (sources with n_s > 1)

Co-acting on an item within the window requires acting on it at all, so the observed
``k_known`` (shared objects of known source that the pair co-acted on within the window) is at
most the intersection this counts, and the Poisson tail ``P(X >= k_known)`` is conservative.
Objects whose source is not in the case (a reposted post collected without its original,
hashtags) are not explained by any source: they keep the random-partner expectation, pro rata.
With ``k`` shared objects of which ``k_known`` have a usable source,

    expected_source = lambda_source + lambda_random * (k - k_known) / k
    p_source = P(X >= k),  X ~ Poisson(expected_source)

A source is an explanation only if it is independent of the pair: a source that itself acts on
items of ``a`` or of ``b`` (farm members copy each other's texts, a ring reposts its own
members) follows them back, and its items are counted with the objects of unknown source, as
are the items of ``a`` and ``b`` themselves. Fans do not hear back from their idol, nor bots
from the outlet they copy.

A pair is evidence of coordination only if it rejects *both* explanations: its p-value is
``max(p_random, p_source)`` (an intersection-union test, Berger 1982, valid at the level of each
test). For a ring that reposts one post each of many different authors ``|A_s| = |B_s| = 1`` and
``lambda_source`` is 0; for two fans ``|A_s|`` and ``|B_s|`` are most of the idol's ``n_s``
posts and ``lambda_source`` is about the number of posts they share.

Limitations: a group that amplifies *every* post of one account or every article of one site
looks exactly like that account's followers or that site's feed readers and is explained away
here; its pairs keep ``p_random`` in the edges table, so a reviewer can still list them (filter
on ``p_random``). Texts have no source: the first poster of a copied text is an artefact of
timing, not the text's origin.

References
----------
- Berger (1982), *Multiparameter hypothesis testing and acceptance sampling*, Technometrics
  24(4): intersection-union tests.
- Pacheco et al. (2021), *Uncovering coordinated networks on social media*, ICWSM: co-action
  networks need care with popular sources and automated news accounts.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..arrowbuf import from_numpy, to_numpy
from ..engines import Engine


def source_expectation(eng: Engine, sources_sql: str, pairs: str = "pairs",
                       events: str = "events", ev: str = "ev") -> tuple[pa.Table, pa.Table]:
    """For the tested pairs in ``pairs``: ``a_id, b_id, expected_known`` (``lambda_source`` over
    the objects of a usable source) and ``a_id, b_id, k_known`` (how many of the pair's
    co-acted objects have one); pairs without a usable source are absent from both.

    ``sources_sql`` selects ``object, source, ts``: who published which item when (each
    source's catalogue; an object's source is its earliest publisher); ``ev`` holds ``oid, aid``
    per action and ``obj_ids`` names objects.
    """
    eng.create_table("src_catalogue", f"""
        SELECT object, source, min(ts) AS ts FROM ({sources_sql}) AS c
        WHERE object IS NOT NULL AND source IS NOT NULL GROUP BY object, source
    """)
    # The source of each behaviour object: its earliest publisher in the case.
    eng.create_table("obj_src", """
        SELECT oid, source FROM (
            SELECT o.oid, c.source,
                   row_number() OVER (PARTITION BY o.oid ORDER BY c.ts, c.source) AS nth
            FROM obj_ids o JOIN src_catalogue c ON c.object = o.object
        ) AS f WHERE nth = 1
    """)
    eng.create_table("src_size", """
        SELECT source, count(*) AS n_s FROM src_catalogue
        WHERE source IN (SELECT source FROM obj_src) GROUP BY source
    """)
    # How many items of each source an account acted on: for the tested accounts, and for the
    # sources themselves (to see whether a source follows the pair back).
    eng.create_table("acc_src", f"""
        SELECT e.aid, s.source, count(DISTINCT e.oid) AS n_as
        FROM {ev} e JOIN obj_src s ON s.oid = e.oid
        WHERE e.aid IN (SELECT a_id FROM {pairs} UNION SELECT b_id FROM {pairs})
           OR e.aid IN (SELECT i.aid FROM acc_ids i JOIN src_size z ON z.source = i.account)
        GROUP BY e.aid, s.source
    """)
    eng.create_table("follows", """
        SELECT i.account AS follower, f.source FROM acc_src f JOIN acc_ids i ON i.aid = f.aid
    """)
    # Integer parts per pair and source; the division and the sum run on the driver in a fixed
    # order, so both engines give bit-identical expectations.
    eng.create_table("pair_src", f"""
        SELECT p.a_id, p.b_id, sa.source, (sa.n_as - 1) * (sb.n_as - 1) AS num, z.n_s - 1 AS den
        FROM (SELECT a, b, a_id, b_id FROM {pairs}) AS p
        JOIN acc_src sa ON sa.aid = p.a_id
        JOIN acc_src sb ON sb.aid = p.b_id AND sb.source = sa.source
        JOIN src_size z ON z.source = sa.source AND z.n_s > 1
        LEFT JOIN follows fa ON fa.follower = sa.source AND fa.source = p.a
        LEFT JOIN follows fb ON fb.follower = sa.source AND fb.source = p.b
        WHERE fa.follower IS NULL AND fb.follower IS NULL
          AND sa.source <> p.a AND sa.source <> p.b
    """)
    parts = eng.table("SELECT a_id, b_id, num, den FROM pair_src ORDER BY a_id, b_id, source")
    known = eng.table(f"""
        SELECT ps.a_id, ps.b_id, count(DISTINCT e.oid) AS k_known
        FROM {events} e
        JOIN obj_src s ON s.oid = e.oid
        JOIN pair_src ps ON ps.a_id = least(e.ax, e.ay) AND ps.b_id = greatest(e.ax, e.ay)
                        AND ps.source = s.source
        GROUP BY ps.a_id, ps.b_id
    """)
    eng.drop("src_catalogue", "obj_src", "src_size", "acc_src", "follows", "pair_src")
    return _sum_by_pair(parts), known


def _sum_by_pair(parts: pa.Table) -> pa.Table:
    """``a_id, b_id, expected_known``: the sum of ``num / den`` per pair, rows already sorted."""
    if not parts.num_rows:
        return pa.table({"a_id": pa.nulls(0, pa.int64()), "b_id": pa.nulls(0, pa.int64()),
                         "expected_known": pa.nulls(0, pa.float64())})
    a = to_numpy(parts.column("a_id")).astype(np.int64)
    b = to_numpy(parts.column("b_id")).astype(np.int64)
    lam = to_numpy(parts.column("num")).astype(np.float64) / to_numpy(parts.column("den"))
    starts = np.flatnonzero(np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])])
    return pa.table({"a_id": from_numpy(a[starts]), "b_id": from_numpy(b[starts]),
                     "expected_known": from_numpy(np.add.reduceat(lam, starts))})
