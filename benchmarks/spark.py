"""Benchmark: co-action detection on Spark local mode next to DuckDB, same data, same results.

For each size (default 1M and 10M synthetic co-repost actions, the generator of
``benchmarks/coaction.py``), it ingests once, then runs ``detect(behaviours=["repost"])`` with
the DuckDB engine and with the Spark engine (local mode, all cores), each in its own process, and
prints wall time (Spark: including JVM start), peak RSS of the Python process (the JVM's memory is
not included for Spark; its heap is bounded by spark.driver.memory), and whether the flagged
accounts agree.

    python benchmarks/spark.py                   # 1M and 10M
    python benchmarks/spark.py --sizes 1000000
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from coaction import GENERATE, INGEST, child  # noqa: E402

DETECT = r"""
import sys, time
from swarmscope import Case
from swarmscope.signals.detect import detect
engine = sys.argv[2]
kw = {}
t0 = time.perf_counter()
if engine == "spark":
    from swarmscope.engines.spark_engine import local_session
    kw["spark"] = local_session("local[*]")
    kw["spark"].sparkContext.setLogLevel("ERROR")
t1 = time.perf_counter()
r = detect(Case.open(sys.argv[1]), behaviours=["repost"], engine=engine, write=False, **kw)
t2 = time.perf_counter()
import hashlib
digest = hashlib.sha256("\n".join(sorted(r.flagged)).encode()).hexdigest()[:16]
print(f"{t1 - t0:.1f} {t2 - t1:.1f} {len(r.flagged)} {digest}")
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,10000000")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="swarmscope-spark-bench-"))
    rows = []
    try:
        for n in [int(s) for s in args.sizes.split(",") if s]:
            data = work / f"synthetic_{n}.parquet"
            child(GENERATE, str(n), "7", str(data))
            case = work / f"case_{n}"
            child(INGEST, str(case), str(data))
            results = {}
            for engine in ("duckdb", "spark"):
                wall, peak, out = child(DETECT, str(case), engine)
                start, compute, flagged, digest = out.split()[-4:]
                results[engine] = digest
                rows.append((f"{n / 1e6:g}M", engine, f"{wall:.1f}", start, compute,
                             f"{peak:.0f}", flagged))
            rows.append(("", "same flagged accounts", str(results["duckdb"] == results["spark"]),
                         "", "", "", ""))
            shutil.rmtree(case, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    head = ("actions", "engine", "wall s", "start s", "detect s", "peak MB (python)", "flagged")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    for r in [head, *rows]:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
