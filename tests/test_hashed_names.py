"""Hashed names: integers stored at ingest stand for names one-to-one, or are not used at all.

The cnt network joins on the stored hashes when the case says they are exact; a collision, a
DuckDB that hashes differently, or actions that predate hashes make the case fall back to
names, with the same result.
"""

import csv
import datetime as dt
import random

import duckdb
import pytest

from swarmscope import Case, hashed_names, ingest
from swarmscope.engines import open_engine
from swarmscope.hashed_names import hashes_exact
from swarmscope.signals.parity import cnt_source, peer_network

T0 = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)


def write_reposts(path, seed, n=600, accounts=40, objects=50, prefix=""):
    """Reposts (by id, or by text only, as FiveThirtyEight's IRA data gives them), replies, and
    posts that name a parent (a reply is what joins on it), on a coarse time grid, so many
    pairs fall within a minute."""
    rng = random.Random(seed)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "user", "time", "kind", "rt", "parent", "text"])
        for i in range(n):
            kind = rng.choice(["repost", "repost", "repost", "reply", "post"])
            obj = f"{prefix}p{rng.randrange(objects)}"
            by_text = kind == "repost" and rng.random() < 0.2
            w.writerow([f"{prefix}{i}", f"{prefix}user{rng.randrange(accounts)}",
                        (T0 + dt.timedelta(seconds=20 * rng.randrange(60))).isoformat(),
                        kind, obj if kind == "repost" and not by_text else "",
                        obj if kind != "repost" else "",
                        f"RT words of {obj}" if by_text else ""])
    return path


MAPPING = {"action_id": "id", "account": "user", "ts": "time", "kind": "kind",
           "repost_of": "rt", "parent_id": "parent", "text": "text"}


def new_case(tmp_path, name, *files):
    case = Case.init(tmp_path / name)
    for f in files:
        ingest(case, [f], format="csv", mapping=MAPPING, platform="x")
    return Case.open(case.path)


def names_table(case, table):
    con = case.connect()
    return con.execute(f"SELECT hash, name FROM {table}").fetchall()


def test_ingest_stores_hashes_and_each_name_once(tmp_path):
    a = write_reposts(tmp_path / "a.csv", 1)
    b = write_reposts(tmp_path / "b.csv", 2, prefix="b")
    case = new_case(tmp_path, "case", a)
    assert hashes_exact(case.manifest)
    check_names(case)
    ingest(case, [b], format="csv", mapping=MAPPING, platform="x")
    ingest(case, [a], format="csv", mapping=MAPPING, platform="x")  # adds nothing
    case = Case.open(case.path)
    assert len(case.parts("account_names")) == 2  # the re-ingest added no names
    check_names(case)
    assert hashes_exact(case.manifest)


def check_names(case):
    """Each table of names holds each name of the case's actions once, with its hash."""
    con = case.connect()
    expected = {
        "account_names": {r[0] for r in con.execute("SELECT account FROM actions").fetchall()},
        "object_names": {r[0] for r in con.execute(
            "SELECT 'x:' || repost_of FROM actions WHERE repost_of IS NOT NULL UNION "
            "SELECT 'text:' || text_key FROM actions WHERE kind = 'repost' AND repost_of IS NULL "
            "UNION SELECT 'x:' || parent_id FROM actions WHERE kind = 'reply'").fetchall()},
    }
    assert any(n.startswith("text:") for n in expected["object_names"])
    for table, names in expected.items():
        rows = names_table(case, table)
        assert sorted(n for _, n in rows) == sorted(names)
        assert len({h for h, _ in rows}) == len(rows)
    # every stored hash is the hash of its own row's name
    for col, table, name in [("account_hash", "account_names", "a.account"),
                             ("shared_hash", "object_names",
                              "coalesce('x:' || a.repost_of, 'text:' || a.text_key)"),
                             ("parent_hash", "object_names", "'x:' || a.parent_id")]:
        assert con.execute(f"""
            SELECT count(*), count(*) FILTER (WHERE h.name <> {name})
            FROM actions a JOIN {table} h ON h.hash = a.{col}""").fetchone() == (
            con.execute(f"SELECT count({col}) FROM actions").fetchone()[0], 0)
    # a post's parent is not an object anything joins on
    assert con.execute("SELECT count(parent_hash) FROM actions WHERE kind = 'post'"
                       ).fetchone()[0] == 0


def test_cnt_joins_on_hashes_and_gives_the_names_result(tmp_path):
    a = write_reposts(tmp_path / "a.csv", 3)
    exact = new_case(tmp_path, "exact", a)
    names_only = new_case(tmp_path, "names", a)
    names_only.manifest["tables"]["actions"]["hashes_exact"] = False
    for beh in ("repost", "reply", "share"):
        eng = open_engine(exact)
        assert cnt_source(eng, exact, beh, "v")[1] == "account_names"
        eng = open_engine(names_only)
        assert cnt_source(eng, names_only, beh, "v")[1] is None
        for window in (0, 20, 60):
            on_hashes = peer_network(exact, "cnt", beh, window=window)
            on_names = peer_network(names_only, "cnt", beh, window=window)
            assert on_hashes.num_rows > 0
            assert on_hashes.to_pylist() == on_names.to_pylist()


def weak_hash(name_sql):
    # every name of the same length collides
    return f"CASE WHEN ({name_sql}) IS NOT NULL THEN CAST(length({name_sql}) AS BIGINT) END"


def test_a_collision_makes_the_case_use_names(tmp_path, monkeypatch):
    a = write_reposts(tmp_path / "a.csv", 4)
    reference = peer_network(new_case(tmp_path, "ref", a), "cnt", "repost", window=60)
    monkeypatch.setattr(hashed_names, "hash_sql", weak_hash)
    case = new_case(tmp_path, "weak", a)
    assert not hashes_exact(case.manifest)
    assert cnt_source(open_engine(case), case, "repost", "v")[1] is None
    assert peer_network(case, "cnt", "repost", window=60).to_pylist() == reference.to_pylist()


def test_a_collision_with_an_earlier_ingest_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(hashed_names, "hash_sql", weak_hash)
    # under the weak hash each file's names are distinct (lengths 3 and 6), but bob collides
    # with ann of the earlier ingest
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id,user,time,kind,rt,parent,text\n1,ann,2021-01-01T00:00:00Z,repost,pppp,,\n")
    b.write_text("id,user,time,kind,rt,parent,text\n2,bob,2021-01-01T00:00:10Z,repost,pppp,,\n")
    case = new_case(tmp_path, "case", a)
    assert hashes_exact(case.manifest)
    ingest(case, [b], format="csv", mapping=MAPPING, platform="x")
    case = Case.open(case.path)
    assert not hashes_exact(case.manifest)
    assert peer_network(case, "cnt", "repost", window=60).to_pylist() == [
        {"behaviour": "repost", "user_1": "ann", "user_2": "bob", "weight": 1},
        {"behaviour": "repost", "user_1": "bob", "user_2": "ann", "weight": 1}]


def test_a_duckdb_that_hashes_differently_ends_exact_hashes(tmp_path):
    a = write_reposts(tmp_path / "a.csv", 7)
    b = write_reposts(tmp_path / "b.csv", 8, prefix="b")
    case = new_case(tmp_path, "case", a)
    manifest = case.manifest
    manifest["tables"]["actions"]["hash_probe"] = [1, 2, 3, 4, 5]
    from swarmscope.case import _write_manifest
    _write_manifest(case.path, manifest)
    ingest(Case.open(case.path), [b], format="csv", mapping=MAPPING, platform="x")
    assert not hashes_exact(Case.open(case.path).manifest)


def test_actions_from_before_hashes_keep_the_case_on_names(tmp_path):
    a = write_reposts(tmp_path / "a.csv", 9)
    b = write_reposts(tmp_path / "b.csv", 10, prefix="b")
    case = new_case(tmp_path, "case", a)
    manifest = case.manifest
    del manifest["tables"]["actions"]["hashes_exact"]  # as a case written before hashes
    from swarmscope.case import _write_manifest
    _write_manifest(case.path, manifest)
    ingest(Case.open(case.path), [b], format="csv", mapping=MAPPING, platform="x")
    case = Case.open(case.path)
    assert not hashes_exact(case.manifest)
    assert peer_network(case, "cnt", "repost", window=60).num_rows > 0


@pytest.mark.parametrize("name", ["", "a", "ann", "x:" + "9" * 40, "text:" + "f" * 32, "é\u200b"])
def test_the_stored_hash_is_a_signed_64_bit_integer(name):
    con = duckdb.connect()
    value = con.execute(f"SELECT {hashed_names.hash_sql('$1')}", [name]).fetchone()[0]
    assert isinstance(value, int) and 0 <= value < 2**63


def test_a_case_of_two_platforms_checks_repeated_ids_on_names(tmp_path):
    a = write_reposts(tmp_path / "a.csv", 11)
    case = new_case(tmp_path, "case", a)
    assert case.manifest["tables"]["actions"]["platforms"] == ["x"]
    ingest(case, [a], format="csv", mapping=MAPPING, platform="y")  # the same ids on y
    case = Case.open(case.path)
    assert case.manifest["tables"]["actions"]["platforms"] == ["x", "y"]
    assert cnt_source(open_engine(case), case, "repost", "v") == (False, None)
    # CNT keys messages by id alone: the copies on y add no message, so no weight changes
    one = peer_network(new_case(tmp_path, "one", a), "cnt", "repost", window=60)
    assert peer_network(case, "cnt", "repost", window=60).to_pylist() == one.to_pylist()
