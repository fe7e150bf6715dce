"""Twitter/X API v2 tweets (--format twitter-v2): response pages, twarc2 flatten, twarc2 CSV."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

import swarmscope
from swarmscope.errors import IngestError
from swarmscope.sources.registry import detect_format

DATA = Path(__file__).parent / "data" / "formats" / "twitter-v2"
UTC = dt.UTC


def actions(case: swarmscope.Case) -> dict[str, dict]:
    return {r["action_id"]: r for r in case.read("actions").to_pylist()}


def test_search_pages_row_by_row(case):
    report = swarmscope.ingest(case, [DATA / "search_pages.jsonl"], format="twitter-v2")
    # 5 + 2 collected tweets, plus tweet 2000 seen only in includes.tweets
    assert (report.added, report.duplicates, report.rejected) == (8, 0, 0)
    rows = actions(case)

    post = rows["2001"]
    assert (post["platform"], post["kind"], post["record"]) == ("twitter", "post", 1)
    assert (post["account"], post["account_id"]) == ("ann_patriot", "1001")
    assert post["ts"] == dt.datetime(2022, 10, 1, 12, 0, tzinfo=UTC)
    assert post["text"] == "Vote! 😀 $TSLA #Election2022 @carol_news https://t.co/bbb"
    assert post["urls"] == ["https://www.Example.org/Vote?fbclid=abc#top"]  # expanded_url
    assert post["links"] == ["https://example.org/Vote"]
    assert post["hashtags"] == ["Election2022"] and post["mentions"] == ["carol_news"]
    extra = json.loads(post["extra"])
    assert extra["cashtags"] == ["TSLA"] and extra["lang"] == "en"
    assert extra["author"]["name"] == "Ann 🇺🇸"
    assert extra["author"]["public_metrics"]["followers_count"] == 5000
    assert extra["public_metrics"]["like_count"] == 1

    retweet = rows["2002"]
    assert (retweet["kind"], retweet["repost_of"], retweet["account"]) == ("repost", "2000", "bob_truth")
    assert retweet["mentions"] == ["carol_news"]

    reply = rows["2003"]
    assert (reply["kind"], reply["parent_id"]) == ("reply", "2001")
    assert reply["text"] == "@ann_patriot נכון מאוד\nשורה שנייה"
    assert json.loads(reply["extra"])["in_reply_to_user_id"] == "1001"

    # the quoting author is not in includes.users (suspended or deleted)
    quote = rows["2004"]
    assert (quote["kind"], quote["repost_of"]) == ("quote", "2001")
    assert (quote["account"], quote["account_id"]) == ("1099", "1099")
    assert json.loads(quote["extra"])["username_missing"] is True
    assert quote["urls"] == ["https://twitter.com/ann_patriot/status/2001"]

    long_post = rows["2005"]
    assert long_post["text"].startswith("A long post. ") and len(long_post["text"]) > 280
    assert long_post["hashtags"] == ["LongRead"]
    assert long_post["urls"] == ["https://longread.example/full"]
    assert json.loads(long_post["extra"])["note_tweet"] is True

    original = rows["2000"]  # from includes.tweets
    assert (original["account"], original["kind"], original["record"]) == ("carol_news", "post", 1)
    assert original["ts"] == dt.datetime(2022, 9, 30, 23, 59, tzinfo=UTC)

    second_page_rt = rows["2006"]
    assert (second_page_rt["record"], second_page_rt["repost_of"]) == (2, "2000")
    reply_quote = rows["2007"]  # a reply that quotes: reply, quoted id kept
    assert (reply_quote["kind"], reply_quote["parent_id"], reply_quote["repost_of"]) == (
        "reply", "2001", "999")


def test_flattened_tweets_inline_author_and_referenced_tweet(case):
    report = swarmscope.ingest(case, [DATA / "flattened.jsonl"], format="twitter-v2")
    assert report.added == 3
    rows = actions(case)
    assert (rows["2002"]["account"], rows["2002"]["kind"], rows["2002"]["repost_of"]) == (
        "bob_truth", "repost", "2000")
    assert (rows["2000"]["account"], rows["2000"]["record"]) == ("carol_news", 1)
    assert (rows["2008"]["account"], rows["2008"]["record"]) == ("carol_news", 2)


def test_single_lookup_response_document(case):
    report = swarmscope.ingest(case, [DATA / "lookup_response.json"], format="twitter-v2")
    assert report.added == 1
    assert actions(case)["2001"]["account"] == "ann_patriot"


def test_twarc2_csv_row_by_row(case):
    report = swarmscope.ingest(case, [DATA / "twarc2.csv"], format="twitter-v2")
    assert (report.added, report.rejected) == (5, 0)
    rows = actions(case)
    post = rows["2001"]
    assert (post["account"], post["account_id"], post["kind"]) == ("ann_patriot", "1001", "post")
    assert post["ts"] == dt.datetime(2022, 10, 1, 12, 0, tzinfo=UTC)
    assert post["hashtags"] == ["Election2022"] and post["mentions"] == ["carol_news"]
    assert post["urls"] == ["https://www.Example.org/Vote?fbclid=abc#top"]
    extra = json.loads(post["extra"])
    assert extra["author.name"] == "Ann 🇺🇸" and extra["entities.cashtags"] == '["$TSLA"]'
    assert "context_annotations" not in json.loads(rows["2000"]["extra"])

    retweet = rows["2002"]
    assert (retweet["kind"], retweet["repost_of"]) == ("repost", "2000")
    reply = rows["2003"]
    assert (reply["kind"], reply["parent_id"]) == ("reply", "2001")
    assert reply["text"] == "@ann_patriot נכון מאוד\\nשורה שנייה"  # twarc-csv escapes newlines
    quote = rows["2004"]
    assert (quote["kind"], quote["repost_of"], quote["account"]) == ("quote", "2001", "1099")


def test_csv_and_json_of_the_same_tweets_are_the_same_actions(case):
    swarmscope.ingest(case, [DATA / "search_pages.jsonl"], format="twitter-v2")
    report = swarmscope.ingest(case, [DATA / "twarc2.csv"], format="twitter-v2")
    assert (report.added, report.duplicates) == (0, 5)


def test_older_twarc_csv_with_entity_objects(case, tmp_path):
    path = tmp_path / "old.csv"
    path.write_text(
        "id,text,author_id,created_at,entities.hashtags,entities.urls,author.username,"
        "referenced_tweets\n"
        '5,hi,9,2021-01-01T00:00:00.000Z,"[{""start"": 0, ""end"": 3, ""tag"": ""x""}]",'
        '"[{""url"": ""https://t.co/a"", ""expanded_url"": ""https://e.org/""}]",ann,'
        '"[{""type"": ""quoted"", ""id"": ""4""}]"\n')
    swarmscope.ingest(case, [path], format="twitter-v2")
    row = actions(case)["5"]
    assert (row["hashtags"], row["urls"]) == (["x"], ["https://e.org/"])
    assert (row["kind"], row["repost_of"]) == ("quote", "4")


def test_reingest_adds_nothing(case):
    swarmscope.ingest(case, [DATA / "search_pages.jsonl"], format="twitter-v2")
    again = swarmscope.ingest(case, [DATA / "search_pages.jsonl"], format="twitter-v2")
    assert (again.added, again.duplicates) == (0, 8)


def test_missing_created_at_names_file_record_and_field(case):
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [DATA / "malformed.jsonl"], format="twitter-v2")
    e = err.value
    assert (e.file, e.record, e.line, e.field) == (
        str(DATA / "malformed.jsonl"), 2, 2, "data[1].created_at")
    assert "tweet.fields=created_at" in e.reason
    assert case.count("actions") == 0


def test_skip_keeps_the_rest_of_the_page(case):
    report = swarmscope.ingest(case, [DATA / "malformed.jsonl"], format="twitter-v2",
                               on_error="skip")
    assert (report.added, report.rejected) == (3, 1)
    assert sorted(actions(case)) == ["2003", "2006", "2008"]
    log = json.loads((case.path / report.files[0].rejects_file).read_text())
    assert (log["record"], log["line"], log["field"]) == (2, 2, "data[1].created_at")


def test_bad_csv_entity_column_is_rejected_by_field(case, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,text,author_id,author.username,created_at,entities.hashtags\n"
                    "1,a,9,ann,2021-01-01T00:00:00.000Z,[]\n"
                    "2,b,9,ann,2021-01-01T00:00:00.000Z,[#broken\n")
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="twitter-v2")
    assert (err.value.record, err.value.line, err.value.field) == (2, 3, "entities.hashtags")


def test_other_json_is_rejected(case, tmp_path):
    path = tmp_path / "counts.jsonl"
    path.write_text('{"data": [{"end": "2021-01-02T00:00:00.000Z", "start": '
                    '"2021-01-01T00:00:00.000Z", "tweet_count": 5}]}\n')
    with pytest.raises(IngestError, match="counts response"):
        swarmscope.ingest(case, [path], format="twitter-v2")


def test_auto_detection(tmp_path):
    for name in ("search_pages.jsonl", "flattened.jsonl", "twarc2.csv", "lookup_response.json"):
        assert detect_format(DATA / name) == "twitter-v2", name
    zipped = tmp_path / "pages.jsonl.gz"
    zipped.write_bytes(gzip.compress((DATA / "search_pages.jsonl").read_bytes()))
    assert detect_format(zipped) == "twitter-v2"


def test_v1_tweets_are_refused_with_a_clear_reason(case, tmp_path):
    path = tmp_path / "v1.jsonl"
    path.write_text('{"id": 1, "id_str": "1", "text": "hi", "user": {"screen_name": "ann"}, '
                    '"created_at": "Wed Oct 10 20:19:24 +0000 2018"}\n')
    with pytest.raises(IngestError, match="v1.1"):
        swarmscope.ingest(case, [path], format="twitter-v2")


def test_extra_none_drops_extra_and_map_is_refused(case):
    swarmscope.ingest(case, [DATA / "search_pages.jsonl"], format="twitter-v2", extra="none")
    assert {r["extra"] for r in case.read("actions").to_pylist()} == {None}
    with pytest.raises(swarmscope.UsageError, match="--map applies to the generic formats"):
        swarmscope.ingest(case, [DATA / "twarc2.csv"], format="twitter-v2",
                          mapping={"account": "author_id"})


def test_generic_files_are_not_claimed(tmp_path):
    generic_jsonl = tmp_path / "posts.jsonl"
    generic_jsonl.write_text('{"id": "1", "author_id": "7", "text": "hi", '
                             '"created_at": "2021-01-01T00:00:00Z"}\n')
    generic_csv = tmp_path / "posts.csv"
    generic_csv.write_text("id,author_id,created_at,text\n1,7,2021-01-01T00:00:00Z,hi\n")
    assert detect_format(generic_jsonl) == "jsonl"
    assert detect_format(generic_csv) == "csv"


def test_filtered_stream_lines_keep_their_matching_rules(case, tmp_path):
    line = {"data": {"id": "9", "author_id": "1", "text": "hi",
                     "created_at": "2021-01-01T00:00:00.000Z"},
            "includes": {"users": [{"id": "1", "username": "ann"}]},
            "matching_rules": [{"id": "123", "tag": "election"}]}
    path = tmp_path / "stream.jsonl"
    path.write_text(json.dumps(line) + "\n")
    swarmscope.ingest(case, [path], format="twitter-v2")
    extra = json.loads(actions(case)["9"]["extra"])
    assert extra["matching_rules"] == [{"id": "123", "tag": "election"}]


def test_csv_entity_lists_read_every_kind_of_item():
    import duckdb

    from swarmscope.sources.twitter_v2 import entity_list_sql

    cases = {
        '["#a", "b", "#a"]': ["a", "b", "a"],
        ' [1, 2.50, true, null, "x\\u00e9\\n\\"q", ""] ': ["1", "2.5", "true", 'xé\n"q'],
        '[[1,2],["#a"]]': ["[1,2]", '["#a"]'],
        '[{"tag":"x"}, "#y", {"text": "z"}]': ["x", "y"],
        '["{not an object", "#b"]': ["{not an object", "b"],
        '["\\ud83d\\ude00", "a\\/b"]': ["😀", "a/b"],
        "[]": [], "": [], "['a']": [], '{"tag": "x"}': [], "[": [],
    }
    con = duckdb.connect()
    for value, expected in cases.items():
        got = con.execute(f"SELECT {entity_list_sql('$v', ('tag',), '#')}", {"v": value}).fetchall()
        assert got[0][0] == expected, value


def test_csv_json_list_test_agrees_with_json_type():
    """The one-parse test for a JSON list must say what json_type() = 'ARRAY' says."""
    import random

    import duckdb
    import pyarrow as pa

    from swarmscope.sources.twitter_v2 import _is_json_list

    rng = random.Random(5)
    space = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\ufeff", ""]
    bodies = ["[]", "[1]", '["a","b"]', '[{"tag":"x"}]', '{"a":1}', '"s"', "1", "null", "[1,]",
              "[1", "[NaN]", '["a" "b"]', "[]]", "/*c*/[1]", "[1]//c"]
    values = [None] + ["".join(rng.choice(space) for _ in range(rng.randrange(3)))
                       + rng.choice(bodies)
                       + "".join(rng.choice(space) for _ in range(rng.randrange(3)))
                       for _ in range(3000)]
    given = pa.table({"v": pa.array(values, pa.string())})  # noqa: F841
    rows = duckdb.connect().sql(
        "SELECT coalesce(CASE WHEN json_valid(v) THEN json_type(v) = 'ARRAY' END, false), "
        f"{_is_json_list('v')} FROM given").fetchall()
    assert sum(a for a, _ in rows) > 100
    assert all(a == b for a, b in rows)
