"""Timestamps in any zone or epoch unit become UTC microseconds; unreadable ones become NULL."""

import datetime as dt

import pyarrow as pa
import pytest

from swarmscope.timeparse import parse_timestamps

UTC = dt.UTC
MIDNIGHT = dt.datetime(2021, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw",
    [
        "2021-01-01T00:00:00Z",
        "2021-01-01 00:00:00+00:00",
        "2021-01-01T01:00:00+01:00",
        "2020-12-31T19:00:00-05:00",
        "2021-01-01T05:30:00+05:30",
        "2021-01-01 02:00:00+0200",
        "2021-01-01 00:00:00 UTC",
        "Fri Jan 01 00:00:00 +0000 2021",
        "1/1/2021 0:00",
        "1609459200",
        "1609459200000",
        "1609459200000000",
        "1609459200000000000",
        "2021-01-01",
    ],
)
def test_every_spelling_of_the_same_instant_parses_to_it(raw):
    assert parse_timestamps(pa.array([raw])).to_pylist() == [MIDNIGHT]


def test_epoch_numbers_in_any_unit():
    got = parse_timestamps(pa.array([1609459200, 1609459200123, 1609459200123456]))
    assert got.to_pylist() == [
        MIDNIGHT,
        MIDNIGHT + dt.timedelta(milliseconds=123),
        MIDNIGHT + dt.timedelta(microseconds=123456),
    ]


def test_fractional_epoch_seconds_keep_microseconds():
    assert parse_timestamps(pa.array(["1609459200.25"])).to_pylist() == [
        MIDNIGHT + dt.timedelta(milliseconds=250)]


def test_naive_times_are_read_in_the_given_zone_with_daylight_saving():
    winter, summer = parse_timestamps(
        pa.array(["2021-01-01 12:00:00", "2021-07-01 12:00:00"]), tz="Europe/Berlin").to_pylist()
    assert winter == dt.datetime(2021, 1, 1, 11, tzinfo=UTC)
    assert summer == dt.datetime(2021, 7, 1, 10, tzinfo=UTC)


def test_an_explicit_offset_wins_over_the_default_zone():
    got = parse_timestamps(pa.array(["2021-01-01T01:00:00+01:00"]), tz="America/New_York")
    assert got.to_pylist() == [MIDNIGHT]


def test_explicit_strptime_format():
    got = parse_timestamps(pa.array(["01.01.2021 01:00"]), fmt="%d.%m.%Y %H:%M", tz="Europe/Paris")
    assert got.to_pylist() == [MIDNIGHT]


def test_forced_epoch_unit():
    assert parse_timestamps(pa.array(["1609459200000"]), unit="ms").to_pylist() == [MIDNIGHT]


@pytest.mark.parametrize("raw", ["garbage", "", "   ", None, "2021-13-45T00:00:00Z", "yesterday"])
def test_unreadable_values_become_null(raw):
    assert parse_timestamps(pa.array([raw], pa.string())).to_pylist() == [None]


def test_naive_arrow_timestamps_are_taken_as_utc_or_the_given_zone():
    naive = pa.array([dt.datetime(2021, 1, 1, 1, 0)], pa.timestamp("us"))
    assert parse_timestamps(naive, tz="Europe/London").to_pylist() == [
        dt.datetime(2021, 1, 1, 1, tzinfo=UTC)]
    assert parse_timestamps(naive, tz="Europe/Berlin").to_pylist() == [MIDNIGHT]


def test_plain_naive_times_take_the_same_path_as_before():
    # the shortcut for plain naive times must agree with the general rules, and leave
    # anything with an offset, a zone or extra characters to them
    import duckdb

    from swarmscope.timeparse import timestamp_sql

    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    cases = {
        "2016-10-01 12:00": "2016-10-01 16:00:00+00", "10/1/2016 19:37": "2016-10-01 23:37:00+00",
        "2016-10-01T12:00:59.5": "2016-10-01 16:00:59.5+00",
        "2016-10-01 12:00-0500": "2016-10-01 17:00:00+00", "2016-10-01 12:00Z": "2016-10-01 12:00:00+00",
        "2016-10-01 12:00 UTC": "2016-10-01 12:00:00+00", "2016-13-01 12:00": None,
        # FiveThirtyEight's spelling skips the cast (which never reads it) for the formats
        "2/29/2021 1:00": None, "2/29/2020 1:00": "2020-02-29 06:00:00+00",
        "10/1/2016 19:37:59": "2016-10-01 23:37:59+00", "13/1/2016 10:00": None,
        "10/1/2016 24:00": None,
    }
    for value, expected in cases.items():
        got = con.execute(f"SELECT CAST(({timestamp_sql('$v', tz='America/New_York')})"
                          f"::TIMESTAMPTZ AS VARCHAR)", {"v": value}).fetchall()[0][0]
        assert got == expected, value


def test_iso_times_with_an_offset_take_the_same_path_as_before():
    # the shortcut for ISO times with Z or a numeric offset must give what the offset rule
    # gives: the cast of the value, NULL for an impossible date, and leave to the general
    # rules anything with white space, a zone name or a lower-case z
    import duckdb

    from swarmscope.timeparse import timestamp_sql

    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    cases = {
        "2020-09-25 22:03:34+01:00": "2020-09-25 21:03:34+00",
        "2020-09-21T17:26:28.000Z": "2020-09-21 17:26:28+00",
        "2020-09-21T17:26:28.123456789Z": "2020-09-21 17:26:28.123456+00",
        "2020-09-21 17:26-0530": "2020-09-21 22:56:00+00", "2020-09-21 17:26+01": "2020-09-21 16:26:00+00",
        "2021-02-30 10:00:00Z": None, "2021-01-01 25:00:00+01:00": None,
        "2020-09-21 17:26:28z": None, " 2020-09-21 17:26:28Z ": "2020-09-21 17:26:28+00",
        "2020-09-21 17:26:28 UTC": "2020-09-21 17:26:28+00",
        "2020-09-21 17:26:28+01:00:00": "2020-09-21 21:26:28+00",  # not ISO: the general rules
    }
    for value, expected in cases.items():
        got = con.execute(f"SELECT CAST(({timestamp_sql('$v', tz='America/New_York')})"
                          f"::TIMESTAMPTZ AS VARCHAR)", {"v": value}).fetchall()[0][0]
        assert got == expected, value
