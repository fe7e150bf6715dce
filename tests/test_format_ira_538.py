"""FiveThirtyEight's IRA troll tweets (--format ira-538), CSV and Parquet."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import swarmscope
from conftest import require_shared
from swarmscope.behaviours import behaviour_sql
from swarmscope.errors import IngestError
from swarmscope.info import case_info
from swarmscope.sources.registry import detect_format

DATA = Path(__file__).parent / "data" / "formats" / "ira-538"
UTC = dt.UTC


def by_record(case: swarmscope.Case) -> dict[int, dict]:
    return {r["record"]: r for r in case.read("actions").to_pylist()}


def test_sample_maps_posts_retweets_and_quotes_row_by_row(case):
    report = swarmscope.ingest(case, [DATA / "ira_sample.csv"], format="ira-538")
    assert (report.added, report.rejected) == (7, 0)
    rows = by_record(case)

    post = rows[1]
    assert (post["platform"], post["action_id"]) == ("twitter", "780000000000000001")
    assert (post["account"], post["account_id"]) == ("JENN_ABRAMS", "4224729994")
    assert post["ts"] == dt.datetime(2016, 10, 1, 19, 37, tzinfo=UTC)
    assert post["kind"] == "post" and post["repost_of"] is None
    assert post["text"] == "Go vote 😀 #Election2016 @realDonaldTrump https://t.co/AbC123"
    assert post["hashtags"] == ["Election2016"]
    assert post["mentions"] == ["realDonaldTrump"]
    assert post["urls"] == ["https://example.com/story?utm_source=twitter&id=1"]  # tco1_step1
    extra = json.loads(post["extra"])
    assert extra["account_category"] == "RightTroll" and extra["account_type"] == "Right"
    assert extra["article_url"].endswith("/780000000000000001")
    assert "content" not in extra and "tco1_step1" not in extra

    retweet = rows[2]
    assert retweet["kind"] == "repost" and retweet["repost_of"] is None
    assert retweet["account_id"] == "9.06E+17"  # kept as given, rounded by a spreadsheet upstream
    assert retweet["text_key"] == post["text_key"]  # co-retweets meet on the text

    quote = rows[3]
    assert quote["kind"] == "quote"
    assert quote["urls"] == ["https://twitter.com/someone/status/77", "http://bit.ly/xyz"]
    assert quote["ts"] == dt.datetime(2016, 10, 2, 0, 5, tzinfo=UTC)

    # same author, minute and text, no tweet id: two actions keyed by file and row
    twin_a, twin_b = rows[4], rows[5]
    assert (twin_a["text"], twin_a["ts"]) == (twin_b["text"], twin_b["ts"])
    key = report.files[0].sha256[:16]
    assert (twin_a["action_id"], twin_b["action_id"]) == (f"{key}:4", f"{key}:5")

    russian = rows[6]
    assert russian["text"] == "Срочно!\nВторая строка #Москва"
    assert russian["hashtags"] == ["Москва"]
    assert russian["action_id"] == f"{key}:6"  # empty tweet_id
    arabic = rows[7]
    assert arabic["text"] == "عاجل: خبر مهم #عاجل" and arabic["hashtags"] == ["عاجل"]
    assert arabic["kind"] == "repost"  # empty post_type with retweet = 1


def test_reposts_without_ids_meet_in_the_repost_behaviour(case):
    swarmscope.ingest(case, [DATA / "ira_sample.csv"], format="ira-538")
    rows = case.connect().execute(
        f"SELECT account, object FROM ({behaviour_sql('repost')}) ORDER BY account"  # noqa: S608
    ).fetchall()
    assert [a for a, _ in rows] == ["10_GOP", "NOVOSTIMSK"]
    assert all(obj.startswith("text:") for _, obj in rows)


def test_reingest_adds_nothing(case):
    swarmscope.ingest(case, [DATA / "ira_sample.csv"], format="ira-538")
    again = swarmscope.ingest(case, [DATA / "ira_sample.csv"], format="ira-538")
    assert (again.added, again.duplicates) == (0, 7)


def test_parquet_with_the_same_columns_reads_the_same(case, tmp_path):
    table = pacsv.read_csv(DATA / "ira_sample.csv", convert_options=pacsv.ConvertOptions(
        column_types={"tweet_id": pa.string(), "external_author_id": pa.string()}))
    pq.write_table(table, tmp_path / "ira.parquet")
    report = swarmscope.ingest(case, [tmp_path / "ira.parquet"], format="ira-538")
    assert report.added == 7
    rows = by_record(case)
    assert rows[3]["kind"] == "quote" and rows[3]["account"] == "TEN_GOP"
    assert rows[6]["text"] == "Срочно!\nВторая строка #Москва"


def test_per_author_parquet_spelling_r_and_q(case, tmp_path):
    table = pa.table({
        "author": ["a", "b", "c"], "content": ["x", "y", "z"],
        "publish_date": pa.array([dt.datetime(2016, 10, 1, 12, m) for m in range(3)],
                                 pa.timestamp("us")),
        "post_type": ["R", "Q", ""], "retweet": pa.array([1, 1, 0], pa.int64()),
        "external_author_id": ["1", "2", "3"],
    })
    pq.write_table(table, tmp_path / "by_author.parquet")
    swarmscope.ingest(case, [tmp_path / "by_author.parquet"], format="ira-538")
    rows = by_record(case)
    assert [rows[i]["kind"] for i in (1, 2, 3)] == ["repost", "quote", "post"]
    assert rows[2]["ts"] == dt.datetime(2016, 10, 1, 12, 1, tzinfo=UTC)


def test_unknown_post_type_names_file_record_and_field(case):
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [DATA / "malformed.csv"], format="ira-538")
    e = err.value
    assert (e.file, e.record, e.field, e.line) == (str(DATA / "malformed.csv"), 2, "post_type", 3)
    assert "REPLY" in str(e)


def test_skip_logs_bad_records(case):
    report = swarmscope.ingest(case, [DATA / "malformed.csv"], format="ira-538",
                               on_error="skip")
    assert (report.added, report.rejected) == (2, 2)
    log = [json.loads(x) for x in (case.path / report.files[0].rejects_file).read_text().splitlines()]
    assert [(r["record"], r["line"], r["field"], r["reason"]) for r in log] == [
        (2, 3, "post_type", "post_type must be RETWEET, QUOTE_TWEET or empty"),
        (3, 4, "author", "missing account")]


def test_auto_detects_the_csv(tmp_path):
    assert detect_format(DATA / "ira_sample.csv") == "ira-538"


@pytest.mark.shared_data
def test_shared_ira_parquet_has_341_accounts_and_126624_actions(case):
    path = require_shared("ira-twitter", "ira_tweets_en_2016-10-01_2016-11-15.parquet")
    report = swarmscope.ingest(case, [path], format="ira-538")
    assert (report.added, report.duplicates, report.rejected) == (126_624, 0, 0)
    info = case_info(case)
    assert (info["accounts"], info["actions"]) == (341, 126_624)
    assert dict(info["kinds"]) == {"repost": 101_752, "post": 24_202, "quote": 670}
