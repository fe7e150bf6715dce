"""The cnt peer mode against a brute-force reading of coordination-network-toolkit's rule.

CNT's directed weight from user_1 to user_2 is the number of distinct messages of user_1 that a
message of user_2 matches: same object, at most ``time_window`` seconds apart (inclusive).
Messages are keyed by id, so a repeated id counts once (its earliest copy).
"""

import datetime as dt
import random
from itertools import product

import duckdb
import pyarrow as pa
import pytest

from swarmscope.signals.parity import cnt_network

T0 = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)


def brute_force(rows, window, min_edge_weight):
    first = {}
    for r in sorted(rows, key=lambda r: (r["ts"], r["account"], r["object"])):
        first.setdefault(r["action_id"], r)
    msgs = list(first.values())
    weights = {}
    for u1, u2 in product({m["account"] for m in msgs}, repeat=2):
        if u1 == u2:
            continue
        matched = {m1["action_id"] for m1 in msgs if m1["account"] == u1
                   for m2 in msgs if m2["account"] == u2 and m2["object"] == m1["object"]
                   and abs((m2["ts"] - m1["ts"]).total_seconds()) <= window}
        if len(matched) >= min_edge_weight:
            weights[(u1, u2)] = len(matched)
    return weights


def random_actions(seed, n=400, repeated_ids=False):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        # times on a coarse grid, so many pairs sit exactly on the window's edge
        rows.append({"behaviour": "repost", "account": f"u{rng.randrange(25)}",
                     "object": f"o{rng.randrange(30)}", "platform": "x",
                     "ts": T0 + dt.timedelta(seconds=15 * rng.randrange(40)),
                     "action_id": f"m{rng.randrange(n // 2) if repeated_ids else i}"})
    return rows


def run_cnt(rows, window, min_edge_weight, **kw):
    con = duckdb.connect()
    con.register("src_rows", pa.Table.from_pylist(rows))
    con.execute("CREATE TABLE src AS SELECT * FROM src_rows")
    directed, undirected = cnt_network(con, "src", window, min_edge_weight, **kw)
    return ({(r["user_1"], r["user_2"]): r["weight"] for r in directed.to_pylist()},
            {(r["a"], r["b"]): r["weight"] for r in undirected.to_pylist()})


@pytest.mark.parametrize("window", [0, 15, 60, 61, 600])
@pytest.mark.parametrize("repeated_ids", [False, True])
def test_directed_weights_match_the_rule(window, repeated_ids):
    rows = random_actions(seed=window, repeated_ids=repeated_ids)
    mew = 1 if window == 0 else 2  # simultaneous pairs are rare
    expected = brute_force(rows, window, mew)
    assert expected, "the data must produce edges for the test to mean anything"
    directed, undirected = run_cnt(rows, window, mew)
    assert directed == expected
    # the undirected network keeps the larger weight of the two directions
    both = {}
    for (u1, u2), w in expected.items():
        key = (min(u1, u2), max(u1, u2))
        both[key] = max(both.get(key, 0), w)
    assert undirected == both


def test_a_message_on_two_objects_counts_once():
    rows = [
        {"behaviour": "link", "account": "ann", "object": "a.com", "platform": "x",
         "ts": T0, "action_id": "1"},
        # the same message (one post with two links) reaches bob's two posts on two objects
        {"behaviour": "link", "account": "ann", "object": "b.com", "platform": "x",
         "ts": T0, "action_id": "1"},
        {"behaviour": "link", "account": "bob", "object": "a.com", "platform": "x",
         "ts": T0 + dt.timedelta(seconds=5), "action_id": "2"},
        {"behaviour": "link", "account": "bob", "object": "b.com", "platform": "x",
         "ts": T0 + dt.timedelta(seconds=5), "action_id": "3"},
    ]
    directed, _ = run_cnt(rows, 60, 1)
    # CNT keeps one copy of message 1 (on a.com): ann has 1 matched message, bob 1 (id 2)
    assert directed == {("ann", "bob"): 1, ("bob", "ann"): 1}
    assert directed == brute_force(rows, 60, 1)
