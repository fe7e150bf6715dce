"""Near-duplicate text (`neartext`): variants pair, identical copies are left to `text`.

A hand-built case: an organic background of random posts and of memes in many wordings, a news
outlet whose template headlines (four near-duplicate families) three bots copy word for word
within seconds, and a farm of six accounts that post their own variant of each of twenty
messages within minutes.
"""

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from swarmscope import Case, ingest
from swarmscope.schema import ACTIONS_SCHEMA
from swarmscope.signals.detect import detect
from swarmscope.signals.explain import explain_pair

T0 = int(dt.datetime(2022, 5, 1, tzinfo=dt.UTC).timestamp())
DAYS = 10 * 86_400
ORGANIC = [f"org{i:03d}" for i in range(120)]
OUTLET, BOTS = "outlet", ["bot0", "bot1", "bot2"]
FARM = [f"farm{i}" for i in range(6)]
WORDS = [f"w{i}x" for i in range(3000)]


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    rng = np.random.default_rng(3)
    rows: list[dict] = []

    def post(account: str, t: float, text: str) -> None:
        rows.append({"platform": "net", "action_id": f"a{len(rows)}", "account": account,
                     "ts": dt.datetime.fromtimestamp(T0 + t, dt.UTC), "kind": "post",
                     "text": text})

    # Organic near-duplicates too (greetings and memes in many wordings, at any time), so
    # that variation between texts is common and the farm does not make up the behaviour.
    memes = [list(rng.choice(WORDS, 10)) for _ in range(30)]
    for a in ORGANIC + BOTS + FARM:
        for _ in range(20):
            post(a, float(rng.uniform(0, DAYS)), " ".join(rng.choice(WORDS, 8)))
        for k in rng.choice(len(memes), 5, replace=False):
            words = list(memes[k])
            words[int(rng.integers(10))] = str(rng.choice(WORDS))
            post(a, float(rng.uniform(0, DAYS)), " ".join(words))
    # Headlines from four templates (four families), 12 h apart; each copied verbatim by
    # every bot.
    templates = [" ".join(rng.choice(WORDS, 11)) for _ in range(4)]
    for i in range(20):
        t = i * 43_200 + float(rng.uniform(0, 3_600))
        a, b = rng.choice(WORDS, 2, replace=False)
        headline = f"{templates[i % 4]} about {a} and {b}"
        post(OUTLET, t, headline)
        for bot in BOTS:
            post(bot, t + float(rng.uniform(2, 10)), headline)
    # The farm: each member posts its own variant (its own closing word) within ten minutes.
    for m in range(20):
        base = " ".join(rng.choice(WORDS, 12))
        t = float(rng.uniform(0, DAYS - 3_600))
        for j, member in enumerate(FARM):
            post(member, t + float(rng.uniform(0, 600)), f"{base} v{m}y{j}")
    d = tmp_path_factory.mktemp("neartext")
    cols = {f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in ACTIONS_SCHEMA
            if f.name in rows[0]}
    pq.write_table(pa.table(cols), d / "actions.parquet")
    c = Case.init(d / "case")
    ingest(c, [d / "actions.parquet"], format="parquet")
    return c


@pytest.fixture(scope="module")
def result(case):
    return detect(case, behaviours=["text", "neartext"])


def edges(result, behaviour):
    return {(e["a"], e["b"]): e for e in result.edges.to_pylist() if e["behaviour"] == behaviour}


def test_headline_copies_share_families_but_pair_only_as_identical_text(result):
    fam = result.text_families
    sizes = fam.column("family_size").to_pylist()
    assert sizes.count(5) >= 15, "the template headlines form near-duplicate families"
    near = edges(result, "neartext")
    assert not [k for k in near if set(k) & set(BOTS + [OUTLET])]
    # the copies are seen where they belong: identical text, explained by the outlet they follow
    text = edges(result, "text")
    assert text[("bot0", "bot1")]["n_objects"] == 20
    assert not text[("bot0", "bot1")]["significant"]


def test_variants_pair_and_the_farm_is_flagged(result):
    near = edges(result, "neartext")
    assert all(near[(a, b)]["significant"] for a in FARM for b in FARM if a < b)
    assert set(FARM) <= set(result.flagged)
    assert not set(result.flagged) & set(BOTS + [OUTLET])


def test_explanation_shows_the_events_the_detection_paired(case, result):
    e = edges(result, "neartext")[("farm0", "farm1")]
    ex = explain_pair(case, "farm0", "farm1", behaviours=["neartext"]).to_pylist()
    assert len(ex) == e["n_events"]
    texts = dict(case.connect().sql("SELECT action_id, text_key FROM actions").fetchall())
    assert all(texts[x["first_action_id"]] != texts[x["second_action_id"]] for x in ex)
    assert explain_pair(case, "bot0", "bot1", behaviours=["neartext"]).num_rows == 0
