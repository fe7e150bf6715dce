"""YouTube Data API comment threads and comments (--format youtube)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import swarmscope
from swarmscope.errors import IngestError
from swarmscope.sources.registry import detect_format

DATA = Path(__file__).parent / "data" / "formats" / "youtube"
UTC = dt.UTC
A = "UgzA1b2C3d4E5f6G7h8i9AaABAg"
B = "UgxB9c8D7e6F5g4H3i2AaABAg"
C = "UgwC0d1E2f3G4h5I6j7AaABAg"


def actions(case: swarmscope.Case) -> dict[str, dict]:
    return {r["action_id"]: r for r in case.read("actions").to_pylist()}


def test_comment_threads_row_by_row(case):
    report = swarmscope.ingest(case, [DATA / "comment_threads.jsonl"], format="youtube")
    assert (report.added, report.rejected) == (5, 0)
    rows = actions(case)

    top = rows[A]
    assert (top["platform"], top["kind"], top["parent_id"]) == ("youtube", "comment", "dQw4w9WgXcQ")
    assert (top["account"], top["account_id"]) == ("@patriot_voice", "UCpatriotVoice000000000A")
    assert top["ts"] == dt.datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
    assert top["text"] == ("Everyone must see this 😡🇺🇸 #Election2024 #Rigged "
                           "https://example-news.com/story?utm_source=yt")
    assert top["hashtags"] == ["Election2024", "Rigged"]
    assert top["urls"] == ["https://example-news.com/story?utm_source=yt"]
    assert top["links"] == ["https://example-news.com/story"]
    assert top["record"] == 1
    extra = json.loads(top["extra"])
    assert extra["videoId"] == "dQw4w9WgXcQ" and extra["likeCount"] == 120
    assert extra["totalReplyCount"] == 3

    reply = rows[A + ".9zZ1"]
    assert (reply["kind"], reply["parent_id"]) == ("reply", A)
    assert reply["mentions"] == ["patriot_voice"] and reply["hashtags"] == ["Rigged"]
    assert json.loads(reply["extra"])["videoId"] == "dQw4w9WgXcQ"

    rtl = rows[A + ".9zZ2"]
    assert rtl["account"] == "@أحمد_الحق"
    assert rtl["text"] == "@patriot_voice هذا صحيح\nسطر ثان"

    # textOriginal withheld: the HTML textDisplay, as given; an empty name falls back to the id
    html = rows[B]
    assert html["text"].startswith('Watch from <a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ')
    assert (html["account"], html["account_id"]) == ("UCdeletedName00000000000D",) * 2
    extra = json.loads(html["extra"])
    assert extra["text_field"] == "textDisplay" and extra["account_is_channel_id"] is True
    assert html["ts"] == dt.datetime(2024, 3, 11, 23, 59, 59, tzinfo=UTC)

    second_page = rows[C]
    assert (second_page["record"], second_page["parent_id"]) == (2, "otherVideo1")


def test_comments_list_document_adds_only_new_replies(case):
    swarmscope.ingest(case, [DATA / "comment_threads.jsonl"], format="youtube")
    report = swarmscope.ingest(case, [DATA / "comment_replies.json"], format="youtube")
    assert (report.added, report.duplicates) == (1, 1)
    late = actions(case)[A + ".9zZ3"]
    assert (late["kind"], late["parent_id"], late["record"]) == ("reply", A, 1)


def test_reingest_adds_nothing(case):
    swarmscope.ingest(case, [DATA / "comment_threads.jsonl"], format="youtube")
    again = swarmscope.ingest(case, [DATA / "comment_threads.jsonl"], format="youtube")
    assert (again.added, again.duplicates) == (0, 5)


def test_invalid_json_line_names_file_and_line(case):
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [DATA / "malformed.jsonl"], format="youtube")
    e = err.value
    assert (e.file, e.record, e.line) == (str(DATA / "malformed.jsonl"), 2, 2)
    assert "invalid JSON" in e.reason
    assert case.count("actions") == 0


def test_skip_logs_bad_records_with_their_fields(case):
    report = swarmscope.ingest(case, [DATA / "malformed.jsonl"], format="youtube",
                               on_error="skip")
    assert (report.added, report.rejected) == (2, 3)
    log = [json.loads(x) for x in (case.path / report.files[0].rejects_file).read_text().splitlines()]
    assert [(r["record"], r["line"], r["field"]) for r in log] == [
        (2, 2, None),
        (3, 3, "items[0].snippet.topLevelComment.snippet.publishedAt"),
        (4, 4, "items[0].snippet.topLevelComment.snippet.authorDisplayName")]
    assert log[1]["reason"] == "missing timestamp"
    assert "deleted" in log[2]["reason"]


def test_unparseable_time_in_the_pipeline_names_the_line(case, tmp_path):
    comment = {"kind": "youtube#comment", "id": "Ug1", "snippet": {
        "videoId": "v", "textOriginal": "x", "authorDisplayName": "@a",
        "publishedAt": "2024-13-45T99:00:00Z"}}
    path = tmp_path / "c.jsonl"
    path.write_text("\n" + json.dumps(comment) + "\n")
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="youtube")
    assert (err.value.record, err.value.line, err.value.field) == (2, 2, "publishedAt")


def test_not_a_youtube_response_is_rejected(case, tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"kind": "youtube#videoListResponse", "items": []}')
    with pytest.raises(IngestError, match="not a YouTube commentThreads"):
        swarmscope.ingest(case, [path], format="youtube")


def test_auto_detects_both_response_kinds():
    assert detect_format(DATA / "comment_threads.jsonl") == "youtube"
    assert detect_format(DATA / "comment_replies.json") == "youtube"


def test_set_is_refused_rather_than_ignored(case):
    with pytest.raises(swarmscope.UsageError, match="--set"):
        swarmscope.ingest(case, [DATA / "comment_threads.jsonl"], format="youtube",
                          constants={"platform": "yt"})
