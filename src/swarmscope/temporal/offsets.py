"""UTC offset inference and schedule classes from when accounts act.

Method
------
1. **Observations.** Each account's actions are binned into the 336 UTC half-hours of the week
   (:func:`~swarmscope.temporal.common.halfhour_bin_sql`), counting an account at most once per
   calendar half-hour: a burst of fifty retweets in ten minutes is one observation that someone
   was awake, not fifty (activity is bursty, and counting actions would make the fit far too
   sure of itself). ``n_slots`` is that count; ``n_actions`` the raw one.
2. **Templates.** Three weekly curves in local time (:mod:`swarmscope.temporal.curves`):
   ``leisure`` (the human circadian curve after Yasseri et al. 2012: sleep trough, daytime
   plateau, evening peak), ``job`` (office hours with a lunch dip, quiet weekends) and
   ``round-the-clock`` (flat).
3. **Fit.** For each rhythmic template and each candidate offset (-12..+14 h in half hours) the
   multinomial log-likelihood of the account's UTC bins under the template shifted to that
   offset -- the method Yasseri et al. (2012) used to place Wikipedia editors in time zones,
   applied to one account (or one cluster) instead of a whole language edition. Computed for
   all accounts at once as a matrix product of the ``accounts x 336`` counts with the
   ``336 x offsets`` shifted log templates.
4. **Schedule class.** Each class's evidence is its likelihood averaged over the offsets (a
   uniform prior over where the account lives), so the rhythmic classes pay for their free
   offset and a flat account is not forced into a time zone. The class with the highest
   evidence wins; ``schedule_confidence`` is its posterior probability (equal class priors).
5. **Offset and confidence.** The offset is the maximum-likelihood shift of the winning
   rhythmic class; ``confidence`` is the posterior probability that the true offset is within
   ``tolerance`` (1 h) of it. It grows with the sharpness of the fit and with the number of
   observations, and is what a reader should filter on.
6. **Undetermined.** Fewer than ``min_actions`` observations: no offset and no class
   (``status = 'undetermined'``, ``reason = 'too few actions'``). A round-the-clock account has
   a class but no offset (``reason = 'no daily rhythm'``).
7. **Clusters** (or any account groups): the members' observations are summed and fitted the
   same way. Besides, a cluster whose members share the ``job`` schedule in one offset is
   scored against the accounts outside any cluster: with ``d`` determined members of whom
   ``m`` are job-like within 1 h of a common offset ``o``, and ``p0`` the share of outside
   accounts that are job-like within 1 h of ``o``, ``schedule_p_value = P(Binomial(d, p0) >= m)``
   times the number of offsets tried (Bonferroni), ``schedule_score = -log10`` of it.

Daylight saving: a fixed offset fits a zone with daylight saving over a few months, but a year
of data blurs it by an hour. ``seasons=True`` also fits the northern summer (April-October) and
winter (November-March) separately (``utc_offset_summer``, ``utc_offset_winter``; a zone with
daylight saving shows ``+1`` in summer, the reverse in the southern hemisphere).
``zones=["Europe/Moscow", "America/New_York", ...]`` compares named IANA zones instead, each
action converted with its own date's offset (``zone_name``, ``zone_confidence``).

Parameters (of :func:`infer_offsets`): ``min_actions`` (20), ``tolerance`` (1.0 h), ``floor``
(0.02, the uniform share mixed into each template), ``seasons``, ``zones``, ``groups``.

Limits: an offset is the offset of the people's *habits*: night owls, shift workers and people
who post for an audience abroad are placed in the wrong zone by the hours they keep. Two
templates are a coarse model of human days; the fit is evidence to review, and the confidence
says how much the data support it, not how right the model is.

References: Yasseri T, Sumi R, Kertész J (2012) Circadian patterns of Wikipedia editorial
activity: a demographic analysis. PLoS ONE 7(1): e30091. Golder SA, Macy MW (2011) Diurnal and
seasonal mood vary with work, sleep, and daylength across diverse cultures. Science 333.
Kass RE, Raftery AE (1995) Bayes factors. JASA 90: 773-795 (class evidence).

Example::

    >>> import numpy as np
    >>> from swarmscope.temporal.curves import template
    >>> rng = np.random.default_rng(0)
    >>> local = rng.choice(336, size=400, p=template("job"))        # someone at work...
    >>> utc = (local - 6) % 336                                      # ...at UTC+3
    >>> counts = np.bincount(utc, minlength=336)[None, :]
    >>> fit = fit_offsets(counts)
    >>> float(fit["utc_offset"][0]), str(fit["schedule"][0]), bool(fit["confidence"][0] > 0.9)
    (3.0, 'job', True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import logsumexp
from scipy.stats import binom

from ..errors import UsageError
from .common import halfhour_bin_sql, membership_table, registered
from .curves import BINS, CLASSES, RHYTHMIC, offset_grid, shifted_log_templates, template

DEFAULT_MIN_ACTIONS = 20
DEFAULT_TOLERANCE = 1.0
SUMMER_MONTHS = (4, 5, 6, 7, 8, 9, 10)


def fit_offsets(counts: np.ndarray, min_actions: int = DEFAULT_MIN_ACTIONS,
                tolerance: float = DEFAULT_TOLERANCE, floor: float = 0.02,
                offsets: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Fit offsets and schedule classes to ``counts`` (``n x 336`` UTC half-hour observations).

    Returns arrays of length ``n``: ``utc_offset`` (NaN when undetermined), ``confidence``,
    ``schedule``, ``schedule_confidence``, ``status``, ``reason``, ``n_slots``, and the
    ``loglik`` matrix per rhythmic class (``n x len(offsets)``) for further use.
    """
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[1] != BINS:
        raise ValueError(f"counts must be n x {BINS}")
    grid = offset_grid() if offsets is None else np.asarray(offsets, dtype=float)
    n = counts.shape[0]
    n_slots = counts.sum(axis=1)
    ll = {c: counts @ shifted_log_templates(c, grid, floor).T for c in RHYTHMIC}
    flat = n_slots * np.log(1.0 / BINS)
    evidence = np.column_stack(
        [logsumexp(ll[c], axis=1) - np.log(len(grid)) for c in RHYTHMIC] + [flat])
    post_class = np.exp(evidence - logsumexp(evidence, axis=1, keepdims=True))
    best_class = evidence.argmax(axis=1)
    names = np.array(CLASSES, dtype=object)
    schedule = names[best_class]
    # Offset from the winning rhythmic class (for a flat winner: none).
    rhythmic_best = np.where(best_class < len(RHYTHMIC), best_class,
                             np.argmax(evidence[:, :len(RHYTHMIC)], axis=1))
    stacked = np.stack([ll[c] for c in RHYTHMIC])              # classes x n x offsets
    cls_ll = stacked[rhythmic_best, np.arange(n)]              # n x offsets
    j = cls_ll.argmax(axis=1)
    post = np.exp(cls_ll - logsumexp(cls_ll, axis=1, keepdims=True))
    near = np.abs(grid[None, :] - grid[j][:, None]) <= tolerance + 1e-9
    confidence = (post * near).sum(axis=1)
    offset = grid[j].astype(float)
    enough = n_slots >= max(1, min_actions)
    rhythm = best_class < len(RHYTHMIC)
    ok = enough & rhythm
    status = np.where(ok, "ok", "undetermined").astype(object)
    reason = np.where(~enough, "too few actions",
                      np.where(~rhythm, "no daily rhythm", "")).astype(object)
    return {
        "utc_offset": np.where(ok, offset, np.nan),
        "confidence": np.where(ok, confidence, 0.0),
        "schedule": np.where(enough, schedule, "undetermined").astype(object),
        "schedule_confidence": np.where(enough, post_class[np.arange(n), best_class], 0.0),
        "status": status,
        "reason": reason,
        "n_slots": n_slots.astype(np.int64),
        "loglik": ll,
        "grid": grid,
    }


# ------------------------------------------------------------------------------------------
# Observations from the case


def _dense(keys: pa.ChunkedArray, bins: np.ndarray, values: np.ndarray, ids: list[str]
           ) -> np.ndarray:
    rows = pc.index_in(keys, value_set=pa.array(ids, pa.string())).to_numpy(
        zero_copy_only=False).astype(np.int64)
    out = np.zeros((len(ids), BINS))
    np.add.at(out, (rows, bins.astype(np.int64)), values)
    return out


def observations(con: duckdb.DuckDBPyConnection, membership: pa.Table | None = None,
                 ts_sql: str = "ts", where: str = "true"
                 ) -> tuple[list[str], np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Half-hour observations per account and per group (``membership``: cluster, account).

    Returns ``(account_ids, account_counts, account_actions, group_ids, group_counts,
    group_actions)``; counts are ``n x 336`` arrays of distinct calendar half-hours.
    ``ts_sql`` is the time expression (``ts`` for UTC); ``where`` a fixed SQL filter.
    """
    bin_sql = halfhour_bin_sql("t")
    acc = con.sql(f"""
        SELECT account AS id, {bin_sql} AS bin, count(DISTINCT CAST(t AS DATE)) AS slots,
               count(*) AS actions
        FROM (SELECT account, {ts_sql} AS t FROM actions WHERE {where}) GROUP BY ALL
    """).to_arrow_table()
    a_ids = sorted(set(acc.column("id").to_pylist()))
    a_cnt = _dense(acc.column("id"), acc.column("bin").to_numpy(), acc.column("slots").to_numpy(),
                   a_ids)
    a_act = _dense(acc.column("id"), acc.column("bin").to_numpy(),
                   acc.column("actions").to_numpy(), a_ids).sum(axis=1)
    membership = membership if membership is not None else membership_table(None)
    if membership.num_rows == 0:
        return a_ids, a_cnt, a_act, [], np.zeros((0, BINS)), np.zeros(0)
    with registered(con, tmp_membership=membership):
        grp = con.sql(f"""
            SELECT m.cluster AS id, {bin_sql} AS bin,
                   count(DISTINCT (a.account, CAST(t AS DATE))) AS slots, count(*) AS actions
            FROM (SELECT account, {ts_sql} AS t FROM actions WHERE {where}) a
            JOIN (SELECT DISTINCT cluster, account FROM tmp_membership) m USING (account)
            GROUP BY ALL
        """).to_arrow_table()
    g_ids = sorted(set(membership.column("cluster").to_pylist()), key=_cluster_key)
    g_cnt = _dense(grp.column("id"), grp.column("bin").to_numpy(), grp.column("slots").to_numpy(),
                   g_ids)
    g_act = _dense(grp.column("id"), grp.column("bin").to_numpy(),
                   grp.column("actions").to_numpy(), g_ids).sum(axis=1)
    return a_ids, a_cnt, a_act, g_ids, g_cnt, g_act


def _cluster_key(c: str) -> tuple[int, int | str]:
    return (0, int(c)) if c.lstrip("-").isdigit() else (1, c)


# ------------------------------------------------------------------------------------------
# The offsets table


def infer_offsets(con: duckdb.DuckDBPyConnection, groups: Mapping[str, list[str]] | pa.Table |
                  None = None, min_actions: int = DEFAULT_MIN_ACTIONS,
                  tolerance: float = DEFAULT_TOLERANCE, floor: float = 0.02,
                  seasons: bool = False, zones: Sequence[str] | None = None) -> pa.Table:
    """The ``offsets`` result table for every account of the ``actions`` view of ``con`` and
    every group in ``groups`` (cluster id -> members, or a ``cluster, account`` table).

    Columns: ``scope`` ('account' | 'cluster'), ``id``, ``n_actions``, ``n_slots``,
    ``utc_offset``, ``confidence``, ``status``, ``schedule``, ``schedule_confidence``,
    ``reason``; for clusters also ``members``, ``members_determined``,
    ``members_job_same_offset``, ``job_offset``, ``baseline_share``, ``schedule_p_value``,
    ``schedule_score``; with ``seasons`` ``utc_offset_summer``/``_winter`` and their
    confidences; with ``zones`` ``zone_name`` and ``zone_confidence``.
    """
    membership = membership_table(groups)
    a_ids, a_cnt, a_act, g_ids, g_cnt, g_act = observations(con, membership)
    fa = fit_offsets(a_cnt, min_actions, tolerance, floor)
    fg = fit_offsets(g_cnt, min_actions, tolerance, floor)
    cols: dict[str, list[Any]] = {k: [] for k in (
        "scope", "id", "n_actions", "n_slots", "utc_offset", "confidence", "status", "schedule",
        "schedule_confidence", "reason")}

    def add(scope: str, ids: list[str], act: np.ndarray, fit: dict[str, np.ndarray]) -> None:
        cols["scope"] += [scope] * len(ids)
        cols["id"] += ids
        cols["n_actions"] += [int(x) for x in act]
        cols["n_slots"] += [int(x) for x in fit["n_slots"]]
        cols["utc_offset"] += [None if np.isnan(x) else float(x) for x in fit["utc_offset"]]
        cols["confidence"] += [round(float(x), 4) for x in fit["confidence"]]
        cols["status"] += list(fit["status"])
        cols["schedule"] += list(fit["schedule"])
        cols["schedule_confidence"] += [round(float(x), 4) for x in fit["schedule_confidence"]]
        cols["reason"] += list(fit["reason"])

    add("account", a_ids, a_act, fa)
    add("cluster", g_ids, g_act, fg)
    table = pa.table({
        "scope": pa.array(cols["scope"], pa.string()), "id": pa.array(cols["id"], pa.string()),
        "n_actions": pa.array(cols["n_actions"], pa.int64()),
        "n_slots": pa.array(cols["n_slots"], pa.int64()),
        "utc_offset": pa.array(cols["utc_offset"], pa.float64()),
        "confidence": pa.array(cols["confidence"], pa.float64()),
        "status": pa.array(cols["status"], pa.string()),
        "schedule": pa.array(cols["schedule"], pa.string()),
        "schedule_confidence": pa.array(cols["schedule_confidence"], pa.float64()),
        "reason": pa.array(cols["reason"], pa.string()),
    })
    table = _add_cluster_schedule_scores(table, membership, a_ids, fa, g_ids)
    if seasons:
        table = _add_seasons(con, table, membership, min_actions, tolerance, floor)
    if zones:
        table = _add_zones(con, table, membership, list(zones), min_actions, floor)
    return table


def _add_cluster_schedule_scores(table: pa.Table, membership: pa.Table, a_ids: list[str],
                                 fa: dict[str, np.ndarray], g_ids: list[str]) -> pa.Table:
    n_acc, n_grp = len(a_ids), len(g_ids)
    members = [None] * n_acc
    det = [None] * n_acc
    same = [None] * n_acc
    job_off: list[float | None] = [None] * n_acc
    base: list[float | None] = [None] * n_acc
    pval: list[float | None] = [None] * n_acc
    score: list[float | None] = [None] * n_acc
    pos = {a: i for i, a in enumerate(a_ids)}
    by_group: dict[str, set[int]] = {}
    for c, a in zip(membership.column("cluster").to_pylist(), membership.column("account").to_pylist(),
                    strict=True):
        if a in pos:
            by_group.setdefault(c, set()).add(pos[a])
    in_any = set().union(*by_group.values()) if by_group else set()
    ok = fa["status"] == "ok"
    job = ok & (fa["schedule"] == "job")
    off = fa["utc_offset"]
    outside = np.array([i not in in_any for i in range(n_acc)], dtype=bool) & ok
    n_out = int(outside.sum())
    grid = fa["grid"]
    for g in g_ids:
        idx = np.array(sorted(by_group.get(g, set())), dtype=np.int64)
        members.append(len(idx))
        d = int(ok[idx].sum()) if len(idx) else 0
        det.append(d)
        jidx = idx[job[idx]] if len(idx) else idx
        if len(jidx) == 0 or d == 0:
            same.append(0)
            for lst in (job_off, base, pval, score):
                lst.append(None)
            continue
        within = np.abs(off[jidx][:, None] - grid[None, :]) <= 1.0 + 1e-9
        m_per = within.sum(axis=0)
        o = int(m_per.argmax())
        m = int(m_per[o])
        near = outside & job & (np.abs(np.nan_to_num(off, nan=99.0) - grid[o]) <= 1.0 + 1e-9)
        p0 = (int(near.sum()) + 1) / (n_out + 2)
        tried = len(np.unique(off[jidx]))
        p = float(min(1.0, binom.sf(m - 1, d, p0) * tried))
        same.append(m)
        job_off.append(float(grid[o]))
        base.append(round(p0, 5))
        pval.append(p)
        score.append(round(float(-np.log10(max(p, 1e-300))), 3))
    assert len(members) == n_acc + n_grp
    return (table
            .append_column("members", pa.array(members, pa.int64()))
            .append_column("members_determined", pa.array(det, pa.int64()))
            .append_column("members_job_same_offset", pa.array(same, pa.int64()))
            .append_column("job_offset", pa.array(job_off, pa.float64()))
            .append_column("baseline_share", pa.array(base, pa.float64()))
            .append_column("schedule_p_value", pa.array(pval, pa.float64()))
            .append_column("schedule_score", pa.array(score, pa.float64())))


def _season_fit(con: duckdb.DuckDBPyConnection, membership: pa.Table, summer: bool,
                min_actions: int, tolerance: float, floor: float
                ) -> tuple[dict[str, tuple[float | None, float]], dict[str, tuple[float | None, float]]]:
    months = ", ".join(str(m) for m in SUMMER_MONTHS)
    where = f"month(ts) {'IN' if summer else 'NOT IN'} ({months})"
    a_ids, a_cnt, _, g_ids, g_cnt, _ = observations(con, membership, where=where)
    out = []
    for ids, cnt in ((a_ids, a_cnt), (g_ids, g_cnt)):
        fit = fit_offsets(cnt, min_actions, tolerance, floor)
        out.append({i: (None if np.isnan(o) else float(o), round(float(c), 4))
                    for i, o, c in zip(ids, fit["utc_offset"], fit["confidence"], strict=True)})
    return out[0], out[1]


def _add_seasons(con: duckdb.DuckDBPyConnection, table: pa.Table, membership: pa.Table,
                 min_actions: int, tolerance: float, floor: float) -> pa.Table:
    scopes = table.column("scope").to_pylist()
    ids = table.column("id").to_pylist()
    for name, summer in (("summer", True), ("winter", False)):
        acc, grp = _season_fit(con, membership, summer, min_actions, tolerance, floor)
        vals = [(acc if s == "account" else grp).get(i, (None, 0.0)) for s, i in
                zip(scopes, ids, strict=True)]
        table = table.append_column(f"utc_offset_{name}", pa.array([v[0] for v in vals],
                                                                     pa.float64()))
        table = table.append_column(f"confidence_{name}", pa.array([v[1] for v in vals],
                                                                    pa.float64()))
    return table


def check_zones(zones: Sequence[str]) -> list[str]:
    """Validate IANA zone names (a clear error instead of a SQL one)."""
    out = []
    for z in zones:
        try:
            ZoneInfo(z)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise UsageError(f"unknown time zone {z!r} (use IANA names such as "
                             f"Europe/Moscow or America/New_York)") from exc
        out.append(z)
    return out


def _add_zones(con: duckdb.DuckDBPyConnection, table: pa.Table, membership: pa.Table,
               zones: list[str], min_actions: int, floor: float) -> pa.Table:
    """Best named zone per row: each action converted with its own date's offset, the
    templates compared unshifted; the zone posterior uses the best class per zone."""
    zones = check_zones(zones)
    logt = np.stack([np.log(template(c, floor)) for c in RHYTHMIC])     # classes x 336
    results: dict[tuple[str, str], np.ndarray] = {}
    ids_by_scope: dict[str, list[str]] = {}
    for z in zones:
        with registered(con, tmp_zone=pa.table({"zone": [z]})):
            ts_sql = "timezone((SELECT zone FROM tmp_zone), ts)"
            a_ids, a_cnt, _, g_ids, g_cnt, _ = observations(con, membership, ts_sql=ts_sql)
        for scope, ids, cnt in (("account", a_ids, a_cnt), ("cluster", g_ids, g_cnt)):
            ids_by_scope[scope] = ids
            ll = cnt @ logt.T                                            # n x classes
            results[(scope, z)] = ll.max(axis=1)
    scopes = table.column("scope").to_pylist()
    row_ids = table.column("id").to_pylist()
    status = table.column("n_slots").to_numpy()
    names: list[str | None] = []
    conf: list[float] = []
    pos = {s: {i: k for k, i in enumerate(ids_by_scope.get(s, []))} for s in ("account", "cluster")}
    for s, i, n in zip(scopes, row_ids, status, strict=True):
        k = pos[s].get(i)
        if k is None or n < min_actions:
            names.append(None)
            conf.append(0.0)
            continue
        lls = np.array([results[(s, z)][k] for z in zones])
        p = np.exp(lls - logsumexp(lls))
        names.append(zones[int(p.argmax())])
        conf.append(round(float(p.max()), 4))
    return (table.append_column("zone_name", pa.array(names, pa.string()))
            .append_column("zone_confidence", pa.array(conf, pa.float64())))
