"""The one JSON record reader: layouts, record numbers, bad records and compressed input."""

from __future__ import annotations

import gzip
import json

import pytest

import swarmscope
from swarmscope.errors import IngestError
from swarmscope.sources.base import ReadContext, SourceOptions
from swarmscope.sources.json_records import JsonRecords


def read(path, **kw):
    ctx = ReadContext(path, str(path), SourceOptions())
    with JsonRecords(ctx, **kw) as records:
        return records.layout, [(r.record, r.line, r.value, r.error) for r in records]


def test_json_lines_are_numbered_by_line_from_a_bom_and_blank_lines_on(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'\xef\xbb\xbf\n  \n{"a": 1}\n\n{"a": 2\n[3]\n')
    layout, recs = read(path)
    assert layout == "lines"
    assert [(r, line, v) for r, line, v, _ in recs] == [
        (3, 3, {"a": 1}), (5, 5, '{"a": 2\n'), (6, 6, [3])]
    assert recs[1][3].startswith("invalid JSON") and recs[0][3] is None


@pytest.mark.parametrize("text", ['[{"a": 1}, {"a": 2}, 3]', '\n [\n {"a": 1},\n {"a": 2},\n 3\n]\n'],
                         ids=["one-line", "pretty"])
def test_arrays_are_numbered_by_element(tmp_path, text):
    path = tmp_path / "x.json"
    path.write_text(text)
    assert read(path) == ("array", [(1, None, {"a": 1}, None), (2, None, {"a": 2}, None),
                                    (3, None, 3, None)])


def test_a_broken_array_is_an_error_of_the_next_record_and_ends_the_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('[{"a": 1}, {"a": 2}, {"a": ')
    layout, recs = read(path)
    assert [r[:3] for r in recs] == [(1, None, {"a": 1}), (2, None, {"a": 2}), (3, None, None)]
    assert recs[2][3].startswith("invalid JSON after record 2")


def test_documents_only_when_asked_and_broken_ones_name_their_line(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('\n{\n  "a": 1,\n  "b": [1, 2]\n}\n')
    assert read(path, documents=True) == ("document", [(1, None, {"a": 1, "b": [1, 2]}, None)])
    assert read(path)[0] == "lines"  # a dump's broken first line is one bad record
    path.write_text('{\n  "a": 1,\n  "b": [1, 2\n}\n')
    [(record, line, _, error)] = read(path, documents=True)[1]
    assert (record, line) == (1, 4) and error.startswith("invalid JSON")
    # a broken first line that looks like one object keeps the JSON-lines reading
    path.write_text('{"a": 1,,}\n{"a": 2}\n')
    layout, recs = read(path, documents=True)
    assert layout == "lines" and [(r, v) for r, _, v, e in recs if e is None] == [(2, {"a": 2})]


def test_compressed_input_gives_the_same_records(tmp_path):
    text = '{"a": 1}\n\n{"a": 2}\n'
    (tmp_path / "x.jsonl").write_text(text)
    (tmp_path / "x.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    assert read(tmp_path / "x.jsonl.gz") == read(tmp_path / "x.jsonl")


def _page(i: int) -> dict:
    return {"data": [{"id": str(100 + i), "author_id": "9", "text": f"t{i}",
                      "created_at": "2021-03-01T10:00:00.000Z"}],
            "includes": {"users": [{"id": "9", "username": "ann"}]}}


def test_twitter_v2_array_of_pages_streams_and_a_cut_keeps_the_pages_before(case, tmp_path):
    path = tmp_path / "pages.json"
    path.write_text(json.dumps([_page(i) for i in range(3)], indent=2)[:-30])
    report = swarmscope.ingest(case, [path], format="twitter-v2", on_error="skip")
    assert (report.added, report.rejected) == (2, 1)
    rows = {r["action_id"]: r["record"] for r in case.read("actions").to_pylist()}
    assert rows == {"100": 1, "101": 2}
    log = json.loads((case.path / report.files[0].rejects_file).read_text())
    assert (log["record"], log["line"]) == (3, None)
    assert "invalid JSON after record 2" in log["reason"]


def test_twitter_v2_one_line_array_and_bom(case, tmp_path):
    path = tmp_path / "pages.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([_page(0), _page(1)]).encode())
    assert swarmscope.ingest(case, [path], format="twitter-v2").added == 2


def test_stop_mode_reports_the_first_bad_record_in_file_order(case, tmp_path):
    # record 2 has a time only the ingest pipeline can refuse, record 3 is not JSON: the error
    # is record 2's, so fixing errors top to bottom works
    line = {"id": "a1", "author": "ann", "created_utc": 1600000000, "subreddit": "x",
            "title": "t", "selftext": "", "is_self": True}
    bad_time = dict(line, id="a2", created_utc="yesterday")
    path = tmp_path / "rs.ndjson"
    path.write_text(json.dumps(line) + "\n" + json.dumps(bad_time) + "\n{broken\n")
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="reddit")
    assert (err.value.record, err.value.line, err.value.field) == (2, 2, "created_utc")
