"""The first bad record of a file is the one reported, wherever it is found.

Parsing runs in a background thread ahead of validation, so an adapter can meet a malformed row
while the pipeline still holds earlier rows; the earlier bad record must still win, and the case
must stay unchanged.
"""

import pytest

from swarmscope import Case, ingest
from swarmscope.errors import IngestError

HEADER = "tweetid,userid,user_screen_name,tweet_text,tweet_time,is_retweet\n"


def write_io(path, n, bad_time=None, bad_is_retweet=None):
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(1, n + 1):
            t = "yesterday" if i == bad_time else "2016-10-01 12:00"
            rt = "maybe" if i == bad_is_retweet else "False"
            fh.write(f"{1000 + i},u{i % 50},user{i % 50},hello {i},{t},{rt}\n")


@pytest.mark.parametrize(("bad_time", "bad_is_retweet", "record", "field"), [
    (40_000, 90_000, 40_000, "tweet_time"),  # the pipeline's error comes first
    (90_000, 40_000, 40_000, "is_retweet"),  # the adapter's error comes first
])
def test_first_bad_record_is_reported(tmp_path, bad_time, bad_is_retweet, record, field):
    path = tmp_path / "io.csv"
    write_io(path, 100_000, bad_time=bad_time, bad_is_retweet=bad_is_retweet)
    case = Case.init(tmp_path / "case")
    with pytest.raises(IngestError) as err:
        ingest(case, [path], format="twitter-io")
    assert err.value.record == record
    assert err.value.line == record + 1
    assert field in str(err.value)
    assert Case.open(case.path).count() == 0


def test_skip_mode_reports_both_and_keeps_every_other_row(tmp_path):
    path = tmp_path / "io.csv"
    write_io(path, 100_000, bad_time=90_000, bad_is_retweet=40_000)
    case = Case.init(tmp_path / "case")
    report = ingest(case, [path], format="twitter-io", on_error="skip")
    assert (report.records, report.added, report.rejected) == (100_000, 99_998, 2)
    rejects = (case.path / report.files[0].rejects_file).read_text().splitlines()
    assert [r.split('"record":')[1].split(",")[0] for r in rejects] == ["40000", "90000"]
