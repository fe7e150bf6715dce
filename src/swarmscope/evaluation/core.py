"""Compare a detector's account results with ground-truth labels.

``evaluate(case, labels)`` reads ``CASE/results/accounts.parquet`` (``account``, ``flagged``
and, when present, ``score`` and ``cluster``) and a labels file (CSV or Parquet: one row per
account, a 0/1 label, optionally a group such as the operation) and returns an
:class:`EvaluationReport`.

Which accounts count:

- **evaluated**: accounts in the results *and* labelled 0 or 1. All metrics use these.
- **unlabelled**: accounts in the results with no label (absent from the labels file, or an
  empty label). They are counted, with how many of them were flagged, and never treated as
  negatives.
- **missing**: labelled accounts absent from the results (the case holds no action of theirs).
  They are counted (and how many are positives); by default they are left out of the metrics
  (``missing="exclude"``); ``missing="unflagged"`` counts them as not flagged with the lowest
  score, which is what "recall over everything we know of" means.

Metrics (:mod:`swarmscope.evaluation.metrics`): precision, recall and F1 of ``flagged``;
PR-AUC (average precision) and ROC-AUC of ``score``; precision at k (and at k = the number of
positives, R-precision); stratified-bootstrap percentile intervals (seeded); the base rate.
An account with a null score ranks with the lowest scores.

Cluster agreement: over the evaluated accounts that the detector put in a cluster, the
detected clusters are compared with each account's class, which is its group value (e.g. the
operation) or, for accounts whose group is empty, one class per label (``label 0``,
``label 1``): purity, adjusted Rand index and NMI.

Example::

    from swarmscope.evaluation import evaluate
    report = evaluate("mycase", "labels.csv", group_column="operation")
    report.precision, report.recall, report.pr_auc
    report.to_dict()  # JSON-ready
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..case import Case
from ..errors import UsageError
from . import metrics as m

DEFAULT_K = (10, 50, 100)
MISSING_POLICIES = ("exclude", "unflagged")
_TRUE = {"1", "1.0", "true", "t", "yes", "y"}
_FALSE = {"0", "0.0", "false", "f", "no", "n"}


@dataclass
class GroupResult:
    """How the detector treated the labelled accounts of one group (e.g. one operation)."""

    group: str
    label: int | None  # the group's label when all its members share one, else None
    accounts: int  # labelled members
    evaluated: int  # of which in the results
    flagged: int
    flagged_share: float  # flagged / evaluated: recall for a group of positives
    clusters: int  # distinct detected clusters holding its members
    main_cluster: int | None
    main_cluster_share: float  # share of the evaluated members in the main cluster


@dataclass
class ClusterAgreement:
    """Detected clusters against label classes, over evaluated accounts placed in a cluster."""

    accounts: int
    clusters: int
    classes: int
    purity: float
    ari: float
    nmi: float


@dataclass
class EvaluationReport:
    """Everything ``swarmscope evaluate`` prints (``to_dict()`` for JSON)."""

    results_accounts: int
    labelled_accounts: int
    evaluated: int
    positives: int
    negatives: int
    base_rate: float
    flagged: int  # evaluated accounts flagged
    unlabelled: int
    unlabelled_flagged: int
    missing: int
    missing_positives: int
    missing_policy: str
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float
    false_positive_rate: float
    pr_auc: float | None
    roc_auc: float | None
    precision_at_k: dict[int, float]
    r_precision: float | None
    ci: dict[str, tuple[float, float]]
    bootstrap: dict[str, Any]
    clusters: ClusterAgreement | None
    groups: list[GroupResult]
    label_column: str
    group_column: str | None
    account_column: str
    sources: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (NaN becomes None, tuples become lists)."""
        return _clean(asdict(self))


def _clean(x: Any) -> Any:
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float):
        return None if math.isnan(x) else x
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    return x


# ----------------------------------------------------------------------------- inputs
def read_labels(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """A labels file as an Arrow table: Parquet by suffix (``.parquet``, ``.pq``), else CSV
    (TSV for ``.tsv``) read as text, empty cells null."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such labels file")
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            pf = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise UsageError(f"{path}: not a readable Parquet file ({exc})") from exc
        names = pf.schema_arrow.names
        want = [c for c in (columns or names) if c in names]
        return pf.read(columns=want)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh, delimiter=delimiter), None)
    if not header:
        raise UsageError(f"{path}: empty labels file (a header row is needed)")
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding="utf8"),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=True,
                null_values=[""], include_columns=[c for c in (columns or header) if c in header],
            ),
        )
    except pa.ArrowInvalid as exc:
        raise UsageError(f"{path}: cannot read as CSV: {exc}") from exc


def _label_value(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int | float):
        if isinstance(v, float) and math.isnan(v):
            return None
        if v in (0, 1):
            return int(v)
        raise ValueError(v)
    s = str(v).strip().lower()
    if s == "":
        return None
    if s in _TRUE:
        return 1
    if s in _FALSE:
        return 0
    raise ValueError(v)


def _labels_map(tbl: pa.Table, account_column: str, label_column: str,
                group_column: str | None) -> tuple[dict[str, int | None], dict[str, str]]:
    accounts = tbl.column(account_column).cast(pa.string()).to_pylist()
    labels = tbl.column(label_column).to_pylist()
    groups = (tbl.column(group_column).cast(pa.string()).to_pylist() if group_column
              else [None] * len(accounts))
    out: dict[str, int | None] = {}
    grp: dict[str, str] = {}
    bad: list[Any] = []
    conflicts: list[str] = []
    for a, lab, g in zip(accounts, labels, groups, strict=True):
        if a is None or a == "":
            continue
        try:
            y = _label_value(lab)
        except ValueError:
            bad.append(lab)
            continue
        if a in out and out[a] is not None and y is not None and out[a] != y:
            conflicts.append(a)
            continue
        if a not in out or out[a] is None:
            out[a] = y
        if g not in (None, "") and a not in grp:
            grp[a] = str(g)
    if bad:
        examples = ", ".join(repr(b) for b in list(dict.fromkeys(bad))[:5])
        raise UsageError(f"label column {label_column!r}: {len(bad):,} values are not 0/1 "
                         f"(true/false, yes/no; empty = unlabelled), e.g. {examples}")
    if conflicts:
        raise UsageError(f"{len(conflicts):,} accounts have both labels 0 and 1, e.g. "
                         f"{conflicts[0]!r}")
    return out, grp


def _results_table(case: Case | str | Path, results: str) -> pa.Table:
    if not isinstance(case, Case):
        case = Case.open(case)
    path = case.result_path(results)
    if path is None or not path.exists():
        raise UsageError(f"case {case.name!r} has no results/{results}: run 'swarmscope detect "
                         f"{case.path}' first")
    return pq.read_table(path)


# ----------------------------------------------------------------------------- evaluation
def evaluate(case: Case | str | Path, labels: str | Path | pa.Table, *,
             label_column: str = "label", group_column: str | None = "operation",
             account_column: str = "account", results: str = "accounts.parquet",
             k: tuple[int, ...] | list[int] = DEFAULT_K, n_bootstrap: int = 1000,
             seed: int = 0, level: float = 0.95, missing: str = "exclude",
             require_group: bool = False) -> EvaluationReport:
    """Compare ``CASE/results/<results>`` with ``labels`` (a file or an Arrow table).

    When the labels have no ``group_column`` the report has no per-group results and
    compares clusters with the 0/1 labels (a note says so), unless ``require_group`` makes that
    an error.
    """
    tbl = _results_table(case, results)
    sources = {"case": str(case.path if isinstance(case, Case) else case), "results": results}
    if not isinstance(labels, pa.Table):
        sources["labels"] = str(labels)
        labels = read_labels(labels)
    return evaluate_tables(tbl, labels, label_column=label_column, group_column=group_column,
                           account_column=account_column, k=k, n_bootstrap=n_bootstrap,
                           seed=seed, level=level, missing=missing, sources=sources,
                           require_group=require_group)


def evaluate_tables(results: pa.Table, labels: pa.Table, *, label_column: str = "label",
                    group_column: str | None = "operation", account_column: str = "account",
                    k: tuple[int, ...] | list[int] = DEFAULT_K, n_bootstrap: int = 1000,
                    seed: int = 0, level: float = 0.95, missing: str = "exclude",
                    sources: dict[str, str] | None = None,
                    require_group: bool = False) -> EvaluationReport:
    """:func:`evaluate` on tables: ``results`` needs ``account`` and ``flagged``; ``score`` and
    ``cluster`` are used when present."""
    if missing not in MISSING_POLICIES:
        raise UsageError(f"missing must be one of {', '.join(MISSING_POLICIES)}")
    if not 0 < level < 1:
        raise UsageError("level must be between 0 and 1")
    notes: list[str] = []
    for col in ("account", "flagged"):
        if col not in results.column_names:
            raise UsageError(f"results have no {col!r} column")
    for col, what in ((account_column, "--account-column"), (label_column, "--label-column")):
        if col not in labels.column_names:
            raise UsageError(f"labels have no column {col!r} ({what}); columns: "
                             f"{', '.join(labels.column_names)}")
    if group_column and group_column not in labels.column_names:
        if require_group:
            raise UsageError(f"labels have no column {group_column!r} (--group-column); "
                             f"columns: {', '.join(labels.column_names)}")
        notes.append(f"labels have no {group_column!r} column: no per-group results; clusters "
                     "are compared with the 0/1 labels")
        group_column = None
    label_of, group_of = _labels_map(labels, account_column, label_column, group_column)

    acc = results.column("account").cast(pa.string()).to_pylist()
    flg = [bool(x) for x in results.column("flagged").fill_null(False).to_pylist()]
    has_score = "score" in results.column_names
    if has_score:
        sc_col = results.column("score").cast(pa.float64())
        sc_col = pc.if_else(pc.is_nan(sc_col), pa.scalar(None, pa.float64()), sc_col)
        low = pc.min(sc_col).as_py()
        low = 0.0 if low is None else float(low)
        score_list = [low if v is None else float(v) for v in sc_col.to_pylist()]
    else:
        notes.append("results have no 'score' column: no PR-AUC, ROC-AUC or precision at k")
        score_list = [0.0] * len(acc)
    if "cluster" in results.column_names:
        clu = results.column("cluster").to_pylist()
    else:
        clu = [None] * len(acc)
        notes.append("results have no 'cluster' column: no cluster agreement")
    seen = set(acc)
    if len(seen) != len(acc):
        raise UsageError("results list some accounts more than once")

    ys: list[int] = []
    fs: list[bool] = []
    ss: list[float] = []
    names: list[str] = []
    cl: list[Any] = []
    unlabelled = unlabelled_flagged = 0
    for a, f, s, c in zip(acc, flg, score_list, clu, strict=True):
        y = label_of.get(a)
        if y is None:
            unlabelled += 1
            unlabelled_flagged += f
            continue
        ys.append(y)
        fs.append(f)
        ss.append(s)
        names.append(a)
        cl.append(c)
    missing_accounts = [a for a, y in label_of.items() if y is not None and a not in seen]
    missing_pos = sum(label_of[a] for a in missing_accounts)
    if missing == "unflagged" and missing_accounts:
        floor = min(ss + score_list, default=0.0)
        for a in sorted(missing_accounts):
            ys.append(label_of[a] or 0)
            fs.append(False)
            ss.append(floor)
            names.append(a)
            cl.append(None)
    labelled = sum(1 for y in label_of.values() if y is not None)

    # Deterministic ranking: score descending, then account name (so precision at k and ties
    # never depend on the order of the results file).
    order = sorted(range(len(names)), key=lambda i: (-ss[i], names[i]))
    y = np.array([ys[i] for i in order], dtype=bool)
    f = np.array([fs[i] for i in order], dtype=bool)
    s = np.array([ss[i] for i in order], dtype=float)
    names = [names[i] for i in order]
    cl = [cl[i] for i in order]

    conf = m.confusion(y, f)
    n_pos = int(y.sum())
    n_eval = int(y.size)
    if n_eval == 0:
        notes.append("no account is both in the results and labelled: check --account-column")
    elif n_pos == 0:
        notes.append("no positive among the evaluated accounts: recall and PR-AUC undefined")
    pr_auc = m.average_precision(y, s) if has_score else None
    roc = m.roc_auc(y, s) if has_score else None
    p_at_k = {int(kk): m.precision_at_k(y, s, int(kk)) for kk in k} if has_score else {}
    r_prec = m.precision_at_k(y, s, n_pos) if has_score and n_pos else None
    ci = m.bootstrap(y, f, s if has_score else None, n=n_bootstrap, seed=seed, level=level)

    agreement = None
    in_cluster = [i for i, c in enumerate(cl) if c is not None]
    klass = [group_of.get(names[i]) or f"label {int(y[i])}" for i in range(n_eval)]
    if in_cluster:
        cc = [cl[i] for i in in_cluster]
        kk_ = [klass[i] for i in in_cluster]
        agreement = ClusterAgreement(
            accounts=len(in_cluster), clusters=len(set(cc)), classes=len(set(kk_)),
            purity=m.purity(cc, kk_), ari=m.adjusted_rand_index(cc, kk_),
            nmi=m.normalized_mutual_info(cc, kk_),
        )
    groups = _group_results(label_of, group_of, names, f, cl)
    return EvaluationReport(
        results_accounts=len(acc), labelled_accounts=labelled, evaluated=n_eval,
        positives=n_pos, negatives=n_eval - n_pos,
        base_rate=n_pos / n_eval if n_eval else m.NAN, flagged=int(f.sum()),
        unlabelled=unlabelled, unlabelled_flagged=int(unlabelled_flagged),
        missing=len(missing_accounts), missing_positives=int(missing_pos),
        missing_policy=missing, tp=conf.tp, fp=conf.fp, fn=conf.fn, tn=conf.tn,
        precision=conf.precision, recall=conf.recall, f1=conf.f1,
        false_positive_rate=conf.false_positive_rate, pr_auc=pr_auc, roc_auc=roc,
        precision_at_k=p_at_k, r_precision=r_prec, ci=ci,
        bootstrap={"replicates": n_bootstrap, "seed": seed, "level": level,
                   "method": "stratified percentile"},
        clusters=agreement, groups=groups, label_column=label_column, group_column=group_column,
        account_column=account_column, sources=dict(sources or {}), notes=notes,
    )


def _group_results(label_of: dict[str, int | None], group_of: dict[str, str], names: list[str],
                   flagged: np.ndarray, clusters: list[Any]) -> list[GroupResult]:
    if not group_of:
        return []
    index = {a: i for i, a in enumerate(names)}
    members: dict[str, list[str]] = {}
    for a, g in group_of.items():
        if label_of.get(a) is not None:
            members.setdefault(g, []).append(a)
    out = []
    for g in sorted(members):
        accs = members[g]
        idx = [index[a] for a in accs if a in index]
        labels = {label_of[a] for a in accs}
        n_flag = int(sum(bool(flagged[i]) for i in idx))
        cls = Counter(clusters[i] for i in idx if clusters[i] is not None)
        main, main_n = cls.most_common(1)[0] if cls else (None, 0)
        out.append(GroupResult(
            group=g, label=labels.pop() if len(labels) == 1 else None, accounts=len(accs),
            evaluated=len(idx), flagged=n_flag,
            flagged_share=n_flag / len(idx) if idx else m.NAN, clusters=len(cls),
            main_cluster=main, main_cluster_share=main_n / len(idx) if idx else m.NAN,
        ))
    return out
