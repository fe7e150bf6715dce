"""Reddit dumps (Pushshift / Arctic Shift NDJSON): ``swarmscope ingest CASE FILE --format reddit``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import orjson
import pytest
import zstandard

import swarmscope
from swarmscope.errors import IngestError
from swarmscope.sources.reddit import parent_fullname, submission_or_comment
from swarmscope.sources.registry import detect_format

FIXTURE = Path(__file__).parent / "data" / "formats" / "reddit" / "mixed.ndjson"
COLUMNS = ("action_id", "account", "account_id", "kind", "parent_id", "repost_of", "title",
           "text", "urls", "mentions")


def rows(case) -> list[dict]:
    table = case.read("actions").sort_by("record")
    return [{c: r[c] for c in (*COLUMNS, "record", "ts", "extra")} for r in table.to_pylist()]


def test_maps_submissions_crossposts_and_comments_row_by_row(case):
    report = swarmscope.ingest(case, [FIXTURE], format="reddit")
    assert (report.added, report.rejected) == (8, 0)
    got = [{c: r[c] for c in (*COLUMNS, "record")} for r in rows(case)]
    assert got == [
        {"action_id": "t3_abc123", "account": "civic_watch", "account_id": "t2_4a1b",
         "kind": "post", "parent_id": None, "repost_of": None,
         "title": "Poll results &amp; analysis", "text": None,
         "urls": ["https://news.example.com/poll?id=7&utm_source=reddit"], "mentions": [],
         "record": 1},
        {"action_id": "t3_abc124", "account": "truth_seeker_88", "account_id": "t2_9z9z",
         "kind": "post", "parent_id": None, "repost_of": None,
         "title": "שלום \U0001F30D update",
         "text": "First line\nsee [the report](https://example.org/report\\_final) and ask "
                 "u/civic_watch \U0001F600\nمرحبا",
         "urls": ["https://example.org/report_final"], "mentions": ["civic_watch"], "record": 2},
        {"action_id": "t3_abc125", "account": "civic_watch", "account_id": "t2_4a1b",
         "kind": "repost", "parent_id": None, "repost_of": "t3_abc123",
         "title": "Poll results &amp; analysis", "text": None,
         "urls": ["https://www.reddit.com/r/politics/comments/abc123/poll_results_analysis/"],
         "mentions": [], "record": 3},
        {"action_id": "t1_c1", "account": "truth_seeker_88", "account_id": "t2_9z9z",
         "kind": "comment", "parent_id": "t3_abc123", "repost_of": None, "title": None,
         "text": "Agreed &gt; 100%", "urls": [], "mentions": [], "record": 4},
        {"action_id": "t1_c2", "account": "civic_watch", "account_id": "t2_4a1b",
         "kind": "comment", "parent_id": "t1_c1", "repost_of": None, "title": None,
         "text": "Source: https://example.org/a?x=1&amp;y=2.",
         "urls": ["https://example.org/a?x=1&y=2"], "mentions": [], "record": 5},
        {"action_id": "t1_c3", "account": "[deleted]:t1_c3", "account_id": None,
         "kind": "comment", "parent_id": "t3_abc123", "repost_of": None, "title": None,
         "text": None, "urls": [], "mentions": [], "record": 6},
        {"action_id": "t1_c4", "account": "[deleted]:t1_c4", "account_id": None,
         "kind": "comment", "parent_id": "t1_c1", "repost_of": None, "title": None,
         "text": None, "urls": [], "mentions": [], "record": 7},
        # line 8 is blank: record numbers are line numbers
        {"action_id": "t3_abc126", "account": "[deleted]:t3_abc126", "account_id": None,
         "kind": "post", "parent_id": None, "repost_of": None, "title": "gone", "text": None,
         "urls": [], "mentions": [], "record": 9},
    ]


def test_created_utc_as_int_float_or_string_is_utc(case):
    swarmscope.ingest(case, [FIXTURE], format="reddit")
    ts = {r["action_id"]: r["ts"].isoformat() for r in rows(case)}
    assert ts["t3_abc123"] == "2020-09-13T12:26:40+00:00"  # int
    assert ts["t3_abc124"] == "2020-09-13T12:28:20.500000+00:00"  # float
    assert ts["t3_abc125"] == "2020-09-13T12:30:00+00:00"  # string


def test_deleted_authors_are_flagged_and_never_one_account(case):
    swarmscope.ingest(case, [FIXTURE], format="reddit")
    deleted = [r for r in rows(case) if r["account"].startswith("[deleted]")]
    assert len({r["account"] for r in deleted}) == len(deleted) == 3
    extras = [orjson.loads(r["extra"]) for r in deleted]
    assert all(e["author_deleted"] is True for e in extras)
    assert [e["author"] for e in extras] == ["[deleted]", "[deleted]", "[removed]"]
    # the removal placeholders are not the authors' texts: no shared text key
    assert [e["text_removed"] for e in extras] == ["[deleted]", "[removed]", "[removed]"]


def test_extra_keeps_subreddit_and_thread(case):
    swarmscope.ingest(case, [FIXTURE], format="reddit")
    comment = next(r for r in rows(case) if r["action_id"] == "t1_c1")
    assert orjson.loads(comment["extra"]) == {
        "subreddit": "politics", "subreddit_id": "t5_2cneq", "link_id": "t3_abc123",
        "score": 5, "controversiality": 0}


def test_reingest_adds_nothing(case):
    swarmscope.ingest(case, [FIXTURE], format="reddit")
    again = swarmscope.ingest(case, [FIXTURE], format="reddit")
    assert (again.added, again.duplicates) == (0, 8)
    assert case.count() == 8


def long_window_zst(path: Path) -> Path:
    """FIXTURE compressed as Pushshift / Arctic Shift do (``zstd --long``): a window larger than
    a default decoder accepts."""
    params = zstandard.ZstdCompressionParameters(window_log=28, compression_level=3)
    buf = io.BytesIO()
    writer = zstandard.ZstdCompressor(compression_params=params).stream_writer(buf, closefd=False)
    writer.write(FIXTURE.read_bytes())
    writer.flush(zstandard.FLUSH_FRAME)
    path.write_bytes(buf.getvalue())
    return path


def test_zstd_dump_with_long_window_reads(case, tmp_path):
    path = long_window_zst(tmp_path / "RC_2020-09.zst")
    with pytest.raises(zstandard.ZstdError):
        zstandard.ZstdDecompressor().stream_reader(path.open("rb")).read()
    report = swarmscope.ingest(case, [path], format="reddit")
    assert report.added == 8


def test_auto_detects_a_long_window_zstd_dump(tmp_path):
    assert detect_format(long_window_zst(tmp_path / "RS_2020-09.zst")) == "reddit"


def test_missing_author_stops_with_file_record_and_field(case, tmp_path):
    path = tmp_path / "bad.ndjson"
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[3])
    del broken["author"]
    lines[3] = json.dumps(broken)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="reddit")
    assert (err.value.file, err.value.record, err.value.field) == (str(path), 4, "author")
    assert "line 4" in str(err.value)
    assert case.count() == 0


def test_skip_mode_logs_the_bad_record_and_keeps_the_rest(case, tmp_path):
    path = tmp_path / "bad.ndjson"
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0][:40]  # truncated line: invalid JSON
    lines[4] = lines[4].replace('"created_utc": 1600000360', '"created_utc": "yesterday"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = swarmscope.ingest(case, [path], format="reddit", on_error="skip")
    assert (report.added, report.rejected) == (6, 2)
    logged = [orjson.loads(x) for x in
              (case.path / report.files[0].rejects_file).read_bytes().splitlines()]
    assert [(r["record"], r["field"]) for r in logged] == [(1, None), (5, "created_utc")]
    assert logged[1]["line"] == 5 and "timestamp" in logged[1]["reason"]


def test_parent_ids_without_prefix_are_read_against_the_thread():
    assert parent_fullname("t1_abc", "t3_x") == "t1_abc"
    assert parent_fullname("x", "t3_x") == "t3_x"  # the submission itself
    assert parent_fullname("abc", "t3_x") == "t1_abc"
    assert parent_fullname(1295, "t3_zz") == "t3_zz"  # base-10 ids of API-era dumps
    assert parent_fullname(None, "t3_x") is None


def test_record_that_is_neither_submission_nor_comment_is_an_error():
    with pytest.raises(ValueError, match="neither a submission"):
        submission_or_comment({"id": "x", "author": "a", "created_utc": 1})


def test_auto_detects_reddit_and_leaves_other_json_lines_alone(tmp_path):
    assert detect_format(FIXTURE) == "reddit"
    generic = tmp_path / "posts.jsonl"
    generic.write_text('{"id": 1, "user": "ann", "time": "2021-01-01", "body": "x"}\n')
    assert detect_format(generic) == "jsonl"  # no sniffer claims it: by extension
