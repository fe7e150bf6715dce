"""A crash at any point of an ingest leaves the case exactly as it was; a rerun completes it."""

import os
import signal
import subprocess
import sys
import time

import pytest

from csvposts import MAP, MAPPING, write_posts
from swarmscope import Case, ingest


def table_content(case: Case) -> list[tuple]:
    """Rows without the ingest id (which names the transaction), in a canonical order."""
    rows = case.read().drop_columns(["ingest_id"]).to_pylist()
    return sorted(tuple(sorted((k, str(v)) for k, v in r.items())) for r in rows)


def snapshot(case_dir) -> dict[str, bytes]:
    out = {}
    for root, _dirs, files in os.walk(case_dir):
        for f in files:
            p = os.path.join(root, f)
            if ".staging" in p or f == ".lock" or f.endswith(".duckdb"):
                continue
            with open(p, "rb") as fh:
                out[os.path.relpath(p, case_dir)] = fh.read()
    return out


@pytest.mark.slow
def test_sigkill_mid_ingest_leaves_case_unchanged_and_rerun_completes(tmp_path):
    big = tmp_path / "big.csv"
    write_posts(big, 200_000)
    small = tmp_path / "small.csv"
    write_posts(small, 100)
    case_dir = tmp_path / "case"
    case = Case.init(case_dir)
    ingest(case, [small], format="csv", mapping=MAPPING)
    before = snapshot(case_dir)

    cmd = [sys.executable, "-m", "swarmscope", "ingest", str(case_dir), str(big), "--format", "csv",
           *MAP]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    staged = None
    while time.time() < deadline:
        staged = list((case_dir / ".staging").glob("*/staged-0.parquet")) if (case_dir / ".staging").exists() else []
        if staged and staged[0].stat().st_size > 0:
            break
        time.sleep(0.02)
    assert staged, "the ingest never started staging"
    time.sleep(0.3)
    assert proc.poll() is None, "ingest finished before it could be killed; make the file larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    assert snapshot(case_dir) == before
    reopened = Case.open(case_dir)
    assert reopened.count() == 100

    # A rerun completes the ingest; the result equals an uninterrupted ingest.
    ingest(reopened, [big], format="csv", mapping=MAPPING)
    reference = Case.init(tmp_path / "reference")
    ingest(reference, [small], format="csv", mapping=MAPPING)
    ingest(reference, [big], format="csv", mapping=MAPPING)
    assert Case.open(case_dir).count() == reference.count()
    assert table_content(Case.open(case_dir)) == table_content(reference)
    assert not (case_dir / ".staging").exists() or not any((case_dir / ".staging").iterdir())


def test_crash_during_commit_is_invisible_and_cleaned_up(tmp_path, monkeypatch):
    small = tmp_path / "small.csv"
    write_posts(small, 50)
    case = Case.init(tmp_path / "case")
    before = snapshot(case.path)

    import swarmscope.case as case_module

    real_write = case_module._write_manifest

    def crash(*_a, **_k):
        raise KeyboardInterrupt("simulated crash just before the manifest switch")

    monkeypatch.setattr(case_module, "_write_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest(case, [small], format="csv", mapping=MAPPING)
    monkeypatch.setattr(case_module, "_write_manifest", real_write)
    # the part was moved into tables/ but the manifest does not list it: readers do not see it
    assert Case.open(case.path).count() == 0
    ingest(Case.open(case.path), [small], format="csv", mapping=MAPPING)
    reopened = Case.open(case.path)
    assert reopened.count() == 50
    parts = list((case.path / "tables" / "actions").glob("*.parquet"))
    assert len(parts) == 1, "the orphaned part of the crashed transaction was removed"
    assert set(before) <= set(snapshot(case.path))


def test_a_second_writer_waits_or_fails_clearly(tmp_path):
    from swarmscope.errors import CaseError

    case = Case.init(tmp_path / "case")
    with case.lock(), pytest.raises(CaseError, match="locked"):
        with Case.open(case.path).transaction(wait=False):
            pass
