"""The shared-source null: fans and feed followers are explained, rings and farms are not.

A hand-built case: an organic background (posts and reposts at random), an idol whose posts
eight fans repost within a minute, a news outlet whose headlines three bots copy within seconds,
a ring that reposts fifteen posts of fifteen different authors within seconds, and a farm that
posts the same texts within minutes (the first poster of each text changing).
"""

import datetime as dt
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from swarmscope import Case, ingest
from swarmscope.schema import ACTIONS_SCHEMA
from swarmscope.signals.detect import detect
from swarmscope.signals.explain import explain_pair

T0 = int(dt.datetime(2021, 3, 1, tzinfo=dt.UTC).timestamp())
DAYS = 10 * 86_400

ORGANIC = [f"org{i:03d}" for i in range(200)]
IDOL, FANS = "idol", [f"fan{i}" for i in range(8)]
OUTLET, BOTS = "outlet", [f"bot{i}" for i in range(3)]
RING = [f"ring{i}" for i in range(6)]
FARM = [f"farm{i}" for i in range(6)]


class Rows:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, account: str, t: float, kind: str, text: str | None = None,
            repost_of: str | None = None, url: str | None = None) -> str:
        aid = f"a{len(self.rows)}"
        self.rows.append({"platform": "net", "action_id": aid, "account": account,
                          "ts": dt.datetime.fromtimestamp(T0 + t, dt.UTC), "kind": kind,
                          "text": text, "repost_of": repost_of, "urls": [url] if url else []})
        return aid


WORDS = [f"w{i}x" for i in range(3000)]
PHRASES = ["good morning everyone", "happy friday", "what a game tonight", "so true",
           "thank you all", "rest in peace", "congratulations", "cannot wait"]


def build() -> Rows:
    rng = np.random.default_rng(5)
    r = Rows()
    posts: list[tuple[str, str, float]] = []  # (id, author, t)
    for a in ORGANIC + FARM + RING + FANS + BOTS:
        for _ in range(20):
            t = float(rng.uniform(0, DAYS))
            text = " ".join(rng.choice(WORDS, 8))
            posts.append((r.add(a, t, "post", text=text), a, t))
        for phrase in rng.choice(PHRASES, 3, replace=False):  # common phrases: organic copies
            r.add(a, float(rng.uniform(0, DAYS)), "post", text=phrase)
    for a in ORGANIC + FANS + RING:
        for k in rng.choice(len(posts), 10, replace=False):
            pid, _, t = posts[k]
            r.add(a, t + float(rng.uniform(60, 86_400)), "repost", repost_of=pid)
    for j in range(30):  # the idol and its fans
        t = float(rng.uniform(0, DAYS))
        pid = r.add(IDOL, t, "post", text=f"idol news {j}")
        for f in FANS:
            if rng.random() < 0.9:
                r.add(f, t + float(rng.uniform(5, 50)), "repost", repost_of=pid)
    for j in range(20):  # the outlet and the bots copying its headlines
        t = float(rng.uniform(0, DAYS))
        url = f"https://outlet.example/story-{j}"
        r.add(OUTLET, t, "post", text=f"Headline number {j} today {url}", url=url)
        for b in BOTS:
            r.add(b, t + float(rng.uniform(2, 20)), "post", text=f"Headline number {j} today {url}",
                  url=url)
    authors_used: set[str] = set()
    for _ in range(15):  # the ring: one post each of fifteen different organic authors
        pid, author, t = next(p for p in posts[rng.integers(len(posts)):] + posts
                              if p[1] in ORGANIC and p[1] not in authors_used)
        authors_used.add(author)
        t0 = t + float(rng.uniform(600, 80_000))
        for m in RING:
            r.add(m, t0 + float(rng.uniform(0, 30)), "repost", repost_of=pid)
    for j in range(25):  # the farm: same texts within ten minutes, first poster varies
        t0 = float(rng.uniform(0, DAYS))
        for m in FARM:
            r.add(m, t0 + float(rng.uniform(0, 600)), "post",
                  text=f"Say it loud campaign message {j} everyone")
    return r


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    d = tmp_path_factory.mktemp("shared_source")
    rows = build().rows
    cols = {f.name: [row.get(f.name) for row in rows] for f in ACTIONS_SCHEMA
            if f.name in rows[0]}
    pq.write_table(pa.table({k: pa.array(v, ACTIONS_SCHEMA.field(k).type)
                             for k, v in cols.items()}), d / "actions.parquet")
    c = Case.init(d / "case")
    ingest(c, [d / "actions.parquet"], format="parquet")
    return c


@pytest.fixture(scope="module")
def result(case):
    return detect(case)


def edge(result, behaviour, a, b):
    e = result.edges.to_pylist()
    a, b = min(a, b), max(a, b)
    return next(x for x in e if x["behaviour"] == behaviour and (x["a"], x["b"]) == (a, b))


def test_rings_and_farms_are_flagged_fans_and_feed_followers_are_not(result):
    flagged = set(result.flagged)
    assert set(RING) <= flagged
    assert set(FARM) <= flagged
    assert not flagged & set(FANS + BOTS + [IDOL, OUTLET])


def test_fans_co_act_beyond_random_partners_but_not_beyond_their_shared_source(result):
    e = edge(result, "repost", "fan0", "fan1")
    assert e["p_random"] < 1e-6  # they really do meet far more often than random partners
    assert e["p_source"] > 0.1   # ... as much as two accounts reposting most idol posts would
    assert e["p_value"] == max(e["p_random"], e["p_source"])
    assert not e["significant"]


def test_expected_source_is_the_leave_one_out_sum_over_sources(case, result):
    """lambda = sum_s (|A_s|-1)(|B_s|-1)/(n_s-1) over independent sources, by hand."""
    rows = case.connect().sql(
        "SELECT account, kind, platform || ':' || action_id, platform || ':' || repost_of "
        "FROM actions").fetchall()
    author = {oid: acc for acc, kind, oid, _ in rows if kind != "repost"}
    catalogue: dict[str, int] = defaultdict(int)
    for a in author.values():
        catalogue[a] += 1
    picks: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for acc, kind, _, rep in rows:
        if kind == "repost":
            picks[acc][author[rep]].add(rep)
    for a, b in [("fan0", "fan1"), ("ring0", "ring1")]:
        # leave-one-out: a's taste for s is judged on s's *other* items; a source that reposts
        # a or b itself follows them back and is not an independent source
        lam = sum((len(picks[a][s]) - 1) * (len(picks[b][s]) - 1) / (catalogue[s] - 1)
                  for s in picks[a]
                  if s in picks[b] and catalogue[s] > 1 and not picks[s].keys() & {a, b})
        e = edge(result, "repost", a, b)
        # every shared object here has its author in the case: no random-partner share
        assert e["expected_source"] == pytest.approx(lam)
    assert edge(result, "repost", "ring0", "ring1")["significant"]


def test_the_author_of_a_copied_text_is_not_its_copiers_co_actor(case, result):
    pairs = {(x["behaviour"], x["a"], x["b"]) for x in result.edges.to_pylist()}
    assert not any(OUTLET in (a, b) for beh, a, b in pairs if beh in ("text", "link"))
    # the explanation shows the same events as the detection used
    ex = explain_pair(case, OUTLET, "bot0", behaviours=["text"])
    assert ex.num_rows == 0
    assert explain_pair(case, "bot0", "bot1", behaviours=["text"]).num_rows == 20


def test_peer_modes_keep_the_author_as_their_tools_do(case):
    cnt = detect(case, behaviours=["text"], mode="cnt", write=False)
    assert any(OUTLET in (x["a"], x["b"]) for x in cnt.edges.to_pylist())
