"""MediaWiki API JSON (list=usercontribs, prop=revisions) as actions."""

from __future__ import annotations

import glob

import orjson
import pytest
import zstandard

import swarmscope
from conftest import TEST_DATA, require_shared
from swarmscope import IngestError
from swarmscope.sources.registry import detect_format


def test_real_usercontribs_records(case):
    files = sorted(glob.glob(str(require_shared("wikipedia", "usercontribs") / "*.json")))
    expected = {f: len(orjson.loads(open(f, "rb").read())) for f in files}
    report = swarmscope.ingest(case, files, format="usercontribs")
    assert {f.path: f.added for f in report.files} == expected
    assert report.added == 449
    rows = {r["action_id"]: r for r in case.read().to_pylist()}
    first = rows["700117351"]
    assert (first["platform"], first["account"], first["account_id"], first["title"],
            first["parent_id"], first["kind"]) == ("wikipedia", "Alvi49", "27331344",
                                                   "Sunil Mittal", "697744821", "edit")
    extra = orjson.loads(first["extra"])
    assert (extra["page_id"], extra["ns"], extra["size"], extra["sizediff"]) == \
        (1318924, 0, 14101, -23)
    # formatversion 1 flags are empty strings: "new" and "minor" are true when present.
    created = rows["126548260"]
    assert created["parent_id"] is None and orjson.loads(created["extra"])["new"] is True
    minor = [r for r in orjson.loads(open(require_shared("wikipedia", "usercontribs",
                                                         "J786m.json"), "rb").read())
             if "minor" in r]
    assert minor and all(orjson.loads(rows[str(r["revid"])]["extra"])["minor"] for r in minor)


def test_a_response_with_hidden_anonymous_and_temporary_editors(case):
    path = TEST_DATA / "wiki" / "api-revisions-hidden.json"
    assert detect_format(path) == "usercontribs"
    swarmscope.ingest(case, [path])
    rows = {r["action_id"]: r for r in case.read().to_pylist()}
    ex = {k: orjson.loads(r["extra"]) for k, r in rows.items()}
    assert rows["1001"]["urls"] == ["https://www.example-news.org/2023/town.html"]
    assert ex["1001"]["has_text"] and ex["1001"]["new"]
    anon = rows["1002"]
    assert anon["account"] == "203.0.113.7" and anon["account_id"] is None and ex["1002"]["anon"]
    assert anon["links"] == ["http://cheap-pills.example.com/buy", "https://spam.example.net/x",
                             "https://example-news.org/2023/town.html"] or \
        set(anon["links"]) == {"http://cheap-pills.example.com/buy",
                               "https://spam.example.net/x",
                               "https://example-news.org/2023/town.html"}
    assert rows["1003"]["kind"] == "revert"  # tagged mw-rollback by the wiki
    hidden = rows["1004"]
    assert hidden["account"] == "(hidden):1004" and hidden["text"] is None
    assert ex["1004"]["user_hidden"] and ex["1004"]["comment_hidden"] and ex["1004"]["suppressed"]
    temp = rows["1005"]
    assert temp["account"] == "~2024-12345" and ex["1005"]["temp"]
    assert ex["1005"]["text_hidden"] and ex["1005"]["sha1"] is None
    assert temp["kind"] == "revert"  # mw-manual-revert
    assert temp["text"] == "'; DROP TABLE actions; --\u202e\x1b[31m"  # byte-exact
    # the hidden user's placeholder is the same on every read: nothing new the second time
    assert swarmscope.ingest(case, [path]).added == 0


def test_formatversion_1_response(case, tmp_path):
    resp = {"query": {"pages": {"5": {"pageid": 5, "ns": 0, "title": "P", "revisions": [
        {"revid": 50, "parentid": 0, "user": "192.0.2.1", "anon": "", "userid": 0,
         "timestamp": "2010-01-01T00:00:00Z", "comment": "x", "minor": "", "sha1":
         "ca592e6de4f7a94f2af5fa00b613d75770bdf1e9", "size": 5, "*": "see http://a.example/"},
        {"revid": 51, "parentid": 50, "userhidden": "", "timestamp": "2010-01-02T00:00:00Z",
         "commenthidden": "", "texthidden": "", "sha1hidden": ""}]}}}}
    path = tmp_path / "fv1.json"
    path.write_bytes(orjson.dumps(resp))
    swarmscope.ingest(case, [path], format="usercontribs")
    rows = {r["action_id"]: r for r in case.read().to_pylist()}
    e50, e51 = (orjson.loads(rows[k]["extra"]) for k in ("50", "51"))
    assert e50["anon"] and e50["minor"] and rows["50"]["urls"] == ["http://a.example/"]
    assert rows["51"]["account"] == "(hidden):51" and e51["text_hidden"] and e51["comment_hidden"]


def test_collection_files_json_lines_with_header(case, tmp_path):
    path = tmp_path / "raw.jsonl.zst"
    lines = [{"swarmscope_collection": {"api": "https://de.wikipedia.org/w/api.php",
                                        "platform": "de.wikipedia.org"}},
             {"continue": {"uccontinue": "x", "continue": "-||"},
              "query": {"usercontribs": [{"userid": 1, "user": "A", "pageid": 2, "revid": 3,
                                          "parentid": 0, "ns": 0, "title": "T",
                                          "timestamp": "2020-01-01T00:00:00Z", "comment": ""}]}},
             {"batchcomplete": True, "query": {"usercontribs": []}}]
    path.write_bytes(zstandard.ZstdCompressor().compress(
        b"".join(orjson.dumps(x) + b"\n" for x in lines)))
    assert detect_format(path) == "usercontribs"
    swarmscope.ingest(case, [path])
    row = case.read().to_pylist()[0]
    assert (row["platform"], row["action_id"], row["record"]) == ("de.wikipedia.org", "3", 1)


def test_bad_records_name_record_line_and_field(case, tmp_path):
    ok = {"revid": 1, "user": "A", "title": "T", "timestamp": "2020-01-01T00:00:00Z"}
    bad = {"revid": 2, "user": "B", "title": "T"}
    path = tmp_path / "contribs.jsonl"
    path.write_bytes(orjson.dumps({"query": {"usercontribs": [ok]}}) + b"\n"
                     + orjson.dumps({"query": {"usercontribs": [ok, bad]}}) + b"\n")
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="usercontribs")
    msg = str(err.value)
    assert "line 2" in msg and "record 3" in msg and "'timestamp'" in msg
    report = swarmscope.ingest(case, [path], format="usercontribs", on_error="skip")
    # Record 2 repeats record 1 (same revision): a duplicate, not an error.
    assert (report.added, report.duplicates, report.rejected) == (1, 1, 1)


def test_an_api_error_response_is_rejected_not_ignored(case, tmp_path):
    path = tmp_path / "err.json"
    path.write_bytes(orjson.dumps({"error": {"code": "maxlag", "info": "lagged"}}))
    with pytest.raises(IngestError, match="API error response: lagged"):
        swarmscope.ingest(case, [path], format="usercontribs")
