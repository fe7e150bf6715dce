"""Accuracy metrics for detectors, in numpy (no scikit-learn needed).

Binary detection (``y`` = 1 for coordinated accounts, ``flagged`` the detector's decision,
``score`` its ranking, higher = more suspicious):

- :func:`confusion` and :func:`precision_recall_f1` at the detector's own threshold;
- :func:`average_precision`: the area under the precision-recall curve as the step sum
  ``sum_n (R_n - R_{n-1}) P_n`` over the distinct score thresholds (tied scores enter
  together), the definition of scikit-learn's ``average_precision_score`` and of TREC;
- :func:`roc_auc`: the probability that a random positive scores above a random negative, ties
  counting one half (the Mann-Whitney U statistic divided by ``n_pos * n_neg``);
- :func:`precision_at_k`: the share of positives among the ``k`` highest scores (ties broken
  by the order given, which the caller makes deterministic);
- :func:`precision_at_recall`: the best precision of a score threshold reaching a recall.

Partitions (detected clusters against known groups):

- :func:`adjusted_rand_index`: Hubert & Arabie (1985), the Rand index corrected for chance;
- :func:`normalized_mutual_info`: mutual information divided by the arithmetic mean of the two
  entropies (scikit-learn's default ``average_method="arithmetic"``; Vinh, Epps & Bailey 2010);
- :func:`purity`: share of items that belong to the majority group of their cluster.

Uncertainty: :func:`bootstrap` resamples items with replacement, positives and negatives
separately (a stratified bootstrap, so every replicate has the data's base rate and a defined
recall), and returns percentile intervals. The same ``seed`` gives the same intervals.

Every function returns ``nan`` where a metric is undefined (no positives, no negatives, nothing
flagged), never a made-up 0 or 1, except where the convention is universal (identical
partitions, including two single-cluster ones, agree perfectly).

Example::

    >>> import numpy as np
    >>> y = np.array([1, 0, 1, 0]); s = np.array([0.9, 0.8, 0.7, 0.1])
    >>> round(average_precision(y, s), 4), round(roc_auc(y, s), 4)
    (0.8333, 0.75)
    >>> adjusted_rand_index([1, 1, 2, 2], ["a", "a", "b", "b"])
    1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

NAN = float("nan")


def _arr(x: Any, dtype: Any = None) -> np.ndarray:
    return np.asarray(x, dtype=dtype)


@dataclass(frozen=True)
class Confusion:
    """Counts at a decision threshold."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else NAN

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else NAN

    @property
    def f1(self) -> float:
        # 2TP / (2TP + FP + FN): defined (0) when nothing is flagged but positives exist.
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else NAN

    @property
    def false_positive_rate(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else NAN


def confusion(y: Any, flagged: Any) -> Confusion:
    """TP, FP, FN, TN of boolean decisions ``flagged`` against labels ``y`` (0/1)."""
    yy = _arr(y, bool)
    ff = _arr(flagged, bool)
    return Confusion(tp=int(np.sum(yy & ff)), fp=int(np.sum(~yy & ff)),
                     fn=int(np.sum(yy & ~ff)), tn=int(np.sum(~yy & ~ff)))


def precision_recall_f1(y: Any, flagged: Any) -> tuple[float, float, float]:
    c = confusion(y, flagged)
    return c.precision, c.recall, c.f1


# ----------------------------------------------------------------------------- ranking
class _Ranking:
    """Items sorted by score (descending) with the ends of groups of tied scores, so weighted
    (bootstrap) curves are cumulative sums read at the group ends."""

    def __init__(self, y: Any, score: Any) -> None:
        s = _arr(score, float)
        if np.any(np.isnan(s)):
            raise ValueError("scores must be numbers, not NaN")
        # mergesort is stable: equal scores keep their given order (precision at k).
        self.order = np.argsort(-s, kind="mergesort")
        self.y = _arr(y, bool)[self.order]
        ss = s[self.order]
        self.ends = np.flatnonzero(np.append(ss[1:] != ss[:-1], True)) if ss.size else \
            np.array([], dtype=np.int64)

    def curves(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative (tp, fp) at each tie-group end; ``weights`` is (replicates, items) in
        sorted order."""
        yw = weights * self.y
        tp = np.cumsum(yw, axis=1)[:, self.ends]
        fp = np.cumsum(weights - yw, axis=1)[:, self.ends]
        return tp.astype(float), fp.astype(float)


def _ap_auc(tp: np.ndarray, fp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Average precision and ROC-AUC per row of cumulative curves."""
    if tp.shape[1] == 0:
        nan = np.full(tp.shape[0], np.nan)
        return nan, nan
    pos = tp[:, -1]
    neg = fp[:, -1]
    prev_tp = np.concatenate([np.zeros((tp.shape[0], 1)), tp[:, :-1]], axis=1)
    prev_fp = np.concatenate([np.zeros((fp.shape[0], 1)), fp[:, :-1]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        ap = np.sum((tp - prev_tp) * prec, axis=1) / pos
        # negatives of a group times positives strictly above it, plus half the tied positives
        auc = np.sum((fp - prev_fp) * (prev_tp + 0.5 * (tp - prev_tp)), axis=1) / (pos * neg)
    ap = np.where(pos > 0, ap, np.nan)
    auc = np.where((pos > 0) & (neg > 0), auc, np.nan)
    return ap, auc


def average_precision(y: Any, score: Any) -> float:
    """Area under the precision-recall curve (step sum over distinct thresholds)."""
    r = _Ranking(y, score)
    tp, fp = r.curves(np.ones((1, r.y.size)))
    return float(_ap_auc(tp, fp)[0][0])


def roc_auc(y: Any, score: Any) -> float:
    """Area under the ROC curve (ties count one half)."""
    r = _Ranking(y, score)
    tp, fp = r.curves(np.ones((1, r.y.size)))
    return float(_ap_auc(tp, fp)[1][0])


def precision_at_k(y: Any, score: Any, k: int) -> float:
    """Share of positives among the ``k`` highest scores (``nan`` if fewer than k items)."""
    r = _Ranking(y, score)
    if k <= 0 or k > r.y.size:
        return NAN
    return float(np.mean(r.y[:k]))


def precision_at_recall(y: Any, score: Any, min_recall: float) -> float:
    """Best precision of any score threshold whose recall is at least ``min_recall`` (what
    the ranking allows if the threshold were chosen with hindsight; ``nan`` without
    positives)."""
    r = _Ranking(y, score)
    tp, fp = r.curves(np.ones((1, r.y.size)))
    if tp.shape[1] == 0 or tp[0, -1] == 0:
        return NAN
    ok = tp[0] / tp[0, -1] >= min_recall - 1e-12
    return float(np.max(tp[0][ok] / (tp[0][ok] + fp[0][ok])))


# ----------------------------------------------------------------------------- partitions
def _contingency(a: Sequence[Any], b: Sequence[Any]) -> np.ndarray:
    if len(a) != len(b):
        raise ValueError("the two partitions must label the same items")
    _, ai = np.unique(np.asarray([str(x) for x in a]), return_inverse=True)
    _, bi = np.unique(np.asarray([str(x) for x in b]), return_inverse=True)
    table = np.zeros((ai.max() + 1 if len(a) else 0, bi.max() + 1 if len(b) else 0), dtype=float)
    np.add.at(table, (ai, bi), 1)
    return table


def _comb2(x: np.ndarray | float) -> np.ndarray | float:
    return x * (x - 1) / 2.0


def adjusted_rand_index(clusters: Sequence[Any], groups: Sequence[Any]) -> float:
    """Adjusted Rand index of two labelings of the same items (1 = identical, ~0 = chance)."""
    t = _contingency(clusters, groups)
    n = t.sum()
    if n == 0:
        return NAN
    rows, cols = t.shape
    # Both trivial the same way (one block each, or all singletons each): identical partitions.
    if (rows == cols == 1) or (rows == cols == n):
        return 1.0
    sum_ij = float(np.sum(_comb2(t)))
    sum_a = float(np.sum(_comb2(t.sum(axis=1))))
    sum_b = float(np.sum(_comb2(t.sum(axis=0))))
    expected = sum_a * sum_b / _comb2(n)
    max_index = (sum_a + sum_b) / 2.0
    if max_index == expected:
        return NAN
    return float((sum_ij - expected) / (max_index - expected))


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-np.sum(p * np.log(p)))


def normalized_mutual_info(clusters: Sequence[Any], groups: Sequence[Any]) -> float:
    """Mutual information / arithmetic mean of the entropies (1 = identical, 0 = independent)."""
    t = _contingency(clusters, groups)
    n = t.sum()
    if n == 0:
        return NAN
    if t.shape[0] == t.shape[1] == 1:
        return 1.0
    pij = t / n
    pi = pij.sum(axis=1, keepdims=True)
    pj = pij.sum(axis=0, keepdims=True)
    nz = pij > 0
    mi = float(np.sum(pij[nz] * np.log(pij[nz] / (pi @ pj)[nz])))
    h = (_entropy(t.sum(axis=1)) + _entropy(t.sum(axis=0))) / 2.0
    if h <= 0:
        return 0.0
    return max(0.0, min(1.0, mi / h))


def purity(clusters: Sequence[Any], groups: Sequence[Any]) -> float:
    """Share of items in the majority group of their cluster."""
    t = _contingency(clusters, groups)
    n = t.sum()
    return float(t.max(axis=1).sum() / n) if n else NAN


# ----------------------------------------------------------------------------- bootstrap
BOOTSTRAP_METRICS = ("precision", "recall", "f1", "pr_auc", "roc_auc")


def bootstrap(y: Any, flagged: Any, score: Any | None, n: int = 1000, seed: int = 0,
              level: float = 0.95, max_cells: int = 4_000_000) -> dict[str, tuple[float, float]]:
    """Percentile intervals of precision, recall, F1 (and PR-AUC, ROC-AUC when ``score`` is
    given) from ``n`` stratified bootstrap replicates drawn with ``numpy``'s PCG64 from
    ``seed``. Replicates where a metric is undefined are left out of its interval."""
    yy = _arr(y, bool)
    ff = _arr(flagged, bool)
    m = yy.size
    out: dict[str, tuple[float, float]] = {}
    if n <= 0 or m == 0:
        return out
    rng = np.random.default_rng(seed)
    ranking = _Ranking(yy, score if score is not None else np.zeros(m))
    f_sorted = ff[ranking.order]
    pos = np.flatnonzero(ranking.y)
    neg = np.flatnonzero(~ranking.y)
    # tie group of each sorted item: replicates only need counts per group
    n_groups = ranking.ends.size
    gid = np.searchsorted(ranking.ends, np.arange(m), side="left")
    block = max(1, max_cells // max(1, m))
    values: dict[str, list[np.ndarray]] = {k: [] for k in BOOTSTRAP_METRICS}
    done = 0
    while done < n:
        b = min(block, n - done)
        offsets = (np.arange(b) * n_groups)[:, None]
        counts = []
        flagged_counts = []
        for idx in (pos, neg):
            if idx.size:
                draw = idx[rng.integers(0, idx.size, size=(b, idx.size))]
                flagged_counts.append(f_sorted[draw].sum(axis=1).astype(float))
                if score is not None:
                    counts.append(np.bincount((offsets + gid[draw]).ravel(),
                                              minlength=b * n_groups).reshape(b, n_groups))
                else:
                    counts.append(None)
            else:
                flagged_counts.append(np.zeros(b))
                counts.append(np.zeros((b, n_groups), dtype=np.int64))
        tp = flagged_counts[0]
        fp = flagged_counts[1]
        fn = pos.size - tp
        with np.errstate(invalid="ignore", divide="ignore"):
            values["precision"].append(np.where(tp + fp > 0, tp / (tp + fp), np.nan))
            values["recall"].append(np.where(tp + fn > 0, tp / (tp + fn), np.nan))
            d = 2 * tp + fp + fn
            values["f1"].append(np.where(d > 0, 2 * tp / d, np.nan))
        if score is not None:
            ctp = np.cumsum(counts[0], axis=1).astype(float)
            cfp = np.cumsum(counts[1], axis=1).astype(float)
            ap, auc = _ap_auc(ctp, cfp)
            values["pr_auc"].append(ap)
            values["roc_auc"].append(auc)
        done += b
    lo_q, hi_q = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    for k, parts in values.items():
        if not parts:
            continue
        v = np.concatenate(parts)
        v = v[np.isfinite(v)]
        if v.size:
            out[k] = (float(np.percentile(v, lo_q)), float(np.percentile(v, hi_q)))
    return out
