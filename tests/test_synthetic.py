"""The synthetic scenario generator: determinism, size, and the planted ground truth.

One small scenario is generated per module and checked against its labels: every planted
operation is in the data with the properties the labels state, the confounders are there, and
the file ingests into a case without a --map and without rejects.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import replace
from pathlib import Path

import duckdb
import orjson
import pyarrow.parquet as pq
import pytest

import swarmscope
from swarmscope.schema import SOURCE_COLUMNS
from swarmscope.synthetic import Confounders, Scenario, generate
from swarmscope.text import text_key

SCALE = 0.03


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, scale=SCALE, seed=11)
    return out


@pytest.fixture(scope="module")
def con(synth: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("SET TimeZone='UTC'")
    c.read_parquet(str(synth / "actions.parquet")).create("a")
    c.read_csv(str(synth / "labels" / "accounts.csv"), all_varchar=True).create("acc")
    c.read_csv(str(synth / "labels" / "actions.csv"), all_varchar=True).create("lab")
    return c


@pytest.fixture(scope="module")
def ops(synth: Path) -> dict[str, dict]:
    doc = json.loads((synth / "labels" / "operations.json").read_text())
    return {o["id"]: o for o in doc["operations"] + doc["confounders"]}


def canonical_digest(path: Path) -> str:
    """Hash of the table's content (not of the file, whose metadata may name the writer)."""
    table = pq.read_table(path)
    h = hashlib.sha256()
    h.update(str(table.schema).encode())
    for batch in table.to_batches(max_chunksize=50_000):
        h.update(orjson.dumps(batch.to_pylist(), default=str))
    return h.hexdigest()


# -- determinism and size ---------------------------------------------------------------------


def test_same_seed_gives_the_same_data_and_labels(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", scale=0.01, seed=3)
    b = generate(tmp_path / "b", scale=0.01, seed=3)
    c = generate(tmp_path / "c", scale=0.01, seed=4)
    assert canonical_digest(a.actions_path) == canonical_digest(b.actions_path)
    for name in ("accounts.csv", "actions.csv", "operations.json"):
        assert (a.labels_dir / name).read_bytes() == (b.labels_dir / name).read_bytes()
    assert canonical_digest(a.actions_path) != canonical_digest(c.actions_path)
    assert (a.labels_dir / "accounts.csv").read_bytes() != (c.labels_dir / "accounts.csv").read_bytes()


def test_scale_one_is_about_a_million_actions(synth: Path, tmp_path: Path) -> None:
    # Fixed-size parts (operations at their minimum sizes) cancel in the difference.
    n_small = pq.ParquetFile(synth / "actions.parquet").metadata.num_rows
    n_big = generate(tmp_path, scale=2 * SCALE, seed=11).n_actions
    per_unit = (n_big - n_small) / SCALE
    assert 850_000 <= per_unit <= 1_150_000
    assert 850_000 <= n_small + per_unit * (1 - SCALE) <= 1_150_000


# -- the table itself -------------------------------------------------------------------------


def test_actions_have_exactly_the_canonical_columns_and_no_labels(synth: Path,
                                                                  con: duckdb.DuckDBPyConnection
                                                                  ) -> None:
    schema = pq.read_schema(synth / "actions.parquet")
    assert tuple(schema.names) == SOURCE_COLUMNS
    assert str(schema.field("ts").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("urls").type) == "list<element: string>"
    keys = {k for (e,) in con.execute("SELECT extra FROM a WHERE extra IS NOT NULL").fetchall()
            for k in orjson.loads(e)}
    assert keys == {"page_id", "ns", "sha1", "size", "minor", "tags", "anon"}
    assert con.execute("SELECT count(*) FROM a WHERE platform = 'synthnet' AND extra IS NOT NULL"
                       ).fetchone() == (0,)
    # Ids are unique and say nothing about the operation (time-ordered snowflakes / revids).
    assert con.execute("SELECT count(*) - count(DISTINCT (platform, action_id)) FROM a").fetchone() == (0,)
    # Account ids are drawn alike for everyone: planted accounts sit mid-range, not at one end.
    planted_rank = con.execute("""
        SELECT platform, avg(r) FROM (
            SELECT platform, label, percent_rank() OVER (PARTITION BY platform
                                                         ORDER BY CAST(account_id AS BIGINT)) AS r
            FROM acc WHERE account_id <> '')
        WHERE label = '1' GROUP BY platform""").fetchall()
    assert len(planted_rank) == 2 and all(0.1 < r < 0.9 for _, r in planted_rank)


def test_ingests_into_a_case_without_map_or_rejects(synth: Path, case) -> None:
    report = swarmscope.ingest(case, [synth / "actions.parquet"], format="parquet")
    n = pq.ParquetFile(synth / "actions.parquet").metadata.num_rows
    assert (report.added, report.rejected, report.duplicates) == (n, 0, 0)
    c = duckdb.connect()
    c.read_parquet([str(p) for p in case.parts("actions")]).create_view("ingested")
    c.read_parquet(str(synth / "actions.parquet")).create_view("src")
    # Texts survive byte-exact (farm copies have extra spaces), wiki extra stays an object.
    assert c.execute("""
        SELECT count(*) FROM ingested i JOIN src s USING (platform, action_id)
        WHERE i.text IS DISTINCT FROM s.text OR i.extra IS DISTINCT FROM s.extra
           OR i.ts <> s.ts OR i.kind <> s.kind""").fetchone() == (0,)
    assert c.execute("SELECT count(*) FROM ingested WHERE platform = 'synthwiki' "
                     "AND json_extract_string(extra, '$.sha1') IS NULL").fetchone() == (0,)


def test_references_point_to_earlier_actions(con: duckdb.DuckDBPyConnection) -> None:
    bad = con.execute("""
        SELECT count(*) FROM a r JOIN a t ON t.platform = r.platform
          AND t.action_id = coalesce(r.repost_of, r.parent_id)
        WHERE r.platform = 'synthnet' AND t.ts >= r.ts""").fetchone()
    dangling = con.execute("""
        SELECT count(*) FROM a r WHERE r.platform = 'synthnet'
          AND coalesce(r.repost_of, r.parent_id) IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM a t WHERE t.platform = 'synthnet'
                          AND t.action_id = coalesce(r.repost_of, r.parent_id))""").fetchone()
    assert bad == (0,) and dangling == (0,)


# -- the organic background -------------------------------------------------------------------


def test_organic_activity_is_heavy_tailed_and_diurnal(con: duckdb.DuckDBPyConnection) -> None:
    med, top = con.execute("""
        SELECT median(n), max(n) FROM (SELECT account, count(*) n FROM a JOIN acc USING (account)
        WHERE acc.role = 'organic' AND a.platform = 'synthnet' GROUP BY account)""").fetchone()
    assert med <= 8 and top >= 30 * med
    night = con.execute("""
        SELECT avg(CASE WHEN (hour(ts) + CAST(utc_offset AS DOUBLE) + 48) % 24 BETWEEN 2 AND 5.99
                        THEN 1 ELSE 0 END)
        FROM a JOIN acc USING (account) WHERE acc.role = 'organic' AND a.platform = 'synthnet'
    """).fetchone()[0]
    assert night < 0.08  # 4 of 24 hours would be 0.17 without a sleep trough


def test_organic_content_has_the_usual_pitfalls(con: duckdb.DuckDBPyConnection) -> None:
    # Very common short texts are posted by many unrelated accounts.
    assert con.execute("SELECT count(DISTINCT account) FROM a WHERE text = 'so true'"
                       ).fetchone()[0] >= 10
    # Tracking parameters, www. variants and empty URL strings all occur.
    utm, www, empty = con.execute("""
        SELECT count(*) FILTER (WHERE u LIKE '%utm_%'), count(*) FILTER (WHERE u LIKE '%://www.%'),
               count(*) FILTER (WHERE u = '')
        FROM (SELECT unnest(urls) AS u FROM a WHERE platform = 'synthnet')""").fetchone()
    assert utm > 0 and www > 0 and empty > 0


# -- planted operations -----------------------------------------------------------------------


def test_every_operation_is_labelled_and_present(con: duckdb.DuckDBPyConnection,
                                                 ops: dict[str, dict]) -> None:
    planted = sorted(k for k in ops if k.startswith("op"))
    assert planted == ["op1-co-repost-ring", "op2-copy-paste-farm", "op3-reply-swarm",
                       "op4-persona-team", "op5-wiki-tag-team"]
    for op_id in planted:
        members = ops[op_id]["members"]
        labelled = {r[0] for r in con.execute(
            "SELECT account FROM acc WHERE label = '1' AND operation = ?", [op_id]).fetchall()}
        assert labelled == set(members)
        acting = {r[0] for r in con.execute(
            "SELECT DISTINCT account FROM a WHERE list_contains(?, account)", [members]).fetchall()}
        assert acting == set(members), op_id
    assert con.execute("SELECT count(*) FROM acc WHERE label = '1' AND operation = ''"
                       ).fetchone() == (0,)


def test_ring_reposts_each_object_within_the_window(con: duckdb.DuckDBPyConnection,
                                                    ops: dict[str, dict]) -> None:
    ring = ops["op1-co-repost-ring"]
    window = ring["parameters"]["window_s"]
    rows = con.execute("""
        SELECT repost_of, count(*), epoch(max(ts)) - epoch(min(ts)),
               min(epoch(r.ts) - (SELECT epoch(o.ts) FROM a o WHERE o.action_id = r.repost_of))
        FROM a r WHERE kind = 'repost' AND list_contains($members, account)
          AND list_contains($objects, repost_of)
        GROUP BY repost_of""", {"members": ring["members"], "objects": ring["objects"]}).fetchall()
    assert len(rows) == len(ring["objects"]) >= 40
    assert all(n >= 2 and spread <= window and lag > 0 for _, n, spread, lag in rows)
    # A naive "same object" detector also sees the viral bursts: thousands of organic
    # accounts within an hour, but each pair only once.
    burst = ops["viral-bursts"]["bursts"][0]
    assert con.execute("SELECT count(DISTINCT account) FROM a WHERE repost_of = ?",
                       [burst["post"]]).fetchone()[0] >= 100


def test_farm_copies_normalise_to_the_same_text(con: duckdb.DuckDBPyConnection,
                                                ops: dict[str, dict]) -> None:
    farm = ops["op2-copy-paste-farm"]
    window = farm["parameters"]["window_s"]
    rows = con.execute("""
        SELECT lab."group", lab.detail, a.text, epoch(a.ts)
        FROM a JOIN lab USING (platform, action_id)
        WHERE lab.operation = 'op2-copy-paste-farm' AND lab."group" <> ''""").fetchall()
    groups: dict[str, list[tuple]] = {}
    for g, detail, text, t in rows:
        groups.setdefault(g, []).append((detail, text, text_key(text), t))
    assert len(groups) == farm["parameters"]["messages"]
    same = differ = changed = near = 0
    for copies in groups.values():
        assert max(c[3] for c in copies) - min(c[3] for c in copies) <= window
        (orig,) = [c for c in copies if c[0] == "original"]
        for detail, text, k, _ in copies:
            if detail == "copy":
                same += k == orig[2]
                differ += k != orig[2]
                changed += text != orig[1]
            elif detail == "near-duplicate":
                near += 1
                a_words, b_words = set(orig[1].lower().split()), set(text.lower().split())
                assert len(a_words & b_words) / len(a_words | b_words) >= 0.5
    assert differ == 0 and same > 20 and near > 5
    assert changed / same > 0.5  # exact-text matching misses most copies


def test_swarm_replies_only_to_posts_with_the_trigger(con: duckdb.DuckDBPyConnection,
                                                      ops: dict[str, dict]) -> None:
    swarm = ops["op3-reply-swarm"]
    p = swarm["parameters"]
    term = p["trigger_term"]
    members, triggers = swarm["members"], set(swarm["trigger_posts"])
    replies = con.execute("""
        SELECT r.parent_id, r.account, epoch(r.ts) - epoch(t.ts), t.text
        FROM a r JOIN a t ON t.platform = r.platform AND t.action_id = r.parent_id
        WHERE r.kind = 'reply' AND list_contains(?, r.account)""", [members]).fetchall()
    assert replies and {r[0] for r in replies} == triggers
    assert all(p["min_delay_s"] <= d <= p["window_s"] for _, _, d, _ in replies)
    assert all(term in text.split() for *_, text in replies)
    # A varying subset of the swarm per trigger post.
    subsets = {}
    for parent, account, _, _ in replies:
        subsets.setdefault(parent, set()).add(account)
    sizes = [len(s) for s in subsets.values()]
    assert min(sizes) < max(sizes) and len({frozenset(s) for s in subsets.values()}) >= 10
    # The trigger word appears in no other post: the swarm ignores comparable posts.
    others = con.execute("""SELECT count(*) FROM a WHERE platform = 'synthnet'
        AND list_contains(string_split(text, ' '), ?) AND kind IN ('post', 'quote')""",
                         [term]).fetchone()[0]
    assert others == len(triggers)
    # The confounder: a viral non-trigger post with many fast repliers.
    viral = ops["viral-replies"]
    assert viral["post"] not in triggers
    fast = con.execute("""SELECT count(DISTINCT r.account) FROM a r JOIN a t
        ON t.action_id = r.parent_id WHERE r.parent_id = ? AND epoch(r.ts) - epoch(t.ts) <= 900""",
                       [viral["post"]]).fetchone()[0]
    assert fast >= 60


def test_personas_work_weekday_shifts_in_their_offset(con: duckdb.DuckDBPyConnection,
                                                      ops: dict[str, dict]) -> None:
    team = ops["op4-persona-team"]
    p = team["parameters"]
    con.execute("CREATE OR REPLACE TEMP MACRO local_time(t, off) AS "
                "to_timestamp(epoch(t) + off * 3600) AT TIME ZONE 'UTC'")
    args = {"off": team["utc_offset"], "who": team["personas"]}
    rows = con.execute("""
        SELECT account, hour(local_time(ts, $off)), isodow(local_time(ts, $off)), lab.detail, a.text
        FROM a JOIN lab USING (platform, action_id) WHERE list_contains($who, account)""",
                       args).fetchall()
    shift_hours = [set(range(a, b)) for a, b in p["shifts"]]
    for _, hour, dow, detail, _ in rows:
        assert dow <= 5, "personas are quiet at weekends"
        assert any(hour in s for s in shift_hours)
        style = next(i for i, st in enumerate(p["styles"]) if detail == f"shift-{st['name']}")
        assert hour in shift_hours[style]
    # Both shifts run every persona (about 16 h a day), with different writing habits.
    by_persona = {}
    for account, _, _, detail, _ in rows:
        by_persona.setdefault(account, set()).add(detail)
    assert all(len(v) == len(p["shifts"]) for v in by_persona.values())
    texts = {d: [t for *_, dd, t in rows if dd == d and t] for d in ("shift-A", "shift-B")}

    def share(d: str, s: str) -> float:
        return sum(s in t for t in texts[d]) / len(texts[d])

    assert share("shift-A", "...") > 3 * share("shift-B", "...")
    assert share("shift-B", "!!") > 3 * share("shift-A", "!!")
    # Staff accounts: office hours in the same offset, reposting fresh persona posts.
    staff = con.execute("""
        SELECT hour(local_time(ts, $off)), isodow(local_time(ts, $off)) FROM a
        WHERE list_contains($who, account)""", {**args, "who": team["regulars"]}).fetchall()
    office = set().union(*(range(a, b) for a, b in p["regular_hours"]))
    assert staff and all(h in office and d <= 5 for h, d in staff)
    lags = con.execute("""
        SELECT epoch(r.ts) - epoch(t.ts) FROM a r JOIN a t ON t.action_id = r.repost_of
        WHERE list_contains($staff, r.account) AND list_contains($personas, t.account)""",
                       {"staff": team["regulars"], "personas": team["personas"]}).fetchall()
    assert lags and all(0 < lag <= p["amplify_window_s"] for (lag,) in lags)


def test_wiki_revisions_follow_the_conventions(con: duckdb.DuckDBPyConnection) -> None:
    broken = con.execute("""
        SELECT count(*) FROM (
          SELECT parent_id, lag(action_id) OVER (PARTITION BY title ORDER BY ts) AS prev
          FROM a WHERE platform = 'synthwiki')
        WHERE prev IS NOT NULL AND parent_id IS DISTINCT FROM prev""").fetchone()
    assert broken == (0,)
    assert con.execute("SELECT DISTINCT kind FROM a WHERE platform = 'synthwiki'").fetchall() == [("edit",)]
    anon = con.execute("""SELECT bool_and(regexp_matches(account, '^[0-9.]+$|:')) FROM a
        WHERE platform = 'synthwiki' AND json_extract(extra, '$.anon')::BOOLEAN""").fetchone()
    assert anon == (True,)


WIKI_REVERTS = """
    WITH w AS (
        SELECT title, action_id, account, ts, text, urls,
               json_extract_string(extra, '$.sha1') AS sha1,
               row_number() OVER (PARTITION BY title ORDER BY ts) AS i
        FROM a WHERE platform = 'synthwiki'),
    restored AS (  -- identity reverts: a revision restoring an earlier revision's SHA-1
        SELECT r.title, r.action_id, r.account, r.ts, r.text, r.i, max(e.i) AS target
        FROM w r JOIN w e ON e.title = r.title AND e.sha1 = r.sha1 AND e.i < r.i - 1
        GROUP BY ALL)
    SELECT r.title, r.account, r.ts, r.text,
           list(v.account ORDER BY v.i) AS reverted
    FROM restored r JOIN w v ON v.title = r.title AND v.i > r.target AND v.i < r.i
    GROUP BY ALL
"""


def test_tag_team_reverts_opponents_and_never_each_other(con: duckdb.DuckDBPyConnection,
                                                         ops: dict[str, dict]) -> None:
    tt = ops["op5-wiki-tag-team"]
    p = tt["parameters"]
    members = set(tt["members"])
    reverts = con.execute(WIKI_REVERTS).fetchall()
    ring = [r for r in reverts if r[1] in members]
    assert len(ring) >= 2 * len(p["contested_pages"])
    assert all(r[0] in p["contested_pages"] for r in ring)
    assert not any(members & set(r[4]) for r in ring), "a member reverted a member"
    opponents = {o for opps in p["opponents"].values() for o in opps}
    assert sum(bool(opponents & set(r[4])) for r in ring) / len(ring) > 0.8
    assert any(r[3].startswith("Undid revision ") for r in ring)
    assert len({r[1] for r in ring}) >= 3  # the reverts are shared out
    # At most max_reverts_per_day per member and page in any 24 hours.
    per: dict[tuple[str, str], list] = {}
    for title, account, ts, *_ in ring:
        per.setdefault((account, title), []).append(ts.timestamp())
    for times in per.values():
        times.sort()
        for i, t in enumerate(times):
            assert sum(1 for u in times[i:] if u - t < 86_400) <= p["max_reverts_per_day"]
    # The removed citations are those to the target domains.
    removals = con.execute("""
        SELECT list_filter(t.urls, lambda u: NOT list_contains(c.urls, u))
        FROM a c JOIN a t ON t.platform = c.platform AND t.action_id = c.parent_id
        JOIN lab ON lab.platform = c.platform AND lab.action_id = c.action_id
        WHERE list_contains(?, c.account) AND lab.detail = 'remove-citations'
    """, [sorted(members)]).fetchall()
    assert removals
    for (gone,) in removals:
        assert gone and all(any(d in u for d in p["target_domains"]) for u in gone)
    # Single-purpose members edit almost only their pages.
    for spa in tt["single_purpose"]:
        pages = con.execute("SELECT title, count(*) FROM a WHERE account = ? GROUP BY title "
                            "ORDER BY 2 DESC", [spa]).fetchall()
        assert sum(n for _, n in pages[:2]) / sum(n for _, n in pages) >= 0.8


def test_patrol_reverts_vandals_fast_on_many_pages(con: duckdb.DuckDBPyConnection,
                                                   ops: dict[str, dict]) -> None:
    patrol = ops["wiki-patrol"]
    reverts = con.execute(WIKI_REVERTS).fetchall()
    bot = [r for r in reverts if r[1] == patrol["bot"]]
    assert len({r[0] for r in bot}) >= 10
    ips = all(all(any(ch.isdigit() for ch in v) and ("." in v or ":" in v) for v in r[4])
              for r in bot)
    assert ips, "the bot reverts IP vandalism only"


# -- scenario knobs ---------------------------------------------------------------------------


def test_scenario_knobs_change_what_is_planted(tmp_path: Path) -> None:
    s = Scenario(scale_operations=False, confounders=Confounders.none())
    s = replace(s, ring=replace(s.ring, size=12, window_s=5.0, activity=5.0, mixing=0.0),
                farm=replace(s.farm, enabled=False), swarm=replace(s.swarm, enabled=False),
                personas=replace(s.personas, enabled=False),
                tagteam=replace(s.tagteam, enabled=False))
    r = generate(tmp_path, scale=0.01, seed=5, scenario=s)
    doc = json.loads((r.labels_dir / "operations.json").read_text())
    assert [o["id"] for o in doc["operations"]] == ["op1-co-repost-ring"]
    assert doc["confounders"] == []
    ring = doc["operations"][0]
    assert len(ring["members"]) == 12
    c = duckdb.connect()
    c.read_parquet(str(r.actions_path)).create_view("k")
    per_member = c.execute("""
        SELECT account, count(*), max(spread) FROM (
            SELECT account, repost_of, epoch(max(ts) OVER (PARTITION BY repost_of))
                   - epoch(min(ts) OVER (PARTITION BY repost_of)) AS spread
            FROM k WHERE list_contains(?, account))
        GROUP BY account""", [ring["members"]]).fetchall()
    assert len(per_member) == 12
    assert all(spread <= 5.0 for *_, spread in per_member)
    assert sum(n for _, n, _ in per_member) / 12 <= 10  # about 5 actions each
    with open(r.labels_dir / "accounts.csv", newline="") as fh:
        roles = {row["role"] for row in csv.DictReader(fh)}
    assert not roles & {"news_bot", "fan", "anti_vandal_bot", "persona"}
