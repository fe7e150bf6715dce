"""UTC offsets, schedule classes and timecards: what an analyst reads off results/offsets.parquet
and results/timecards.parquet."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from swarmscope import Case, UsageError
from swarmscope.temporal import analyse, fit_offsets, infer_offsets, timecard_matrix
from swarmscope.temporal.curves import template
from temporal_synth import synthetic_case


@pytest.fixture(scope="module")
def synth():
    return synthetic_case()


@pytest.fixture(scope="module")
def team_result(synth):
    """Offsets with the planted persona team (personas and staff) passed as an account group,
    as an analyst would pass a suspected set."""
    team = synth.op("op4-persona-team")
    groups = {"team": team["members"], "farm": synth.op("op2-copy-paste-farm")["members"]}
    organic = sorted(a for a, r in synth.labels.items()
                     if r["role"] == "organic" and r["platform"] == "synthnet")
    groups["organic-sample"] = organic[:40]
    return infer_offsets(synth.case.connect(), groups=groups).to_pylist()


def _by_id(rows, scope="account"):
    return {r["id"]: r for r in rows if r["scope"] == scope}


def test_office_shift_team_gets_its_offset_and_a_job_schedule(synth, team_result):
    team = synth.op("op4-persona-team")
    true = team["utc_offset"]
    acc = _by_id(team_result)
    for a in team["members"]:
        r = acc[a]
        assert r["status"] == "ok", a
        assert abs(r["utc_offset"] - true) <= 1.0, (a, r["utc_offset"], true)
        assert r["schedule"] == "job", (a, r["schedule"])
        assert r["confidence"] > 0.9
    grp = _by_id(team_result, "cluster")["team"]
    assert grp["status"] == "ok" and abs(grp["utc_offset"] - true) <= 1.0
    assert grp["schedule"] == "job"
    print(f"persona team: true UTC{true:+g}, fitted UTC{grp['utc_offset']:+g} "
          f"(confidence {grp['confidence']:.2f})")


def test_organic_accounts_are_placed_in_their_zones(synth, team_result):
    acc = _by_id(team_result)
    rows = [(synth.true_offset(a), r) for a, r in acc.items()
            if synth.role(a) == "organic" and r["status"] == "ok"]
    assert len(rows) >= 100
    err = np.array([abs(t - r["utc_offset"]) for t, r in rows])
    within1, within2 = float((err <= 1).mean()), float((err <= 2).mean())
    conf = np.array([r["confidence"] for _, r in rows])
    sure = err[conf >= 0.95]
    print(f"organic accounts with an offset: {len(rows)}; within 1 h {within1:.0%}, within 2 h "
          f"{within2:.0%}; confidence >= 0.95: {len(sure)} accounts, within 1 h "
          f"{(sure <= 1).mean():.0%}")
    # The generator gives each person a phase of sd 0.8 h around their zone, so even a
    # perfect fit cannot place much more than ~80% within one hour.
    assert within1 >= 0.6
    assert within2 >= 0.85
    assert (sure <= 1).mean() >= within1  # confidence means something
    schedules = [(synth.labels[a]["schedule"], r["schedule"]) for a, r in acc.items()
                 if synth.role(a) == "organic" and r["status"] == "ok"]
    agree = np.mean([t == f for t, f in schedules])
    print(f"organic schedule class agreement: {agree:.0%}")
    assert agree >= 0.85


def test_too_few_actions_is_undetermined_not_a_guess(synth, team_result):
    acc = _by_id(team_result)
    few = [r for r in acc.values() if r["n_slots"] < 20]
    assert few
    for r in few:
        assert r["status"] == "undetermined"
        assert r["utc_offset"] is None
        assert r["schedule"] == "undetermined"
        assert r["reason"] == "too few actions"
        assert r["confidence"] == 0.0


def test_a_cluster_sharing_a_job_schedule_scores_against_organic_accounts(team_result):
    grp = _by_id(team_result, "cluster")
    assert grp["farm"]["schedule"] == "job"
    assert grp["farm"]["members_job_same_offset"] == grp["farm"]["members_determined"]
    assert grp["farm"]["schedule_score"] > 5
    assert grp["team"]["schedule_score"] > 5
    sample = grp["organic-sample"]
    assert (sample["schedule_score"] or 0.0) < 3
    assert 0 < grp["farm"]["baseline_share"] < 0.5


def test_fit_recovers_half_hour_zones_and_flat_activity():
    rng = np.random.default_rng(5)
    local = rng.choice(336, size=300, p=template("leisure"))
    utc = (local - 11) % 336                      # UTC+5:30
    fit = fit_offsets(np.bincount(utc, minlength=336)[None, :])
    assert fit["schedule"][0] == "leisure"
    assert abs(fit["utc_offset"][0] - 5.5) <= 0.5
    flat = np.bincount(rng.integers(0, 336, 400), minlength=336)[None, :]
    fit = fit_offsets(flat)
    assert fit["schedule"][0] == "round-the-clock"
    assert fit["status"][0] == "undetermined" and fit["reason"][0] == "no daily rhythm"
    assert np.isnan(fit["utc_offset"][0])


def _office_case(tmp_path, zone: str, start: dt.date, days: int) -> Case:
    """One account working 09-17 local (weekdays) in ``zone``, written as UTC timestamps."""
    tz = ZoneInfo(zone)
    rng = np.random.default_rng(2)
    ts = []
    for d in range(days):
        day = start + dt.timedelta(days=d)
        if day.weekday() >= 5:
            continue
        for _ in range(6):
            h = float(rng.uniform(9, 17))
            local = dt.datetime.combine(day, dt.time(int(h), int((h % 1) * 60)), tz)
            ts.append(local.astimezone(dt.UTC))
    tbl = pa.table({"account": ["clerk"] * len(ts), "ts": pa.array(ts, pa.timestamp("us", "UTC")),
                    "text": ["x"] * len(ts)})
    path = tmp_path / "office.parquet"
    pq.write_table(tbl, path)
    from swarmscope import ingest

    case = Case.init(tmp_path / "office-case")
    ingest(case, [path], format="parquet")
    return case


def test_daylight_saving_by_zone_name_and_by_season(tmp_path):
    # Berlin changed from UTC+1 to UTC+2 on 2024-03-31; ten weeks either side.
    case = _office_case(tmp_path, "Europe/Berlin", dt.date(2024, 1, 22), 140)
    con = case.connect()
    t = infer_offsets(con, zones=["Europe/London", "Europe/Berlin", "Europe/Moscow"],
                      seasons=True).to_pylist()[0]
    assert t["zone_name"] == "Europe/Berlin"
    assert t["zone_confidence"] > 0.9
    assert t["utc_offset_winter"] == pytest.approx(1.0, abs=0.5)
    assert t["utc_offset_summer"] == pytest.approx(2.0, abs=0.5)
    with pytest.raises(UsageError, match="unknown time zone"):
        infer_offsets(con, zones=["Mars/Olympus_Mons"])


def test_timecards_in_utc_and_local_time(synth, tmp_path):
    res = analyse(synth.case, groups={"team": synth.op("op4-persona-team")["members"]},
                  personas=False, leadfollow=False, write=False)
    tc, off = res.timecards, res.offsets
    assert tc.schema.names[:6] == ["scope", "id", "zone", "weekday", "hour", "actions"]
    assert str(tc.schema.field("actions").type) == "int64"
    rows = off.to_pylist()
    acc = _by_id(rows)
    a = next(x for x in synth.op("op4-persona-team")["personas"])
    utc = np.array(timecard_matrix(tc, "account", a, "utc"))
    local = np.array(timecard_matrix(tc, "account", a, "local"))
    assert utc.sum() == local.sum() == acc[a]["n_actions"]
    # The persona team works weekdays only, in local time: nothing on local Saturday/Sunday.
    assert local[5:].sum() == 0
    # Local hours are the UTC hours shifted by the fitted offset (whole-hour offsets only).
    shift = acc[a]["utc_offset"]
    if float(shift).is_integer():
        assert np.array_equal(local.sum(axis=0), np.roll(utc.sum(axis=0), int(shift)))
    # Undetermined accounts have no local timecard.
    und = next(i for i, r in acc.items() if r["status"] == "undetermined")
    assert np.array(timecard_matrix(tc, "account", und, "local")).sum() == 0
    assert np.array(timecard_matrix(tc, "cluster", "team", "utc")).sum() == sum(
        acc[m]["n_actions"] for m in synth.op("op4-persona-team")["members"])


def test_hostile_names_stay_exact(tmp_path):
    """Account names and group ids are data: they reach the results byte for byte."""
    from swarmscope import ingest

    evil = "x'); DROP TABLE actions; --\x1b[31m\u202e"
    rng = np.random.default_rng(9)
    ts = [dt.datetime(2024, 3, 4, tzinfo=dt.UTC) + dt.timedelta(minutes=int(m))
          for m in np.sort(rng.integers(0, 60 * 24 * 28, 200))]
    tbl = pa.table({"account": [evil] * 100 + ["plain"] * 100,
                    "ts": pa.array(ts, pa.timestamp("us", "UTC")), "text": ["hello"] * 200})
    pq.write_table(tbl, tmp_path / "evil.parquet")
    case = Case.init(tmp_path / "evil-case")
    ingest(case, [tmp_path / "evil.parquet"], format="parquet")
    res = analyse(case, groups={"g'\"; --": [evil, "plain"]}, write=True)
    ids = set(res.offsets.column("id").to_pylist())
    assert ids == {evil, "plain", "g'\"; --"}
    assert evil in set(res.timecards.column("id").to_pylist())
    assert Case.open(case.path).count() == 200
