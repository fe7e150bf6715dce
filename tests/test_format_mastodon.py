"""Mastodon API statuses: ``swarmscope ingest CASE FILE --format mastodon``."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

import swarmscope
from swarmscope.errors import IngestError
from swarmscope.sources.html_text import html_to_text
from swarmscope.sources.registry import detect_format

DATA = Path(__file__).parent / "data" / "formats" / "mastodon"
ARRAY = DATA / "statuses.json"
LINES = DATA / "statuses.jsonl"
ANN_1 = "https://a.social/users/ann/statuses/113000000000000001"
BOB_77 = "https://other.example/users/bob/statuses/77"
COLUMNS = ("record", "action_id", "account", "account_id", "kind", "parent_id", "repost_of",
           "text", "urls", "hashtags", "mentions")

EXPECTED = [
    {"record": 1, "action_id": ANN_1, "account": "ann@a.social",
     "account_id": "https://a.social/users/ann", "kind": "post", "parent_id": None,
     "repost_of": None,
     "text": "Vote early & often! Don't wait\ndetails: "
             "https://vote.example.org/info?utm_source=masto\n\n#Election2024 @bob \U0001F5F3\ufe0f",
     "urls": ["https://vote.example.org/info?utm_source=masto"], "hashtags": ["Election2024"],
     "mentions": ["bob@other.example"]},
    {"record": 2, "action_id": BOB_77, "account": "bob@other.example",
     "account_id": "https://other.example/users/bob", "kind": "post", "parent_id": None,
     "repost_of": None, "text": "שלום עולם\n\nline one\nline two", "urls": [], "hashtags": [],
     "mentions": []},
    {"record": 3, "action_id": "https://a.social/users/eve/statuses/113000000000000003/activity",
     "account": "eve@a.social", "account_id": "https://a.social/@eve", "kind": "repost",
     "parent_id": None, "repost_of": BOB_77, "text": None, "urls": [], "hashtags": [],
     "mentions": []},
    {"record": 4, "action_id": "https://other.example/users/bob/statuses/78",
     "account": "bob@other.example", "account_id": "https://other.example/users/bob",
     "kind": "reply", "parent_id": "113000000000000001", "repost_of": None,
     "text": "@ann agreed <3", "urls": [], "hashtags": [], "mentions": ["ann@a.social"]},
    {"record": 5, "action_id": "https://a.social/users/eve/statuses/113000000000000005",
     "account": "eve@a.social", "account_id": "https://a.social/@eve", "kind": "quote",
     "parent_id": None, "repost_of": ANN_1, "text": "Must read", "urls": [], "hashtags": [],
     "mentions": []},
    {"record": 6, "action_id": "https://pleroma.example/objects/5f1e",
     "account": "zed@pleroma.example", "account_id": "https://pleroma.example/users/zed",
     "kind": "post", "parent_id": None, "repost_of": None,
     "text": "plain text & no markup\nsecond line", "urls": [], "hashtags": [], "mentions": []},
]


def rows(case) -> list[dict]:
    return case.read("actions").sort_by("record").to_pylist()


@pytest.mark.parametrize("path", [ARRAY, LINES], ids=["json-array", "json-lines"])
def test_maps_statuses_row_by_row(case, path):
    report = swarmscope.ingest(case, [path], format="mastodon")
    assert (report.added, report.rejected) == (6, 0)
    assert [{c: r[c] for c in COLUMNS} for r in rows(case)] == EXPECTED


def test_times_with_any_offset_become_utc(case):
    swarmscope.ingest(case, [ARRAY], format="mastodon")
    ts = [r["ts"].isoformat() for r in rows(case)]
    assert ts[0] == "2024-09-09T19:46:02.102000+00:00"
    assert ts[5] == "2024-09-09T19:50:00+00:00"  # written as 21:50:00+02:00


def test_extra_keeps_local_ids_visibility_and_account_facts(case):
    swarmscope.ingest(case, [ARRAY], format="mastodon")
    boost = orjson.loads(rows(case)[2]["extra"])
    assert boost["id"] == "113000000000000003"
    assert boost["account_local_id"] == "110"
    assert boost["account_bot"] is True
    assert boost["account_display_name"] == "\u202eeve\u202c"  # bidi controls kept byte-exact
    assert boost["reblog_account"] == "bob@other.example"
    remote = orjson.loads(rows(case)[1]["extra"])
    assert (remote["spoiler_text"], remote["language"], remote["media_types"]) == (
        "politics", "he", ["image"])
    assert orjson.loads(rows(case)[4]["extra"])["quote_state"] == "accepted"


def test_same_status_from_array_and_lines_is_one_action(case):
    swarmscope.ingest(case, [ARRAY], format="mastodon")
    again = swarmscope.ingest(case, [LINES], format="mastodon")
    assert (again.added, again.duplicates) == (0, 6)


def test_html_is_read_by_a_parser_not_patterns():
    text, links = html_to_text(
        '<p>a &lt;b&gt; <a href="https://x.example/?a=1&amp;b=2">link</a></p>'
        '<script>alert(1)</script><p>c<!-- hidden --><br/>d</p>')
    assert text == "a <b> link\n\nc\nd"
    assert links == ["https://x.example/?a=1&b=2"]


def test_status_without_uri_stops_with_file_record_and_field(case, tmp_path):
    statuses = json.loads(ARRAY.read_text(encoding="utf-8"))
    del statuses[3]["uri"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(statuses), encoding="utf-8")
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="mastodon")
    assert (err.value.file, err.value.record, err.value.field) == (str(path), 4, "uri")
    assert case.count() == 0


def test_skip_mode_logs_bad_statuses_and_keeps_the_rest(case, tmp_path):
    lines = LINES.read_text(encoding="utf-8").splitlines()
    status = json.loads(lines[1])
    status["account"] = {"acct": "bob"}  # a local account without url: server unknown
    status["uri"] = "urn:x"
    lines[1] = json.dumps(status)
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = swarmscope.ingest(case, [path], format="mastodon", on_error="skip")
    assert (report.added, report.rejected) == (5, 1)
    [logged] = [orjson.loads(x) for x in
                (case.path / report.files[0].rejects_file).read_bytes().splitlines()]
    assert (logged["record"], logged["line"], logged["field"]) == (2, 2, "account.url")


def test_truncated_array_reports_where_reading_stopped(case, tmp_path):
    path = tmp_path / "cut.json"
    path.write_bytes(ARRAY.read_bytes()[:-40])
    report = swarmscope.ingest(case, [path], format="mastodon", on_error="skip")
    assert (report.added, report.rejected) == (5, 1)
    with pytest.raises(IngestError, match="record 6.*invalid JSON after record 5"):
        swarmscope.ingest(case, [path], format="mastodon")


@pytest.mark.parametrize("path", [ARRAY, LINES], ids=["json-array", "json-lines"])
def test_auto_detects_mastodon(path):
    assert detect_format(path) == "mastodon"
