"""Keyword-triggered swarms: given triggers, discovered triggers, and what is not a swarm."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from swarmscope import Case, UsageError, ingest
from swarmscope.cli import cli
from swarmscope.temporal import find_swarms
from temporal_synth import synthetic_case


@pytest.fixture(scope="module")
def synth():
    return synthetic_case()


@pytest.fixture(scope="module")
def planted(synth):
    op = synth.op("op3-reply-swarm")
    return op["parameters"]["trigger_term"], set(op["members"])


@pytest.fixture(scope="module")
def viral(synth):
    """The viral non-trigger post's repliers (a confounder: many fast, unrelated replies)."""
    ids = synth.action_ids("viral-replies")
    con = synth.case.connect()
    with_ids = pa.table({"action_id": sorted(ids)})
    con.register("viral_ids", with_ids)
    rows = con.sql("SELECT a.account, a.parent_id FROM actions a JOIN viral_ids USING "
                   "(action_id)").fetchall()
    post = con.sql("SELECT text FROM actions WHERE action_id = $p",
                   params={"p": rows[0][1]}).fetchall()[0][0]
    return {r[0] for r in rows}, post


def _score(found: set[str], truth: set[str]) -> tuple[float, float]:
    hit = len(found & truth)
    return hit / len(truth), hit / max(1, len(found))


def test_planted_swarm_recovered_from_its_keyword(synth, planted, viral):
    term, members = planted
    res = find_swarms(synth.case.connect(), keywords=[term.upper()])   # case-insensitive
    recall, precision = _score(set(res.members()), members)
    trig = res.triggers.to_pylist()[0]
    print(f"keyword {term!r}: recall {recall:.0%}, precision {precision:.0%}; "
          f"{trig['quick_responders_per_trigger']:.1f} quick responders per trigger post vs "
          f"{trig['quick_responders_per_control']:.2f} per comparable post; median latency "
          f"swarm {trig['median_latency_swarm_s']:.0f} s, others "
          f"{trig['median_latency_other_s']:.0f} s")
    assert recall >= 0.9 and precision >= 0.9
    assert not set(res.members()) & viral[0]
    assert trig["trigger_posts"] >= 50 and trig["control_posts"] > trig["trigger_posts"]
    assert trig["recurring_control_responders"] == 0
    rows = res.swarms.to_pylist()
    assert {r["swarm"] for r in rows} == {1}
    assert all(r["trigger"] == term.upper() and r["q_value"] <= 0.01 for r in rows)
    assert all(r["triggers_responded"] >= 3 for r in rows)
    # Latencies for the report: every member's responses, the other responders' and controls'.
    lat = res.latencies
    assert lat.schema.names[:4] == ["swarm", "trigger", "account", "latency_s"]
    groups = set(lat.column("group").to_pylist())
    assert groups == {"swarm", "other", "control"}
    swarm_lat = [r["latency_s"] for r in lat.to_pylist() if r["group"] == "swarm"]
    assert min(swarm_lat) >= 0


def test_planted_swarm_and_its_trigger_discovered_without_keywords(synth, planted, viral):
    term, members = planted
    res = find_swarms(synth.case.connect())
    assert res.params["discovered"][0] == term
    recall, precision = _score(set(res.members(term)), members)
    print(f"discovered {res.params['discovered']}: recall {recall:.0%}, precision {precision:.0%}")
    assert recall >= 0.9 and precision >= 0.9
    assert not set(res.members()) & viral[0]
    row = res.triggers.to_pylist()[0]
    assert row["discovered"] and row["discovery_score"] > 0


def test_viral_post_repliers_are_not_a_swarm(synth, viral):
    repliers, text = viral
    assert len(repliers) >= 50
    # Use the viral post's own rarest-looking words as keywords: its repliers answered once.
    words = sorted({w for w in text.split() if w.isalpha() and len(w) > 4}, key=len)[-3:]
    res = find_swarms(synth.case.connect(), keywords=words)
    assert not set(res.members()) & repliers
    # Respond-once crowds are visible in the latencies, not as members.
    assert res.triggers.num_rows == len(words)


def _mini_case(tmp_path) -> Case:
    """Three swarm accounts reply within a minute to every post mentioning 'Tehran' (or
    carrying #IranNews, or by @newsdesk), ordinary accounts reply to other posts slowly."""
    t0 = dt.datetime(2024, 5, 6, 8, tzinfo=dt.UTC)
    rows = []
    n = 0

    def add(account, ts, text=None, kind="post", parent=None, hashtags=None):
        nonlocal n
        n += 1
        rows.append({"account": account, "ts": ts, "text": text, "kind": kind,
                     "parent_id": parent, "action_id": f"a{n}", "platform": "x",
                     "hashtags": hashtags or []})
        return f"a{n}"

    for i in range(12):
        ts = t0 + dt.timedelta(hours=3 * i)
        topic = ["news from Tehran today", "#IranNews update", "weather report"][i % 3]
        author = "newsdesk" if i % 4 == 0 else f"user{i}"
        post = add(author, ts, topic, hashtags=["IranNews"] if "#" in topic else [])
        other = add(f"user{i + 100}", ts + dt.timedelta(minutes=5), "lunch was good")
        if "Tehran" in topic:
            for j, s in enumerate(("s1", "s2", "s3")):
                add(s, ts + dt.timedelta(seconds=40 + 10 * j), "@x lies!", "reply", post)
        for j in range(3):
            add(f"fan{j}", ts + dt.timedelta(hours=2, minutes=j), "nice", "reply", other)
    tbl = pa.Table.from_pylist(rows, schema=pa.schema([
        ("account", pa.string()), ("ts", pa.timestamp("us", "UTC")), ("text", pa.string()),
        ("kind", pa.string()), ("parent_id", pa.string()), ("action_id", pa.string()),
        ("platform", pa.string()), ("hashtags", pa.list_(pa.string()))]))
    pq.write_table(tbl, tmp_path / "mini.parquet")
    case = Case.init(tmp_path / "mini")
    ingest(case, [tmp_path / "mini.parquet"], format="parquet")
    return case


def test_keyword_regex_hashtag_and_watch_account_triggers(tmp_path):
    case = _mini_case(tmp_path)
    con = case.connect()
    res = find_swarms(con, keywords=["tehran"], regexes=[r"(?i)teh(e)?ran"],
                      hashtags=["#irannews"], watch_accounts=["@NewsDesk"], controls_per_trigger=3)
    by = {r["trigger"]: r for r in res.triggers.to_pylist()}
    assert set(by) == {"tehran", "/(?i)teh(e)?ran/", "#irannews", "@NewsDesk"}
    assert by["tehran"]["trigger_posts"] == 4 and by["/(?i)teh(e)?ran/"]["trigger_posts"] == 4
    assert by["#irannews"]["trigger_posts"] == 4
    assert by["@NewsDesk"]["trigger_posts"] == 3
    assert set(res.members("tehran")) == {"s1", "s2", "s3"}
    assert set(res.members("#irannews")) == set()
    assert not {m for m in res.members() if m.startswith(("fan", "user"))}


def test_hostile_trigger_strings_are_data(tmp_path):
    case = _mini_case(tmp_path)
    con = case.connect()
    res = find_swarms(con, keywords=["'; DROP TABLE actions; --", "Tehran\\", "a$b{1}"],
                      watch_accounts=["x' OR '1'='1"], discover=False)
    assert res.swarms.num_rows == 0
    assert con.sql("SELECT count(*) FROM actions").fetchall()[0][0] > 0
    with pytest.raises(UsageError, match="invalid regular expression"):
        find_swarms(con, regexes=["(unclosed"])


def test_swarms_command_publishes_results(tmp_path):
    case = _mini_case(tmp_path)
    r = CliRunner().invoke(cli, ["swarms", str(case.path), "--keyword", "Tehran",
                                 "--window", "2m"])
    assert r.exit_code == 0, r.output
    assert "swarm 1 (3 accounts)" in r.output
    case = Case.open(case.path)
    for name in ("swarms.parquet", "swarm_latencies.parquet", "swarm_triggers.parquet",
                 "swarms.json"):
        assert case.result_path(name) is not None and case.result_path(name).exists()
    t = pq.read_table(case.result_path("swarm_latencies.parquet"))
    assert {"swarm", "trigger", "account", "latency_s"} <= set(t.column_names)
