"""Accuracy evaluation: how well a detector's results match ground-truth labels.

``swarmscope evaluate CASE --labels FILE`` (:mod:`swarmscope.evaluation.cli`) and
:func:`evaluate` compare ``CASE/results/accounts.parquet`` with a labels file: precision,
recall and F1 at the flagged threshold, PR-AUC and ROC-AUC of the score, precision at k,
bootstrap intervals, and agreement of the clusters with label groups (purity, ARI, NMI).
:mod:`swarmscope.evaluation.metrics` holds the metrics (numpy only);
:mod:`swarmscope.evaluation.runners` the registry of signal runners that
``benchmarks/accuracy.py`` evaluates on synthetic scenarios (``docs/accuracy.md``).
"""

from .core import (
    ClusterAgreement,
    EvaluationReport,
    GroupResult,
    evaluate,
    evaluate_tables,
    read_labels,
)

__all__ = [
    "ClusterAgreement",
    "EvaluationReport",
    "GroupResult",
    "evaluate",
    "evaluate_tables",
    "read_labels",
]
