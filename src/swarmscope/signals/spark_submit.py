"""Entry point for ``spark-submit``: co-action detection of a case on the submitting session.

Usage: ``spark-submit ... swarmscope/signals/spark_submit.py CASE [BEHAVIOUR ...]``
(see ``docs/scale-out.md``).
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from pyspark.sql import SparkSession

    from swarmscope.signals.detect import detect

    if not argv:
        print("usage: spark_submit.py CASE [BEHAVIOUR ...]", file=sys.stderr)
        return 2
    spark = SparkSession.builder.getOrCreate()
    result = detect(argv[0], behaviours=argv[1:] or None, engine="spark", spark=spark,
                    progress=lambda m: print(m, file=sys.stderr))
    print(f"{result.counts['flagged']} accounts flagged in {result.counts['clusters']} clusters")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
