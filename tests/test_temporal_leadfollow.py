"""Lead-follow: who seeds a cluster's objects and who amplifies them; and the timecards
command that publishes it with the other temporal results."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from swarmscope import Case, ingest
from swarmscope.cli import cli
from swarmscope.temporal import lead_follow
from temporal_synth import synthetic_case


def _seeded_case(tmp_path) -> Case:
    """'boss' posts; 'a' reposts 20-40 s later, 'b' 50-80 s later, every time; 'c' and 'd'
    repost other posts in random order."""
    t0 = dt.datetime(2024, 5, 6, 9, tzinfo=dt.UTC)
    rows = []
    for i in range(10):
        ts = t0 + dt.timedelta(hours=i)
        rows.append({"account": "boss", "ts": ts, "kind": "post", "action_id": f"p{i}",
                     "repost_of": None, "text": f"message {i}"})
        rows.append({"account": "a", "ts": ts + dt.timedelta(seconds=20 + 2 * i),
                     "kind": "repost", "action_id": f"ra{i}", "repost_of": f"p{i}", "text": None})
        rows.append({"account": "b", "ts": ts + dt.timedelta(seconds=50 + 3 * i),
                     "kind": "repost", "action_id": f"rb{i}", "repost_of": f"p{i}", "text": None})
        first, second = ("c", "d") if i % 2 else ("d", "c")
        rows.append({"account": first, "ts": ts + dt.timedelta(minutes=30), "kind": "repost",
                     "action_id": f"rc{i}", "repost_of": f"p{i}x", "text": None})
        rows.append({"account": second, "ts": ts + dt.timedelta(minutes=30, seconds=5),
                     "kind": "repost", "action_id": f"rd{i}", "repost_of": f"p{i}x",
                     "text": None})
    tbl = pa.Table.from_pylist(rows, schema=pa.schema([
        ("account", pa.string()), ("ts", pa.timestamp("us", "UTC")), ("kind", pa.string()),
        ("action_id", pa.string()), ("repost_of", pa.string()), ("text", pa.string())]))
    pq.write_table(tbl, tmp_path / "seeded.parquet")
    case = Case.init(tmp_path / "seeded")
    ingest(case, [tmp_path / "seeded.parquet"], format="parquet", platform="x")
    return case


def test_seeder_and_amplifiers(tmp_path):
    case = _seeded_case(tmp_path)
    t = lead_follow(case.connect(), {"7": ["boss", "a", "b"], "8": ["c", "d"]},
                    behaviours=["repost"])
    assert t.schema.names[:5] == ["cluster", "account", "led", "followed", "lead_share"]
    rows = {(r["cluster"], r["account"]): r for r in t.to_pylist()}
    boss, a, b = rows[("7", "boss")], rows[("7", "a")], rows[("7", "b")]
    # The author of the reposted posts counts as acting first on them.
    assert (boss["led"], boss["followed"], boss["lead_share"]) == (10, 0, 1.0)
    assert boss["role"] == "seeder"
    assert (a["led"], a["followed"]) == (0, 10) and (b["led"], b["followed"]) == (0, 10)
    assert a["role"] == b["role"] == "amplifier"
    assert a["median_lag_s"] < b["median_lag_s"]
    c, d = rows[("8", "c")], rows[("8", "d")]
    assert c["led"] == d["led"] == 5 and c["role"] == d["role"] == "mixed"
    assert 0.0 <= c["lead_share"] <= 1.0


@pytest.fixture(scope="module")
def synth_detected():
    from swarmscope.signals.detect import detect

    s = synthetic_case()
    if s.case.result_path("clusters.parquet") is None:
        detect(s.case)
    return s


def test_timecards_command_on_detected_clusters(synth_detected):
    s = synth_detected
    r = CliRunner().invoke(cli, ["timecards", str(s.case.path)])
    assert r.exit_code == 0, r.output
    assert "team-run personas" in r.output
    case = Case.open(s.case.path)
    tables = {n: pq.read_table(case.result_path(f"{n}.parquet"))
              for n in ("timecards", "offsets", "personas", "leadfollow")}
    assert {"scope", "id", "zone", "weekday", "hour", "actions"} <= set(tables["timecards"].column_names)
    assert {"scope", "id", "n_actions", "utc_offset", "confidence", "status", "schedule"} <= set(
        tables["offsets"].column_names)
    assert {"account", "score", "active_hours", "blocks", "style_shift", "evidence"} <= set(
        tables["personas"].column_names)
    assert {"cluster", "account", "led", "followed", "lead_share"} <= set(
        tables["leadfollow"].column_names)
    scopes = set(tables["offsets"].column("scope").to_pylist())
    assert scopes == {"account", "cluster"}
    assert case.result_path("temporal.json").exists()
    # News outlets seed what their bots amplify (a co-action cluster of the confounders).
    lf = tables["leadfollow"].to_pylist()
    roles = {(s.role(x["account"]), x["role"]) for x in lf if s.role(x["account"]) in
             ("news_outlet", "news_bot")}
    if roles:
        assert ("news_outlet", "amplifier") not in roles
        assert ("news_bot", "seeder") not in roles
    print("lead-follow roles by planted role:",
          sorted({(s.role(x["account"]), x["role"]) for x in lf}))
