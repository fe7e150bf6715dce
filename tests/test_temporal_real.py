"""Timecards and offsets on real data: Wikipedia user contributions and IRA tweets.

There is no ground truth per account here, so these tests assert structure and print what the
fits show (run with ``-s`` to read it). The IRA accounts were run from one office in St
Petersburg (UTC+3, no daylight saving since 2014); whatever the offsets and schedule classes
say about that is reported, not asserted.
"""

from __future__ import annotations

import collections
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import require_shared
from swarmscope import Case, ingest
from swarmscope.temporal import analyse, timecard_matrix
from temporal_synth import check_structure


def _summary(offsets: pa.Table) -> str:
    acc = [r for r in offsets.to_pylist() if r["scope"] == "account"]
    ok = [r for r in acc if r["status"] == "ok"]
    sched = collections.Counter(r["schedule"] for r in acc)
    common = collections.Counter((r["schedule"], r["utc_offset"]) for r in ok).most_common(6)
    return (f"{len(acc)} accounts, {len(ok)} with an offset; schedules {dict(sched)}; most common "
            f"(schedule, offset): {common}")


def test_wikipedia_usercontribs(tmp_path):
    folder = require_shared("wikipedia", "usercontribs")
    rows = []
    for path in sorted(folder.glob("*.json")):
        for rec in json.loads(path.read_text(encoding="utf-8")):
            rows.append({"account": rec["user"], "ts": rec["timestamp"],
                         "action_id": str(rec["revid"]), "parent_id": str(rec.get("parentid")),
                         "title": rec.get("title"), "text": rec.get("comment"),
                         "kind": "edit", "platform": "wikipedia"})
    assert rows
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "usercontribs.parquet")
    case = Case.init(tmp_path / "wiki")
    ingest(case, [tmp_path / "usercontribs.parquet"], format="parquet")
    res = analyse(case, min_actions=20, write=True)
    check_structure(res, n_actions=len(rows))
    print("\nWikipedia usercontribs:", _summary(res.offsets))
    for r in sorted(res.offsets.to_pylist(), key=lambda r: -r["n_actions"]):
        print(f"  {r['id']:<28} {r['n_actions']:>5} edits  {r['status']:<12} "
              f"offset {r['utc_offset']}  {r['schedule']:<15} confidence {r['confidence']:.2f}")
    for r in res.offsets.to_pylist():
        if r["n_slots"] < 20:      # edits in one half-hour count once
            assert (r["status"], r["reason"]) == ("undetermined", "too few actions")
        else:
            assert r["status"] == "ok" or r["reason"] == "no daily rhythm"


@pytest.fixture(scope="module")
def ira(tmp_path_factory):
    path = require_shared("ira-twitter", "ira_tweets_en_2016-10-01_2016-11-15.parquet")
    case = Case.init(tmp_path_factory.mktemp("ira") / "case")
    ingest(case, [path], format="parquet",
           mapping={"account": "author", "ts": "publish_date", "text": "content"})
    n = pq.ParquetFile(path).metadata.num_rows
    authors = sorted(set(pq.read_table(path, columns=["author"]).column("author").to_pylist()))
    # The whole set as one group: the operation's collective clock.
    res = analyse(case, groups={"ira": authors}, personas=False, write=False)
    return res, n


def test_ira_timecards_and_offsets(ira):
    res, n = ira
    check_structure(res, n_actions=n)
    off = res.offsets
    acc = off.filter(pc.equal(off.column("scope"), "account"))
    assert acc.num_rows == 341
    print("\nIRA tweets (Oct 1 - Nov 15 2016):", _summary(off))
    ok = [r for r in acc.to_pylist() if r["status"] == "ok"]
    job = [r for r in ok if r["schedule"] == "job"]
    near_spb = [r for r in ok if abs(r["utc_offset"] - 3.0) <= 1.0]
    print(f"  job-like accounts: {len(job)} of {len(ok)} placed; offsets of job-like accounts: "
          f"{sorted(collections.Counter(r['utc_offset'] for r in job).items())}")
    print(f"  accounts placed within 1 h of St Petersburg (UTC+3): {len(near_spb)} of {len(ok)}")
    grp = next(r for r in off.to_pylist() if r["scope"] == "cluster")
    print(f"  all IRA accounts as one group: offset {grp['utc_offset']}, schedule "
          f"{grp['schedule']} (confidence {grp['confidence']:.2f})")
    card = np.array(timecard_matrix(res.timecards, "cluster", "ira", "utc"))
    assert card.sum() == n
    hours = card.sum(axis=0)
    days = card.sum(axis=1)
    print(f"  UTC hour profile (share per hour): {np.round(hours / hours.sum(), 3).tolist()}")
    print(f"  busiest UTC hours {np.argsort(-hours)[:4].tolist()}, quietest "
          f"{np.argsort(hours)[:4].tolist()}; weekday shares Mon..Sun "
          f"{np.round(days / days.sum(), 3).tolist()}")
