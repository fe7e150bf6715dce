"""Twitter's information-operations archive CSV (--format twitter-io)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import swarmscope
from swarmscope.errors import IngestError
from swarmscope.sources.registry import detect_format

DATA = Path(__file__).parent / "data" / "formats" / "twitter-io"
UTC = dt.UTC
H1 = "a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef0123456789abcdef"
H2 = "0f9e8d7c6b5a49382716059483726150f9e8d7c6b5a4938271605948372615ab"


def actions(case: swarmscope.Case) -> dict[str, dict]:
    return {r["action_id"]: r for r in case.read("actions").to_pylist()}


def test_sample_maps_every_kind_row_by_row(case):
    report = swarmscope.ingest(case, [DATA / "io_sample.csv"], format="twitter-io")
    assert (report.added, report.rejected) == (6, 0)
    rows = actions(case)

    post = rows["790000000000000001"]
    assert post["platform"] == "twitter"
    assert (post["account"], post["account_id"]) == ("Jenna_Abrams", "4224729994")
    assert post["ts"] == dt.datetime(2016, 10, 1, 12, 0, tzinfo=UTC)
    assert post["kind"] == "post" and post["parent_id"] is None and post["repost_of"] is None
    assert post["text"] == "Go vote! 😀 #Election2016 #Vote https://t.co/AbC123 @ABC"
    assert post["hashtags"] == ["Election2016", "Vote"]
    assert post["urls"] == ["https://example.com/story?id=1&utm_source=tw"]
    assert post["links"] == ["https://example.com/story?id=1"]
    assert post["mentions"] == ["28785486"]  # the archive lists mentioned user ids
    extra = json.loads(post["extra"])
    assert extra["user_display_name"] == "Jenna 🇺🇸"
    assert extra["user_profile_description"] == 'Real news, no "spin"'
    assert extra["follower_count"] == "70123" and extra["is_retweet"] == "False"
    assert "tweet_text" not in extra and "tweetid" not in extra

    retweet = rows["790000000000000002"]
    assert (retweet["account"], retweet["account_id"]) == (H1, H1)  # hashed account
    assert retweet["kind"] == "repost"
    assert retweet["repost_of"] == "790000000000000001"
    assert json.loads(retweet["extra"])["retweet_userid"] == "4224729994"

    reply = rows["790000000000000003"]
    assert reply["kind"] == "reply" and reply["parent_id"] == "790000000000000001"
    assert reply["text"] == "@Jenna_Abrams صحيح تماما\nسطر ثان"  # RTL text, embedded newline
    assert reply["hashtags"] == [] and reply["urls"] == []

    quote = rows["790000000000000004"]
    assert quote["kind"] == "quote" and quote["repost_of"] == "780000000000000009"
    assert quote["urls"] == ["https://twitter.com/someone/status/780000000000000009",
                             "https://example.org/a,b"]  # a comma inside a quoted URL

    bare = rows["790000000000000005"]
    assert bare["hashtags"] == ["MAGA", "Polls"]  # the [a, b] spelling
    assert json.loads(bare["extra"])["poll_choices"] == "Yes|No"

    # a reply that also quotes: the reply wins the kind, the quoted id is kept
    quote_reply = rows["790000000000000006"]
    assert quote_reply["kind"] == "reply"
    assert quote_reply["parent_id"] == "780000000000000009"
    assert quote_reply["repost_of"] == "780000000000000008"


def test_reingest_adds_nothing(case):
    swarmscope.ingest(case, [DATA / "io_sample.csv"], format="twitter-io")
    again = swarmscope.ingest(case, [DATA / "io_sample.csv"], format="twitter-io")
    assert (again.added, again.duplicates) == (0, 6)
    assert case.count("actions") == 6


def test_bad_is_retweet_names_file_record_and_field(case):
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [DATA / "malformed.csv"], format="twitter-io")
    e = err.value
    assert (e.file, e.record, e.field, e.line) == (str(DATA / "malformed.csv"), 2, "is_retweet", 4)
    assert "maybe" in str(e)
    assert case.count("actions") == 0


def test_skip_logs_each_bad_record_with_its_reason(case):
    report = swarmscope.ingest(case, [DATA / "malformed.csv"], format="twitter-io",
                               on_error="skip")
    assert (report.records, report.added, report.rejected) == (5, 2, 3)
    assert sorted(actions(case)) == ["1", "5"]
    log = [json.loads(x) for x in (case.path / report.files[0].rejects_file).read_text().splitlines()]
    assert [(r["record"], r["line"], r["field"]) for r in log] == [
        (2, 4, "is_retweet"), (3, 5, None), (4, 6, "tweet_time")]
    assert log[1]["reason"] == "expected 7 fields, found 4"
    assert log[2]["reason"] == "unparseable timestamp" and log[2]["value"] == "yesterday"
    # records after the short row keep their numbers
    assert {r["action_id"]: r["record"] for r in case.read("actions").to_pylist()} == {"1": 1, "5": 5}


def test_invalid_utf8_is_rejected_by_field(case, tmp_path):
    path = tmp_path / "io.csv"
    path.write_bytes(b"tweetid,userid,user_screen_name,tweet_text,tweet_time\n"
                     b"1,u1,ann,ok,2016-10-01 12:00\n"
                     b"2,u2,bob,bad \xff byte,2016-10-01 12:00\n")
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="twitter-io")
    assert (err.value.record, err.value.field, err.value.line) == (2, "tweet_text", 3)


def test_spreadsheet_rounded_tweetid_is_rejected(case, tmp_path):
    path = tmp_path / "io.csv"
    path.write_text("tweetid,userid,user_screen_name,tweet_text,tweet_time\n"
                    "7.9E+17,u1,ann,hi,2016-10-01 12:00\n")
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="twitter-io")
    assert (err.value.record, err.value.field) == (1, "tweetid")


def test_file_without_the_archive_columns_is_refused(case, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("id,user,time\n1,ann,2016-10-01 12:00\n")
    with pytest.raises(IngestError, match="column 'tweetid' is missing"):
        swarmscope.ingest(case, [path], format="twitter-io")


def test_auto_detects_the_archive_but_not_a_generic_csv(tmp_path):
    assert detect_format(DATA / "io_sample.csv") == "twitter-io"
    generic = tmp_path / "generic.csv"
    generic.write_text("id,user,time,text\n1,ann,2016-10-01 12:00,hi\n")
    assert detect_format(generic) == "csv"


def test_hostile_column_names_stay_data(case, tmp_path):
    evil = 'x"); DROP TABLE actions; --'
    path = tmp_path / "io.csv"
    path.write_text(
        "tweetid,userid,user_screen_name,tweet_text,tweet_time,record,__swarmscope_record__,"
        f'"{evil.replace(chr(34), chr(34) * 2)}",record\n'
        "1,u1,ann,hi,2016-10-01 12:00,99,98,boom,97\n"
        "2,u2,bob,yo,2016-10-01 12:01,99,98,boom,97\n")
    swarmscope.ingest(case, [path], format="twitter-io")
    rows = actions(case)
    assert (rows["1"]["record"], rows["2"]["record"]) == (1, 2)
    extra = json.loads(rows["2"]["extra"])
    # duplicate names get a suffix; names in swarmscope's reserved prefix get a leading _
    assert extra == {"record": "99", "___swarmscope_record__": "98", evil: "boom",
                     "record_1": "97"}
