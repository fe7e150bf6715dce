"""Bluesky Jetstream JSON lines: ``swarmscope ingest CASE FILE --format bluesky``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import orjson
import pytest

import swarmscope
from swarmscope.errors import IngestError
from swarmscope.sources.registry import detect_format

FIXTURE = Path(__file__).parent / "data" / "formats" / "bluesky" / "jetstream.jsonl"
A = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
B = "did:plc:z72i7hdynmk6r22z27h6tvur"
C = "did:web:mirror.example.com"
ROOT = f"at://{A}/app.bsky.feed.post/3l3qo2vutsw2b"
COLUMNS = ("record", "action_id", "account", "kind", "parent_id", "repost_of", "text", "urls",
           "hashtags", "mentions")


def rows(case) -> list[dict]:
    return case.read("actions").sort_by("record").to_pylist()


def test_maps_posts_replies_quotes_reposts_and_likes_row_by_row(case):
    report = swarmscope.ingest(case, [FIXTURE], format="bluesky")
    assert (report.added, report.rejected) == (7, 0)
    got = [{c: r[c] for c in COLUMNS} for r in rows(case)]
    assert got == [
        {"record": 1, "action_id": ROOT, "account": A, "kind": "post", "parent_id": None,
         "repost_of": None,
         "text": "Vote early! \U0001F5F3\ufe0f #election2024 via @alice.example.com "
                 "https://vote.example.org/info",
         "urls": ["https://vote.example.org/info?utm_source=bsky"],
         "hashtags": ["election2024", "GOTV"], "mentions": [B]},
        {"record": 2, "action_id": f"at://{B}/app.bsky.feed.post/3l3qo3aaaaa2b", "account": B,
         "kind": "reply", "parent_id": ROOT, "repost_of": None, "text": "مرحبا\nشكرا",
         "urls": [], "hashtags": [], "mentions": []},
        {"record": 3, "action_id": f"at://{C}/app.bsky.feed.post/3l3qo4bbbbb2b", "account": C,
         "kind": "quote", "parent_id": None, "repost_of": ROOT, "text": "This.", "urls": [],
         "hashtags": [], "mentions": []},
        {"record": 4, "action_id": f"at://{B}/app.bsky.feed.post/3l3qo5ccccc2b", "account": B,
         "kind": "quote", "parent_id": None, "repost_of": ROOT, "text": "Read this",
         "urls": ["https://news.example.com/story"], "hashtags": [], "mentions": []},
        {"record": 5, "action_id": f"at://{B}/app.bsky.feed.repost/3l3qo6ddddd2b", "account": B,
         "kind": "repost", "parent_id": None, "repost_of": ROOT, "text": None, "urls": [],
         "hashtags": [], "mentions": []},
        {"record": 6, "action_id": f"at://{C}/app.bsky.feed.like/3l3qo7eeeee2b", "account": C,
         "kind": "like", "parent_id": None, "repost_of": ROOT, "text": None, "urls": [],
         "hashtags": [], "mentions": []},
        # records 7-10 and 12 are a delete, identity, account, follow and profile update
        {"record": 11, "action_id": f"at://{A}/app.bsky.feed.post/3l3qo9ggggg2b", "account": A,
         "kind": "post", "parent_id": None, "repost_of": None,
         "text": "Throwback \U0001F600 &amp; <b>not html</b>",  # plain text, kept as written
         "urls": ["https://vote.example.org/info"], "hashtags": [], "mentions": []},
    ]
    assert all(r["account_id"] == r["account"] for r in rows(case))


def test_ts_is_when_the_relay_saw_it_not_the_client_claim(case):
    swarmscope.ingest(case, [FIXTURE], format="bluesky")
    backdated = rows(case)[-1]
    assert backdated["ts"].isoformat() == "2024-09-09T19:46:46+00:00"
    assert orjson.loads(backdated["extra"])["created_at"] == "2019-01-01T00:00:00.000Z"
    first = rows(case)[0]
    assert first["ts"].isoformat() == "2024-09-09T19:46:02.329308+00:00"  # microseconds kept


def test_extra_keeps_thread_root_embed_and_languages(case):
    swarmscope.ingest(case, [FIXTURE], format="bluesky")
    reply, quote_with_media = rows(case)[1], rows(case)[3]
    assert orjson.loads(reply["extra"])["reply_root"] == ROOT
    assert orjson.loads(reply["extra"])["langs"] == ["ar"]
    assert orjson.loads(quote_with_media["extra"])["embed"] == "app.bsky.embed.recordWithMedia"


def test_events_that_are_not_actions_are_counted_in_a_warning(case, caplog):
    with caplog.at_level(logging.WARNING, logger="swarmscope.sources"):
        swarmscope.ingest(case, [FIXTURE], format="bluesky")
    [message] = [r.getMessage() for r in caplog.records]
    assert str(FIXTURE) in message
    for part in ("5 records", "1 delete commits", "1 update commits", "1 identity events",
                 "1 account events", "1 app.bsky.graph.follow records"):
        assert part in message


def test_reingest_adds_nothing(case):
    swarmscope.ingest(case, [FIXTURE], format="bluesky")
    again = swarmscope.ingest(case, [FIXTURE], format="bluesky")
    assert (again.added, again.duplicates) == (0, 7)


def broken_copy(tmp_path: Path, line: int, edit) -> Path:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    event = json.loads(lines[line - 1])
    edit(event)
    lines[line - 1] = json.dumps(event)
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_repost_without_subject_stops_with_file_record_and_field(case, tmp_path):
    path = broken_copy(tmp_path, 5, lambda e: e["commit"]["record"].pop("subject"))
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="bluesky")
    assert (err.value.file, err.value.record, err.value.field) == (
        str(path), 5, "commit.record.subject.uri")
    assert case.count() == 0


def test_skip_mode_logs_bad_records_and_keeps_the_rest(case, tmp_path):
    def break_time(e):
        e["time_us"] = "soon"

    path = broken_copy(tmp_path, 3, break_time)
    report = swarmscope.ingest(case, [path], format="bluesky", on_error="skip")
    assert (report.added, report.rejected) == (6, 1)
    [logged] = [orjson.loads(x) for x in
                (case.path / report.files[0].rejects_file).read_bytes().splitlines()]
    assert (logged["record"], logged["line"], logged["field"]) == (3, 3, "time_us")


def test_auto_detects_jetstream(tmp_path):
    assert detect_format(FIXTURE) == "bluesky"
    not_jetstream = tmp_path / "x.jsonl"
    not_jetstream.write_text('{"did": "something", "time_us": 1, "kind": "commit"}\n')
    assert detect_format(not_jetstream) == "jsonl"


def test_collection_names_from_the_data_reach_the_terminal_escaped(case, tmp_path, caplog):
    event = {"did": A, "time_us": 1725911162329308, "kind": "commit",
             "commit": {"operation": "create", "collection": "x.\x1b[2J\u202eevil",
                        "rkey": "1", "record": {}}}
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps(event) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="swarmscope.sources"):
        swarmscope.ingest(case, [path], format="bluesky")
    [message] = [r.getMessage() for r in caplog.records]
    assert "x.\\u001b[2J\\u202eevil records" in message
    assert "\x1b" not in message and "\u202e" not in message


def test_cli_ingests_with_one_flag_and_reports_what_is_not_an_action(tmp_path):
    """The warning reaches a CLI user on standard error (a subprocess: pytest's own log
    capture would swallow it in-process)."""
    import os
    import subprocess
    import sys

    src = str(Path(swarmscope.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [sys.executable, "-m", "swarmscope", "ingest", str(tmp_path / "case"), str(FIXTURE),
         "--format", "bluesky", "--init"],
        capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "added 7 actions" in result.stdout
    assert "5 records read are not actions" in result.stderr


def test_compressed_stream_is_detected_and_read(case, tmp_path):
    import gzip

    path = tmp_path / "jetstream.jsonl.gz"
    path.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    assert detect_format(path) == "bluesky"
    assert swarmscope.ingest(case, [path]).added == 7
