"""Windowed co-action pairs: exact events, inclusive window, direction, crowd cap, explanations."""

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from swarmscope.signals.coaction import aggregate_pairs, pair_aggregate_sql, prepare_events

T0 = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)


def behaviour_table(rows):
    """rows: (account, object, seconds after T0)."""
    return pa.table({
        "behaviour": ["repost"] * len(rows),
        "account": [r[0] for r in rows],
        "object": [r[1] for r in rows],
        "ts": pa.array([T0 + dt.timedelta(seconds=r[2]) for r in rows], pa.timestamp("us", tz="UTC")),
        "platform": ["p"] * len(rows),
        "action_id": [str(i) for i in range(len(rows))],
    })


def pairs(rows, window=60, cap=None):
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    src = behaviour_table(rows)  # noqa: F841
    con.execute("CREATE TABLE src AS SELECT * FROM src")
    prepare_events(con, "src", window, cap)
    out = {(r[1], r[2]): r for r in con.sql(pair_aggregate_sql()).fetchall()}
    # the integer path used by detect gives the same statistics
    total = aggregate_pairs(con, min_objects=1)
    fast = {(r[0], r[1]): r[2:] for r in con.sql(
        "SELECT a, b, n_objects, n_events, first_ts, last_ts, median_lag_s, a_first, b_first, "
        "simultaneous FROM pairs").fetchall()}
    assert total == len(out) == len(fast)
    assert all(fast[k] == v[3:] for k, v in out.items())
    bounded = con.sql("SELECT object, max_crowd, events_not_generated FROM bounded").fetchall()
    return out, bounded


def test_window_is_inclusive_and_same_account_never_pairs():
    got, _ = pairs([("a", "o", 0), ("b", "o", 60), ("c", "o", 60.000001), ("a", "o", 1)])
    assert ("a", "b") in got
    assert ("a", "c") not in got or got[("a", "c")][4] == 1  # c is 59.000001 s after a's 2nd
    assert all(k[0] != k[1] for k in got)


def test_counts_objects_events_lag_and_direction():
    rows = [("a", "o1", 0), ("b", "o1", 10),      # a first, lag 10
            ("b", "o2", 100), ("a", "o2", 130),   # b first, lag 30
            ("a", "o3", 500), ("b", "o3", 500),   # simultaneous
            ("a", "o4", 1000), ("b", "o4", 2000)]  # outside window
    got, _ = pairs(rows)
    beh, a, b, n_obj, n_ev, first, last, med, a_first, b_first, simul = got[("a", "b")]
    assert (n_obj, n_ev) == (3, 3)
    assert (a_first, b_first, simul) == (1, 1, 1)
    assert med == 10.0
    assert first == T0 and last == T0 + dt.timedelta(seconds=500)


def test_matches_brute_force_on_random_data():
    import random

    rnd = random.Random(5)
    rows = [(f"u{rnd.randrange(40)}", f"o{rnd.randrange(30)}", rnd.uniform(0, 3000)) for _ in range(800)]
    got, _ = pairs(rows, window=45)
    brute: dict[tuple[str, str], set] = {}
    events: dict[tuple[str, str], int] = {}
    for i, (ua, oa, ta) in enumerate(rows):
        for ub, ob, tb in rows[i + 1:]:
            if oa == ob and ua != ub and abs(ta - tb) <= 45:
                k = (min(ua, ub), max(ua, ub))
                brute.setdefault(k, set()).add(oa)
                events[k] = events.get(k, 0) + 1
    assert set(got) == set(brute)
    for k, objs in brute.items():
        assert got[k][3] == len(objs)
        assert got[k][4] == events[k]


def test_crowd_cap_bounds_viral_objects_and_reports_them():
    viral = [(f"u{i}", "viral", i * 0.1) for i in range(300)]  # 300 accounts in 30 s
    quiet = [("x", "q", 0), ("y", "q", 5)]
    full, bounded_none = pairs(viral + quiet, cap=None)
    capped, bounded = pairs(viral + quiet, cap=10)
    assert len(full) == 300 * 299 // 2 + 1
    assert len(capped) == sum(min(10, 299 - i) for i in range(300)) + 1
    assert ("x", "y") in capped, "objects under the cap are exact"
    assert bounded_none == []
    (obj, max_crowd, missing), = bounded
    assert obj == "viral" and max_crowd == 299
    assert missing == len(full) - len(capped)


@pytest.mark.parametrize("window", [0, 1, 30])
def test_zero_and_small_windows(window):
    got, _ = pairs([("a", "o", 0), ("b", "o", 0), ("c", "o", 1)], window=window)
    assert ("a", "b") in got
    assert (("a", "c") in got) == (window >= 1)
