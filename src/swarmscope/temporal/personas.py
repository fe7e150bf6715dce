"""Team-run personas: one account, several people working it in shifts.

A persona run by a team shows three things a single person rarely does together:

1. **Coverage**: activity across more hours of the day than one person sustains, day after
   day. ``active_hours`` counts the hours of the day (UTC) in which the account acted on at
   least ``day_share`` (20%) of its active days; a person's waking day rarely gives more than
   about 14-16 such hours, and most accounts far fewer.
2. **Hand-over**: the day splits into blocks at fixed hours (shift boundaries), activity
   continuing across the boundary.
3. **Style shift**: the writing changes at the boundary, because different people write each
   block (punctuation, capitalisation, filler words, emoji).

Method (per candidate account: ``min_texts`` own texts, ``active_hours >= min_active_hours``):

- Texts (posts, replies, quotes, comments, edit summaries: not reposts) lose URLs and
  ``@mentions`` (they name targets, not writers) and become character 3-gram profiles, with
  the padding spaces that mark word starts and ends (Kešelj et al. 2003; Stamatatos 2009 on
  character n-grams as the most robust style features). The ``max_features`` most frequent
  grams of the account are kept. The n-gram extraction runs in SQL.
- For every split of the day into two blocks of whole UTC hours, ``[b1, b2)`` and the rest
  (276 splits, both blocks holding at least ``min_block_texts`` texts), the chi-square
  distance between the two blocks' gram profiles (each gram weighted by the inverse of its
  frequency in the account, as in correspondence analysis, so rare markers such as ``!!`` or
  an emoji count as much as common letters). All splits come from one 25 x 25 Gram matrix of
  cumulative hour profiles.
- The same distances with the texts' hours permuted (``permutations`` times, keeping each
  hour's number of texts) give each split's null mean; the split with the largest excess
  distance over its null mean is the best, and ``style_z`` standardises that excess against
  the permutation distribution of the maximum excess over all splits, so that searching 276
  splits does not manufacture a shift (``style_p``: the permutation p-value).
  ``style_shift`` is the Hellinger distance (0 = same profile, 1 = disjoint) between the two
  blocks of the best split.
- ``blocks`` is 2 when ``style_z >= min_style_z``, else 1; ``handover_utc`` lists the split's
  boundary hours that fall inside the active day (activity in the hour before and after).
- ``score = max(0, style_z) * min(1, active_hours / min_active_hours)``; ``flagged`` when
  ``blocks == 2``, at least one hand-over is inside the active day and ``active_hours >=
  min_active_hours``. ``markers`` gives the grams most over-represented in each block, for the
  evidence text.

Parameters: ``min_texts`` (60), ``min_active_hours`` (12), ``day_share`` (0.2),
``max_texts`` (400: a larger account is represented by a fixed pseudo-random sample of its
texts, which keeps the cost per account bounded), ``max_features`` (400), ``permutations`` (49), ``min_block_texts`` (15), ``min_style_z`` (6.0),
``seed`` (fixed, so results repeat).

Limits: topic can drift with the hour (news in the morning, sport at night) and character
3-grams see topic words too, so a style shift on its own is a lead, not proof; three or more
shifts are found as their strongest two-block split; a team that shares one style guide (or an
account that copies texts) shows no shift.

References:

- Kešelj V, Peng F, Cercone N, Thomas C (2003). N-gram-based author profiles for authorship
  attribution. PACLING'03: 255-264.
- Stamatatos E (2009). A survey of modern authorship attribution methods. JASIST 60(3):
  538-556.
- Linvill DL, Warren PL (2020). Troll factories: manufacturing specialized disinformation on
  Twitter. Political Communication 37(4): 447-467 (IRA accounts worked in shifts).

Example::

    >>> import numpy as np
    >>> hours = np.repeat(np.arange(8, 22), 10)                       # 14 h, 10 texts each
    >>> texts = ["this is fine..." if h < 15 else "This is FINE!!" for h in hours]
    >>> r = style_split(texts, hours, permutations=19, seed=1)
    >>> r["boundaries"], bool(r["style_z"] > 6)
    ((8, 15), True)
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from .common import registered

DEFAULT_MIN_TEXTS = 60
DEFAULT_MIN_ACTIVE_HOURS = 12
TEXT_KINDS = ("post", "reply", "quote", "comment", "edit", "revert")

_CLEAN = ("regexp_replace(regexp_replace(text, 'https?://[^\\s]+', '', 'g'), "
          "'@[^\\s]+', '', 'g')")

RESULT_SCHEMA = pa.schema([
    ("account", pa.string()), ("score", pa.float64()), ("flagged", pa.bool_()),
    ("active_hours", pa.int64()), ("blocks", pa.int64()), ("style_shift", pa.float64()),
    ("style_z", pa.float64()), ("style_p", pa.float64()), ("handover_utc", pa.list_(pa.int64())),
    ("block_utc", pa.list_(pa.string())), ("block_texts", pa.list_(pa.int64())),
    ("markers", pa.list_(pa.string())), ("n_texts", pa.int64()), ("active_days", pa.int64()),
    ("evidence", pa.string()),
])


def _grams(texts: list[str], n: int = 3) -> list[list[str]]:
    out = []
    for t in texts:
        s = f" {t} "
        out.append([s[i:i + n] for i in range(max(0, len(s) - n + 1))])
    return out


def _splits() -> np.ndarray:
    return np.array([(a, b) for a in range(24) for b in range(a + 1, 24)], dtype=np.int64)


def _per_hour(coo: sparse.coo_matrix, hours: np.ndarray) -> np.ndarray:
    """Gram counts per hour of day, ``P x 24 x V`` for ``P`` hour assignments (``P x n``):
    one ``bincount`` over the non-zero entries."""
    hours = np.atleast_2d(hours)
    p, v = hours.shape[0], coo.shape[1]
    idx = (np.arange(p)[:, None] * 24 + hours[:, coo.row]) * v + coo.col[None, :]
    flat = np.bincount(idx.ravel(), weights=np.tile(coo.data, p), minlength=p * 24 * v)
    return flat.reshape(p, 24, v)


def _chi2_splits(per_hour: np.ndarray, scale: np.ndarray, splits: np.ndarray) -> np.ndarray:
    """Chi-square distance between the gram profiles of inner and outer block, every split
    (``P x S`` for ``P x 24 x V`` hour profiles).

    All splits at once from the 25 x 25 Gram matrix of cumulative (scaled) hour profiles:
    block sums are differences of cumulative rows, so their dot products are sums of Gram
    entries (O(25^2 V) per hour assignment instead of O(276 V)).
    """
    p = per_hour.shape[0]
    cum = np.concatenate([np.zeros((p, 1, per_hour.shape[2])), np.cumsum(per_hour, axis=1)],
                         axis=1)
    y = cum * scale[None, None, :]
    g = y @ y.transpose(0, 2, 1)                                        # P x 25 x 25
    n = cum.sum(axis=2)                                                 # P x 25
    a, b = splits[:, 0], splits[:, 1]
    ii = g[:, b, b] - 2 * g[:, a, b] + g[:, a, a]                       # |inner|^2
    it = g[:, b, 24] - g[:, a, 24]                                      # inner . total
    tt = g[:, 24, 24][:, None]
    n_in = n[:, b] - n[:, a]
    n_out = n[:, 24][:, None] - n_in
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = (ii / n_in**2 + (tt - 2 * it + ii) / n_out**2 - 2 * (it - ii) / (n_in * n_out))
    return np.sqrt(np.maximum(np.nan_to_num(d2, nan=0.0, posinf=0.0), 0.0))


def _hellinger(p: np.ndarray, q: np.ndarray) -> float:
    p = p / max(p.sum(), 1e-12)
    q = q / max(q.sum(), 1e-12)
    return float(np.sqrt(max(0.0, 1.0 - np.sqrt(p * q).sum())))


def style_split_matrix(docs: sparse.csr_matrix, hours: np.ndarray, permutations: int = 49,
                       min_block_texts: int = 15, seed: int = 0) -> dict[str, Any]:
    """Best two-block split of the day by style, from a ``texts x grams`` count matrix."""
    hours = np.asarray(hours, dtype=np.int64)
    n = len(hours)
    splits = _splits()
    counts = np.bincount(hours, minlength=24)
    ccum = np.concatenate([[0], np.cumsum(counts)])
    n_inner = ccum[splits[:, 1]] - ccum[splits[:, 0]]
    valid = (n_inner >= min_block_texts) & (n - n_inner >= min_block_texts)
    empty = {"style_shift": None, "style_z": None, "style_p": None, "boundaries": None,
             "inner_texts": None}
    if not valid.any():
        return empty
    docs = sparse.coo_matrix(docs, dtype=np.float64)
    per_hour = _per_hour(docs, hours)[0]
    freq = per_hour.sum(axis=0)
    scale = 1.0 / np.sqrt(np.maximum(freq / max(freq.sum(), 1e-12), 1e-12))
    d_obs = _chi2_splits(per_hour[None], scale, splits)[0]
    rng = np.random.default_rng(seed)
    perms = np.stack([rng.permutation(hours) for _ in range(permutations)])
    null = np.concatenate([_chi2_splits(_per_hour(docs, chunk), scale, splits)
                           for chunk in np.array_split(perms, max(1, permutations // 10))])
    # Excess over each split's own null mean (small blocks are noisier, so their distances are
    # larger by chance); the maximum excess is then compared with its permutation distribution.
    mu = null.mean(axis=0)
    z_obs = np.where(valid, d_obs - mu, -np.inf)
    z_null = np.where(valid[None, :], null - mu, -np.inf).max(axis=1)
    best = int(np.argmax(z_obs))
    zmax = float(z_obs[best])
    # Hours without texts do not change a split: report each block as starting at its first
    # hour with texts, i.e. at the hand-over or at the start of the active day.
    a, b = int(splits[best, 0]), int(splits[best, 1])
    while counts[a] == 0 and a + 1 < b:
        a += 1
    b0 = b
    while counts[b % 24] == 0 and (b + 1) % 24 != a and b + 1 - b0 < 24:
        b += 1
    b %= 24
    style_z = (zmax - z_null.mean()) / (z_null.std() + 1e-9)
    p = (1 + int((z_null >= zmax).sum())) / (permutations + 1)
    inner = _in_block(np.arange(24), a, b)
    shift = _hellinger(per_hour[inner].sum(axis=0), per_hour[~inner].sum(axis=0))
    return {"style_shift": shift, "style_z": float(style_z), "style_p": float(p),
            "boundaries": (a, b),
            "inner_texts": int(n_inner[best])}


def style_split(texts: list[str], hours: np.ndarray, permutations: int = 49,
                min_block_texts: int = 15, seed: int = 0, max_features: int = 400
                ) -> dict[str, Any]:
    """:func:`style_split_matrix` from raw texts (small inputs, examples and tests)."""
    grams = _grams(texts)
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, gs in enumerate(grams):
        for g in gs:
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
    m = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(vocab)))
    keep = np.argsort(-np.asarray(m.sum(axis=0)).ravel())[:max_features]
    return style_split_matrix(m[:, keep].tocsr(), hours, permutations, min_block_texts, seed)


def _active_hours(con: duckdb.DuckDBPyConnection, min_actions: int, day_share: float
                  ) -> pa.Table:
    return con.sql(f"""
        WITH slots AS (
            SELECT account, CAST(ts AS DATE) AS d, hour(ts) AS h FROM actions GROUP BY ALL
        ),
        days AS (SELECT account, count(DISTINCT d) AS active_days FROM slots GROUP BY account),
        per_hour AS (SELECT account, h, count(*) AS days_in_hour FROM slots GROUP BY ALL),
        n AS (SELECT account, count(*) AS n_actions FROM actions GROUP BY account)
        SELECT p.account, any_value(d.active_days) AS active_days,
               count(*) FILTER (WHERE p.days_in_hour >= {float(day_share)} * d.active_days)
                   AS active_hours,
               list(p.h ORDER BY p.h) FILTER (WHERE p.days_in_hour >= {float(day_share)}
                                                * d.active_days) AS hours
        FROM per_hour p JOIN days d USING (account) JOIN n USING (account)
        WHERE n.n_actions >= {int(min_actions)}
        GROUP BY p.account
    """).to_arrow_table()


def _in_block(hours: np.ndarray, a: int, b: int) -> np.ndarray:
    """Membership of the circular hour block ``[a, b)``."""
    return (hours >= a) & (hours < b) if a < b else (hours >= a) | (hours < b)


def _clock(hours: float) -> str:
    """``HH:MM`` of a (possibly fractional) hour of the day."""
    minutes = int(round((hours % 24) * 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _block_label(a: int, b: int) -> str:
    return f"{a:02d}-{b:02d}"


def _markers(docs: sparse.csr_matrix, vocab: np.ndarray, inner: np.ndarray, top: int = 4
             ) -> tuple[list[str], list[str]]:
    pi = np.asarray(docs[inner].sum(axis=0)).ravel()
    po = np.asarray(docs[~inner].sum(axis=0)).ravel()
    fi = pi / max(pi.sum(), 1)
    fo = po / max(po.sum(), 1)
    diff = fi - fo
    return ([str(vocab[i]) for i in np.argsort(-diff)[:top] if diff[i] > 0],
            [str(vocab[i]) for i in np.argsort(diff)[:top] if diff[i] < 0])


def score_personas(con: duckdb.DuckDBPyConnection, offsets: pa.Table | None = None,
                   min_texts: int = DEFAULT_MIN_TEXTS,
                   min_active_hours: int = DEFAULT_MIN_ACTIVE_HOURS, day_share: float = 0.2,
                   max_features: int = 400, permutations: int = 49, min_block_texts: int = 15,
                   min_style_z: float = 6.0, seed: int = 0, max_texts: int = 400) -> pa.Table:
    """The ``personas`` result table for the ``actions`` view of ``con`` (one row per account
    with at least ``min_texts`` own texts; see the module docstring)."""
    hours_tbl = _active_hours(con, min_texts, day_share)
    kinds = pa.table({"kind": list(TEXT_KINDS)})
    with registered(con, tmp_p_hours=hours_tbl, tmp_p_kinds=kinds):
        grams = con.sql(f"""
            WITH t AS (
                SELECT a.account, hour(a.ts) AS h, {_CLEAN} AS body
                FROM actions a JOIN tmp_p_kinds k ON a.kind = k.kind
                WHERE a.text IS NOT NULL
                  AND a.account IN (SELECT account FROM tmp_p_hours
                                    WHERE active_hours >= {int(min_active_hours)})
            ),
            t2 AS (
                SELECT account, h, ' ' || trim(body) || ' ' AS s,
                       row_number() OVER (PARTITION BY account ORDER BY hash(body, h), body, h) AS doc
                FROM t WHERE length(trim(body)) > 0
            ),
            cnt AS (SELECT account, count(*) AS n_texts FROM t2 GROUP BY account),
            g AS (
                SELECT t2.account, t2.doc, t2.h,
                       unnest(list_transform(range(1, length(t2.s) - 1),
                                             lambda i: substr(t2.s, i, 3))) AS gram
                FROM t2 JOIN cnt USING (account)
                WHERE cnt.n_texts >= {int(min_texts)} AND t2.doc <= {int(max_texts)}
            )
            SELECT account, doc, any_value(h) AS h, gram, count(*) AS n
            FROM g GROUP BY account, doc, gram ORDER BY account, doc, gram
        """).to_arrow_table()
    hours_info = {r["account"]: r for r in hours_tbl.to_pylist()}
    offset_of = _account_offsets(offsets)
    rows: list[dict[str, Any]] = []
    if grams.num_rows:
        enc = pc.dictionary_encode(grams.column("gram")).combine_chunks()
        vocab = np.asarray(enc.dictionary.to_pylist(), dtype=object)
        gid = enc.indices.to_numpy()
        acc = grams.column("account").to_numpy(zero_copy_only=False)
        doc = grams.column("doc").to_numpy()
        hour = grams.column("h").to_numpy()
        cnt = grams.column("n").to_numpy().astype(float)
        bounds = np.flatnonzero(acc[1:] != acc[:-1]) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(acc)]])
        for s, e in zip(starts, ends, strict=True):
            rows.append(_score_one(str(acc[s]), doc[s:e], hour[s:e], gid[s:e], cnt[s:e], vocab,
                                   hours_info[str(acc[s])], offset_of.get(str(acc[s])),
                                   min_active_hours, max_features, permutations,
                                   min_block_texts, min_style_z, seed))
    rows.sort(key=lambda r: (-r["score"], r["account"]))
    return pa.Table.from_pylist(rows, schema=RESULT_SCHEMA)


def _account_offsets(offsets: pa.Table | None) -> dict[str, float]:
    if offsets is None:
        return {}
    out = {}
    for r in offsets.select(["scope", "id", "status", "utc_offset"]).to_pylist():
        if r["scope"] == "account" and r["status"] == "ok" and r["utc_offset"] is not None:
            out[r["id"]] = r["utc_offset"]
    return out


def _score_one(account: str, doc: np.ndarray, hour: np.ndarray, gid: np.ndarray,
               cnt: np.ndarray, vocab: np.ndarray, info: dict[str, Any], offset: float | None,
               min_active_hours: int, max_features: int, permutations: int,
               min_block_texts: int, min_style_z: float, seed: int) -> dict[str, Any]:
    docs_u, doc_idx = np.unique(doc, return_inverse=True)
    cols_u, col_idx = np.unique(gid, return_inverse=True)
    m = sparse.csr_matrix((cnt, (doc_idx, col_idx)), shape=(len(docs_u), len(cols_u)))
    keep = np.argsort(-np.asarray(m.sum(axis=0)).ravel(), kind="stable")[:max_features]
    m = m[:, keep].tocsr()
    local_vocab = vocab[cols_u[keep]]
    doc_hours = np.zeros(len(docs_u), dtype=np.int64)
    doc_hours[doc_idx] = hour
    res = style_split_matrix(m, doc_hours, permutations, min_block_texts, seed)
    active_hours = int(info["active_hours"])
    active = set(info["hours"] or [])
    z = res["style_z"]
    blocks = 2 if (z is not None and z >= min_style_z) else 1
    handover: list[int] = []
    block_utc: list[str] = []
    block_texts: list[int] = []
    markers: list[str] = []
    if res["boundaries"] is not None:
        a, b = res["boundaries"]
        block_utc = [_block_label(a, b), _block_label(b, a)]
        block_texts = [res["inner_texts"], len(docs_u) - res["inner_texts"]]
        if blocks == 2:
            handover = [x for x in (a, b) if (x - 1) % 24 in active and x % 24 in active]
            inner = _in_block(doc_hours, a, b)
            mi, mo = _markers(m, local_vocab, inner)
            markers = [f"{block_utc[0]}: " + " | ".join(repr(x) for x in mi),
                       f"{block_utc[1]}: " + " | ".join(repr(x) for x in mo)]
    coverage = min(1.0, active_hours / max(1, min_active_hours))
    score = max(0.0, z or 0.0) * coverage
    flagged = blocks == 2 and bool(handover) and active_hours >= min_active_hours
    evidence = _evidence(active_hours, int(info["active_days"]), res, blocks, handover,
                         block_utc, block_texts, markers, offset)
    return {
        "account": account, "score": round(score, 3), "flagged": flagged,
        "active_hours": active_hours, "blocks": blocks,
        "style_shift": None if res["style_shift"] is None else round(res["style_shift"], 4),
        "style_z": None if z is None else round(z, 3), "style_p": res["style_p"],
        "handover_utc": handover, "block_utc": block_utc, "block_texts": block_texts,
        "markers": markers, "n_texts": len(docs_u), "active_days": int(info["active_days"]),
        "evidence": evidence,
    }


def _evidence(active_hours: int, days: int, res: dict[str, Any], blocks: int,
              handover: list[int], block_utc: list[str], block_texts: list[int],
              markers: list[str], offset: float | None) -> str:
    parts = [f"active in {active_hours} hours of the day (on >= 20% of {days} active days)"]
    if res["style_z"] is None:
        parts.append("too few texts per block to compare styles")
        return "; ".join(parts)
    if blocks == 2:
        a, b = res["boundaries"]
        loc = ""
        if offset is not None:
            loc = (f" (local {_clock(a + offset)} and {_clock(b + offset)} at "
                   f"UTC{'+' if offset >= 0 else '-'}{_clock(abs(offset))})")
        parts.append(f"writing style changes at {a:02d}:00 and {b:02d}:00 UTC{loc}: blocks "
                     f"{block_utc[0]} ({block_texts[0]} texts) and {block_utc[1]} "
                     f"({block_texts[1]} texts) differ by Hellinger {res['style_shift']:.2f}, "
                     f"z = {res['style_z']:.1f} against shuffled hours")
        if handover:
            parts.append("activity continues across the change at "
                         + ", ".join(f"{h:02d}:00" for h in handover) + " UTC (hand-over)")
        else:
            parts.append("the change falls in a quiet period (no hand-over)")
        parts.append("markers " + "; ".join(markers))
    else:
        parts.append(f"no style change by time of day (best split z = {res['style_z']:.1f})")
    return "; ".join(parts)
