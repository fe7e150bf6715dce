"""CrowdTangle CSV exports of Facebook and Instagram posts (--format crowdtangle)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import swarmscope
from swarmscope.errors import IngestError
from swarmscope.sources.registry import detect_format

DATA = Path(__file__).parent / "data" / "formats" / "crowdtangle"
UTC = dt.UTC


def by_record(case: swarmscope.Case) -> dict[int, dict]:
    return {r["record"]: r for r in case.read("actions").to_pylist()}


def test_facebook_export_row_by_row(case):
    report = swarmscope.ingest(case, [DATA / "facebook_posts.csv"], format="crowdtangle")
    assert (report.added, report.rejected) == (5, 0)
    rows = by_record(case)

    link = rows[1]
    assert link["platform"] == "facebook"
    assert link["action_id"] == "https://www.facebook.com/dailypatriotnews/posts/3900000000000001"
    assert (link["account"], link["account_id"]) == ("dailypatriotnews", "100044000000001")
    assert link["ts"] == dt.datetime(2021, 3, 1, 15, 0, tzinfo=UTC)  # 10:00 EST
    assert link["kind"] == "post"
    assert link["text"] == "They don't want you to see this #StopTheSteal https://bit.ly/3abcDEF"
    assert link["urls"] == [  # the expanded Final Link first, then URLs written in the message
        "https://example-news.com/2021/03/01/story?utm_source=fb&fbclid=XYZ",
        "https://bit.ly/3abcDEF"]
    assert link["links"][0] == "https://example-news.com/2021/03/01/story"
    assert link["hashtags"] == ["StopTheSteal"] and link["mentions"] == []
    extra = json.loads(link["extra"])
    assert extra["Page Name"] == "Daily Patriot News"
    assert extra["Link"] == "https://bit.ly/3abcDEF" and extra["Link Text"] == "The story they hid"
    assert extra["Total Interactions"] == "1,204" and extra["Type"] == "Link"
    assert extra["Description"] == "Preview text of the article"  # link preview, not the text
    assert "Message" not in extra and "URL" not in extra

    photo = rows[2]
    assert photo["ts"] == dt.datetime(2021, 7, 4, 13, 30, tzinfo=UTC)  # EDT is UTC-4
    assert photo["urls"] == ["https://www.facebook.com/dailypatriotnews/photos/a.1/3900000000000099/"]

    no_user_name = rows[3]
    assert no_user_name["account"] == "קהילה למען האמת"  # the page name stands in
    assert no_user_name["text"] == "שלום עולם 👋\nשורה שנייה #אמת"
    assert no_user_name["hashtags"] == ["אמת"]
    assert no_user_name["ts"] == dt.datetime(2021, 11, 7, 7, 30, tzinfo=UTC)  # CST is UTC-6

    youtube = rows[4]
    assert youtube["ts"] == dt.datetime(2021, 1, 1, 7, 59, 59, tzinfo=UTC)  # PST, next UTC day
    assert youtube["text"] == "" and youtube["urls"] == ["https://www.youtube.com/watch?v=dQw4w9WgXcQ"]

    group = rows[5]
    assert group["ts"] == dt.datetime(2021, 3, 1, 15, 0, tzinfo=UTC)
    assert group["account"] == "Concerned Parents Group"
    # Link and the URL in the message are one URL, listed once
    assert group["urls"] == ["https://example-news.com/2021/03/01/story"]
    assert group["links"] == link["links"][:1]  # the same article as post 1 after normalising


def test_instagram_export_row_by_row(case):
    report = swarmscope.ingest(case, [DATA / "instagram_posts.csv"], format="crowdtangle")
    assert report.added == 2
    rows = by_record(case)
    photo = rows[1]
    assert photo["platform"] == "instagram"
    assert photo["action_id"] == "https://www.instagram.com/p/CLxyz123abc/"
    assert (photo["account"], photo["account_id"]) == ("freedom.memes_", None)
    assert photo["text"] == "Share before they delete! #StopTheSteal #freedom @patriot.daily. link in bio"
    assert photo["hashtags"] == ["StopTheSteal", "freedom"]
    assert photo["mentions"] == ["patriot.daily"]
    assert photo["urls"] == []  # Link is the post itself
    assert json.loads(photo["extra"])["Account"] == "Freedom Memes"  # BOM-prefixed header

    igtv = rows[2]
    assert igtv["ts"] == dt.datetime(2021, 6, 1, 10, 0, tzinfo=UTC)  # CEST is UTC+2
    assert igtv["title"] == "What they won't tell you"
    assert igtv["urls"] == ["https://rumble.example/v123"]


def test_reingest_adds_nothing(case):
    files = [DATA / "facebook_posts.csv", DATA / "instagram_posts.csv"]
    swarmscope.ingest(case, files, format="crowdtangle")
    again = swarmscope.ingest(case, files, format="crowdtangle")
    assert (again.added, again.duplicates) == (0, 7)


def test_ambiguous_zone_names_file_record_and_field(case):
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [DATA / "ambiguous_zone.csv"], format="crowdtangle")
    e = err.value
    assert (e.record, e.field, e.line) == (1, "Post Created", 2)
    assert "--tz" in str(e) and "IST" in str(e)


def test_ambiguous_zone_is_skipped_and_logged(case):
    report = swarmscope.ingest(case, [DATA / "ambiguous_zone.csv"], format="crowdtangle",
                               on_error="skip")
    assert (report.added, report.rejected) == (0, 2)
    log = [json.loads(x) for x in (case.path / report.files[0].rejects_file).read_text().splitlines()]
    assert [(r["record"], r["line"], r["field"]) for r in log] == [
        (1, 2, "Post Created"), (2, 3, "Post Created")]


def test_tz_option_settles_the_zone(case):
    swarmscope.ingest(case, [DATA / "ambiguous_zone.csv"], format="crowdtangle",
                      tz="Asia/Kolkata")
    assert by_record(case)[1]["ts"] == dt.datetime(2021, 3, 1, 4, 30, tzinfo=UTC)


def test_date_and_time_columns_without_post_created(case, tmp_path):
    path = tmp_path / "ct.csv"
    path.write_text("Page Name,User Name,Facebook Id,Post Created Date,Post Created Time,URL,Message\n"
                    "P,p,1,2021-03-01,10:00:00,https://www.facebook.com/p/posts/1,hi\n")
    swarmscope.ingest(case, [path], format="crowdtangle", tz="America/New_York")
    assert by_record(case)[1]["ts"] == dt.datetime(2021, 3, 1, 15, 0, tzinfo=UTC)


def test_missing_time_is_an_error_naming_the_column(case, tmp_path):
    path = tmp_path / "ct.csv"
    path.write_text("Page Name,User Name,Facebook Id,Post Created,URL,Message\n"
                    "P,p,1,,https://www.facebook.com/p/posts/1,hi\n")
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="crowdtangle")
    assert (err.value.record, err.value.field) == (1, "Post Created")


def test_auto_detects_both_exports():
    assert detect_format(DATA / "facebook_posts.csv") == "crowdtangle"
    assert detect_format(DATA / "instagram_posts.csv") == "crowdtangle"


def test_numeric_offsets_are_read_as_written(case, tmp_path):
    path = tmp_path / "ct.csv"
    path.write_text("Page Name,User Name,Facebook Id,Post Created,URL,Message\n"
                    "P,p,1,2021-03-01 10:00:00 -0500,https://www.facebook.com/p/posts/1,a\n"
                    "P,p,1,2021-03-01 10:00:00 +05:30,https://www.facebook.com/p/posts/2,b\n")
    swarmscope.ingest(case, [path], format="crowdtangle", tz="Europe/Berlin")
    rows = by_record(case)
    assert rows[1]["ts"] == dt.datetime(2021, 3, 1, 15, 0, tzinfo=UTC)
    assert rows[2]["ts"] == dt.datetime(2021, 3, 1, 4, 30, tzinfo=UTC)
