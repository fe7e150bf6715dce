"""Benchmark of the co-action engine, against coordination-network-toolkit where it can run.

Prints one table, measured in one run on this machine:

Columns: ``compute s`` is the computation alone, timed inside its process after the imports
(swarmscope network: ``peer_network(case, "cnt")``, the same job as CNT's compute, CNT's
directed edges; swarmscope detect: the whole ``detect()`` call, which adds the accounts table,
scores and Leiden clusters; CNT: the function its ``compute co_retweet`` command runs, index
building included), ``process s`` the whole process (interpreter start and imports included; for
CNT preprocess + compute), ``ingest s`` loading the data (swarmscope ingest; CNT preprocess).
The speed-ups compare compute times: CNT's over swarmscope's network and over its detect.
Each peer-comparison measurement runs ``--repeat`` times (default 3), the tools' runs
interleaved; the table gives the median compute time with the range of the runs in brackets.

- swarmscope vs coordination-network-toolkit 1.5.2 (co-retweet, window 60 s, min edge weight 2)
  on ../shared/data/coortweet/russian_coord_tweets.parquet, once (x1) and as 10 disjoint copies
  (x10, ids prefixed per copy). CNT is installed by this script into benchmarks/.venv-cnt.
- swarmscope alone on synthetic co-repost data of 1M and 10M actions (Zipf object popularity,
  heavy-tailed account activity, bursty arrivals, planted groups), time and peak memory of
  ``swarmscope detect`` (significance mode, default crowd cap), and how many planted accounts it
  flagged.

Each measurement runs in a child process so peak RSS is its own. Usage::

    python benchmarks/coaction.py            # everything
    python benchmarks/coaction.py --sizes 1000000 --skip-cnt
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "coortweet" / "russian_coord_tweets.parquet"
CNT_VENV = ROOT / "benchmarks" / ".venv-cnt"


_PEAK = "\nimport resource as _r; print('__peak__', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss)\n"


def settle() -> None:
    """Write out the files earlier runs left in the page cache before the next run starts: the
    kernel writes them back in the background otherwise, on the cores the run is timed on (CNT
    writes its database, swarmscope its case)."""
    os.sync()


def child(code: str, *args: str) -> tuple[float, float, str]:
    """Run python code in a child; returns (seconds, its peak RSS in MB, its stdout)."""
    settle()
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code + _PEAK, *args], capture_output=True,
                         text=True)
    secs = time.perf_counter() - t
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    lines = out.stdout.strip().splitlines()
    peak = int(lines[-1].split()[1]) / 1024
    return secs, peak, "\n".join(lines[:-1]).strip()


def run_timed(cmd: list[str], stdout: bool = False) -> tuple:
    """Run a command; wall seconds and its peak RSS (MB) via /usr/bin/time when available (and
    its standard output with ``stdout``)."""
    settle()
    t = time.perf_counter()
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if timer:
        out = subprocess.run([timer, "-f", "%M", *cmd], capture_output=True, text=True)
        secs = time.perf_counter() - t
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        res = (secs, int(out.stderr.strip().splitlines()[-1]) / 1024)
    else:
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        res = (time.perf_counter() - t, float("nan"))
    return (*res, out.stdout) if stdout else res


# ----------------------------------------------------------------------------- data
GENERATE = r"""
import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq
n, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(seed)
n_acc, n_obj, span = max(1000, n // 15), max(500, n), 30 * 86400
act = rng.lognormal(0, 1.3, n_acc); act /= act.sum()
pop = 1.0 / np.arange(1, n_obj + 1) ** 0.9; pop /= pop.sum()
n_org = int(n * 0.97)
acc = rng.choice(n_acc, n_org, p=act)
obj = rng.choice(n_obj, n_org, p=pop)
birth = rng.uniform(0, span, n_obj)
t = birth[obj] + rng.exponential(12 * 3600, n_org)  # bursty: most shares within hours of birth
accounts = [f"u{a}" for a in acc]; objects = obj.astype(np.int64); times = t
# planted groups: 10-50 accounts each, co-reposting 60 fresh objects within 30 s
g_acc, g_obj, g_t, members = [], [], [], []
gid, next_obj = 0, n_obj
while len(g_acc) < n - n_org:
    size = int(rng.integers(10, 51)); names = [f"g{gid}_{i}" for i in range(size)]
    members += names
    for k in range(60):
        start = rng.uniform(0, span)
        who = rng.choice(size, max(3, int(size * 0.7)), replace=False)
        for w in who:
            g_acc.append(names[w]); g_obj.append(next_obj); g_t.append(start + rng.uniform(0, 30))
        next_obj += 1
    gid += 1
accounts += g_acc
objects = np.concatenate([objects, np.array(g_obj, dtype=np.int64)])
times = np.concatenate([times, np.array(g_t)])
order = rng.permutation(len(accounts))
ts = pa.array((times[order] * 1e6).astype("int64") + 1609459200 * 10**6, pa.timestamp("us", tz="UTC"))
tbl = pa.table({
    "action_id": pa.array(np.arange(len(accounts)).astype(str)),
    "account": pa.array(np.array(accounts, dtype=object)[order]),
    "ts": ts, "kind": pa.array(["repost"] * len(accounts)),
    "repost_of": pa.array(objects[order].astype(str)),
})
pq.write_table(tbl, out, row_group_size=1 << 20)
with open(out + ".members", "w") as fh: fh.write("\n".join(members))
print(len(accounts))
"""

INGEST = r"""
import sys
from swarmscope import Case, ingest
case = Case.init(sys.argv[1])
r = ingest(case, [sys.argv[2]], format="parquet", platform="bench")
print(r.added)
"""

DETECT = r"""
import sys, time
from swarmscope import Case
from swarmscope.signals.detect import detect
mode = sys.argv[2]
t = time.perf_counter()
r = detect(Case.open(sys.argv[1]), behaviours=["repost"], window=60, mode=mode,
           min_edge_weight=2, write=False)
secs = time.perf_counter() - t
members = set(open(sys.argv[3]).read().split()) if len(sys.argv) > 3 else set()
flagged = set(r.flagged)
beh = r.counts["behaviours"]["repost"]
print(beh["candidate_pairs"], r.edges.num_rows, len(flagged), len(flagged & members),
      len(members), f"{secs:.3f}")
"""


NETWORK = r"""
import sys, time
from swarmscope.signals.parity import peer_network
t = time.perf_counter()
edges = peer_network(sys.argv[1], "cnt", "repost", window=60, min_edge_weight=2)
secs = time.perf_counter() - t
undirected = {(min(a, b), max(a, b)) for a, b in zip(edges.column("user_1").to_pylist(),
                                                   edges.column("user_2").to_pylist())}
print(len(undirected), f"{secs:.3f}")
"""


def copies_of_coortweet(k: int, out: Path) -> int:
    """k disjoint copies of the CooRTweet data as Parquet (ids prefixed per copy) and CNT CSV."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    base = pq.read_table(SHARED)
    base = base.cast(pa.schema([pa.field(f.name, pa.string() if pa.types.is_large_string(f.type)
                                         else f.type) for f in base.schema]))
    parts = []
    for i in range(k):
        p = f"c{i}_"
        parts.append(pa.table({
            "action_id": pc.binary_join_element_wise(pa.scalar(p), base["content_id"], ""),
            "account": pc.binary_join_element_wise(pa.scalar(p), base["account_id"], ""),
            "repost_of": pc.binary_join_element_wise(pa.scalar(p), base["object_id"], ""),
            "ts": base["timestamp_share"].cast(pa.int64()),
        }))
    tbl = pa.concat_tables(parts)
    pq.write_table(tbl, out.with_suffix(".parquet"))
    with open(out.with_suffix(".csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["message_id", "user_id", "username", "repost_id", "reply_id", "message",
                    "timestamp", "urls"])
        for row in zip(*(tbl[c].to_pylist() for c in ("action_id", "account", "repost_of", "ts")),
                       strict=True):
            w.writerow([row[0], row[1], row[1], row[2], "", "", row[3], ""])
    return tbl.num_rows


def ensure_cnt() -> Path | None:
    py = CNT_VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CNT_VENV)], check=True)
        r = subprocess.run([str(py), "-m", "pip", "install", "-q",
                            "coordination-network-toolkit==1.5.2"], capture_output=True, text=True)
        if r.returncode:
            print("could not install coordination-network-toolkit:", r.stderr[-500:])
            return None
    return py


# CNT's compute step timed inside its process, as swarmscope's is: the call of the function its
# ``compute co_retweet`` command runs, without interpreter start and imports (about 0.3 s).
CNT_COMPUTE = r"""
import sys, time
from coordination_network_toolkit.compute_networks import compute_co_retweet_parallel
t = time.perf_counter()
compute_co_retweet_parallel(sys.argv[1], 60, n_threads=int(sys.argv[2]), min_edge_weight=2)
print("__compute__", time.perf_counter() - t)
"""


def cnt_preprocess(py: Path, csv_path: Path, work: Path) -> tuple[float, Path]:
    """CNT's preprocess into a fresh database: (process wall seconds, database path)."""
    db = work / "cnt.db"
    db.unlink(missing_ok=True)
    t_pre, _ = run_timed([str(py), "-m", "coordination_network_toolkit", str(db), "preprocess",
                          "--format", "csv", str(csv_path)])
    import sqlite3

    # CNT's database is in WAL mode: fold the log into the file so that one file is a copy
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return t_pre, db


def cnt_compute(py: Path, db: Path, work: Path) -> tuple[float, float, float, int]:
    """CNT's compute on a copy of the preprocessed database (compute builds its indexes, so
    every run starts from the same state): (compute in-process, process wall, peak RSS,
    undirected edges)."""
    run_db = work / "cnt_run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run_db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db, run_db)
    script = work / "cnt_compute.py"
    script.write_text(CNT_COMPUTE)
    t_proc, mem, out = run_timed([str(py), str(script), str(run_db), str(os.cpu_count() or 2)],
                                 stdout=True)
    t_comp = float(next(line.split()[1] for line in out.splitlines()
                        if line.startswith("__compute__")))
    # CNT 1.5.2's CSV writer fails on its own keyword (n_messages): read its table directly.
    import sqlite3

    with sqlite3.connect(run_db) as con:
        n_edges = con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT min(user_1, user_2), max(user_1, user_2) "
            "FROM co_retweet_network WHERE user_1 != user_2)").fetchone()[0]
    return t_comp, t_proc, mem, n_edges


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def peer_rows(k: int, work: Path, py: Path | None, repeat: int) -> list[tuple]:
    """Rows of coortweet x``k``: each tool measured ``repeat`` times, the runs of the tools
    interleaved (so a burst of load hits all of them), medians reported."""
    stem = work / f"coortweet_x{k}"
    n = copies_of_coortweet(k, stem)
    case = work / f"case_x{k}"
    t_in, m_in, _ = child(INGEST, str(case), str(stem.with_suffix(".parquet")))
    t_pre, db = cnt_preprocess(py, stem.with_suffix(".csv"), work) if py else (0.0, None)
    runs: dict[str, list[tuple[float, float, float, str]]] = {
        "net": [], "cnt": [], "sig": [], "peer": []}
    for _ in range(repeat):
        t, m, out = child(NETWORK, str(case))
        runs["net"].append((float(out.split()[-1]), t, m, out))
        t, m, out = child(DETECT, str(case), "cnt")
        runs["cnt"].append((float(out.split()[-1]), t, m, out))
        t, m, out = child(DETECT, str(case), "significance")
        runs["sig"].append((float(out.split()[-1]), t, m, out))
        if db is not None:
            c, t, m, n_edges = cnt_compute(py, db, work)
            runs["peer"].append((c, t, m, str(n_edges)))

    def med(key: str, i: int) -> float:
        return median([r[i] for r in runs[key]])

    def spread(key: str) -> str:
        xs = sorted(r[0] for r in runs[key])
        return f" ({xs[0]:.3f}-{xs[-1]:.3f})" if len(xs) > 1 else ""

    c_net, c_det = med("net", 0), med("cnt", 0)
    rows = [
        (f"coortweet x{k}", f"{n:,}", "swarmscope network (cnt)",
         f"{c_net:.3f}{spread('net')}", f"{med('net', 1):.2f}", f"{t_in:.2f}",
         f"{max(m_in, max(r[2] for r in runs['net'])):.0f}",
         f"{runs['net'][0][3].split()[0]} edges"),
        ("", "", "swarmscope detect --mode cnt", f"{c_det:.3f}{spread('cnt')}",
         f"{med('cnt', 1):.2f}", "", f"{max(r[2] for r in runs['cnt']):.0f}",
         f"{runs['cnt'][0][3].split()[1]} edges, with accounts and clusters"),
        ("", "", "swarmscope detect (significance)", f"{med('sig', 0):.3f}{spread('sig')}",
         f"{med('sig', 1):.2f}", "", f"{max(r[2] for r in runs['sig']):.0f}",
         f"{runs['sig'][0][3].split()[1]} tested pairs"),
    ]
    if runs["peer"]:
        c_cnt, t_cnt = med("peer", 0), med("peer", 1)
        rows.append(("", "", "CNT 1.5.2 co_retweet", f"{c_cnt:.3f}{spread('peer')}",
                     f"{t_pre + t_cnt:.2f}", f"{t_pre:.2f}",
                     f"{max(r[2] for r in runs['peer']):.0f}",
                     f"{runs['peer'][0][3]} edges; network {c_cnt / c_net:.1f}x, detect "
                     f"{c_cnt / c_det:.1f}x, end to end "
                     f"{(t_pre + t_cnt) / (t_in + med('net', 1)):.1f}x"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000000,10000000")
    ap.add_argument("--skip-cnt", action="store_true")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each peer-comparison measurement (medians are reported)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="swarmscope-bench-"))
    rows = []
    try:
        if SHARED.exists():
            py = None if args.skip_cnt else ensure_cnt()
            for k in (1, 10):
                rows += peer_rows(k, work, py, args.repeat)
        else:
            print(f"(shared data not found at {SHARED}: peer comparison skipped)")
        for n in [int(s) for s in args.sizes.split(",") if s]:
            data = work / f"synthetic_{n}.parquet"
            _, _, got = child(GENERATE, str(n), "7", str(data))
            case = work / f"case_{n}"
            t_in, m_in, _ = child(INGEST, str(case), str(data))
            t_det, m_det, out = child(DETECT, str(case), "significance", str(data) + ".members")
            cand, tested, flagged, planted_found, planted = (int(x) for x in out.split()[:5])
            rows.append((f"synthetic {n / 1e6:g}M", f"{int(got):,}", "swarmscope significance",
                         out.split()[-1], f"{t_det:.1f}", f"{t_in:.1f}", f"{m_det:.0f}",
                         f"{cand:,} pairs; flagged {flagged:,}, planted found "
                         f"{planted_found}/{planted}"))
            shutil.rmtree(case, ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    head = ("data", "actions", "tool", "compute s", "process s", "ingest s", "peak MB", "output")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average at the end {load} (1, 5, 15 min)")
    for r in [head, *rows]:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
