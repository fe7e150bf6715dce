"""Team-run personas: accounts worked in shifts by people who write differently."""

from __future__ import annotations

import numpy as np
import pytest

from swarmscope.temporal import infer_offsets, score_personas, style_split
from temporal_synth import synthetic_case


@pytest.fixture(scope="module")
def synth():
    return synthetic_case()


@pytest.fixture(scope="module")
def personas(synth):
    con = synth.case.connect()
    return score_personas(con, infer_offsets(con)).to_pylist()


def test_planted_personas_are_flagged_and_nobody_else(synth, personas):
    planted = set(synth.op("op4-persona-team")["personas"])
    flagged = {r["account"] for r in personas if r["flagged"]}
    print("persona scores:", [(synth.role(r["account"]), r["score"]) for r in personas[:8]])
    assert flagged == planted
    # They are also the top scores, far above every other account with enough texts.
    top = {r["account"] for r in personas[:len(planted)]}
    assert top == planted
    others = [r["score"] for r in personas if r["account"] not in planted]
    assert max(others) < min(r["score"] for r in personas if r["account"] in planted) / 2


def test_persona_evidence_names_the_shift_change(synth, personas):
    team = synth.op("op4-persona-team")
    offset = team["utc_offset"]
    shifts = team["parameters"]["shifts"]                  # local [start, end) per shift
    handover_local = shifts[0][1]                          # 15:00 local by default
    for r in personas:
        if r["account"] not in team["personas"]:
            continue
        assert r["blocks"] == 2
        assert r["active_hours"] >= 14
        assert r["style_shift"] > 0.1
        assert len(r["handover_utc"]) == 1
        local = (r["handover_utc"][0] + offset) % 24
        assert abs(local - handover_local) <= 1, (r["handover_utc"], offset)
        assert "hand-over" in r["evidence"] and "writing style changes" in r["evidence"]
        assert len(r["markers"]) == 2


def test_style_split_finds_no_shift_in_one_writer():
    rng = np.random.default_rng(3)
    words = ["the", "cat", "sat", "on", "a", "mat", "and", "then", "it", "slept", "well"]
    hours = rng.integers(7, 23, 300)
    texts = [" ".join(rng.choice(words, size=8)) + rng.choice([".", "!", "..."])
             for _ in hours]
    r = style_split(texts, hours, seed=1)
    assert r["style_z"] < 4


def test_style_split_locates_the_hand_over():
    rng = np.random.default_rng(4)
    words = ["the", "cat", "sat", "on", "a", "mat", "and", "then", "it", "slept", "well"]
    hours = rng.integers(6, 22, 400)
    texts = []
    for h in hours:
        body = " ".join(rng.choice(words, size=8))
        texts.append(body.lower() + "..." if h < 14 else body.capitalize() + "!!")
    r = style_split(texts, hours, seed=1)
    assert r["style_z"] > 6
    assert r["boundaries"] == (6, 14)
