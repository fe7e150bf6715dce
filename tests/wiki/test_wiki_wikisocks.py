"""WikiSocks: revisions become actions, the sockpuppet label stays apart."""

from __future__ import annotations

import orjson
import pytest

import swarmscope
from conftest import require_shared
from swarmscope import IngestError
from swarmscope.sources.registry import detect_format
from swarmscope.wiki.wikisocks import ingest_wikisocks, read_labels, sockmaster_from_filename

SAMPLE = ("wikipedia", "wikisocks", "Category_Wikipedia_sockpuppets_of_Goat_boy_doyle.csv")


def test_sample_ingests_with_labels_kept_apart(case):
    path = require_shared(*SAMPLE)
    assert detect_format(path) == "wikisocks"
    report = ingest_wikisocks(case, [path])
    assert report.ingest.added == 38
    assert (report.labels_added, report.socks) == (23, 3)
    actions = case.read()
    # The label never reaches the actions: no column, no extra key, no value smuggled in.
    assert "sock" not in actions.schema.names
    for extra in actions.column("extra").to_pylist():
        assert "sock" not in orjson.loads(extra)
    labels = {r["account"]: r for r in case.read("labels").to_pylist()}
    assert {a for a, r in labels.items() if r["label"] == "sock"} == {
        "Goat boy doyle", "Goat boy doyle 2 oh shit i've got rabies",
        "Goat boy doyle 3 damn i dont have rabies"}
    assert labels["Dekisugi"]["label"] == "non_sock"
    assert {r["group_name"] for r in labels.values()} == {"Goat boy doyle"}
    # Sock names are written with underscores: one account, the original kept in extra.
    socks = [r for r in actions.to_pylist() if r["account"] == "Goat boy doyle"]
    assert len(socks) == 8
    assert orjson.loads(socks[0]["extra"])["user_as_given"] == "Goat_boy_doyle"
    # The labelled accounts are the accounts of the actions.
    assert set(labels) == set(actions.column("account").to_pylist())
    # Running it again adds nothing.
    again = ingest_wikisocks(case, [path])
    assert (again.ingest.added, again.labels_added) == (0, 0)


def test_plain_ingest_never_creates_labels(case):
    swarmscope.ingest(case, [require_shared(*SAMPLE)], format="wikisocks")
    assert case.count() == 38 and "labels" not in case.tables()


def test_summaries_and_anonymous_editors(case):
    swarmscope.ingest(case, [require_shared(*SAMPLE)])
    rows = {r["action_id"]: r for r in case.read().to_pylist()}
    undo = rows["203263736"]
    assert undo["text"].startswith("[[WP:UNDO|Undid]] revision 203263657")
    assert undo["parent_id"] == "203263657" and undo["title"] == "Gary Webster (actor)"
    anon = [r for r in rows.values() if r["account"] == "65.11.22.222"]
    assert anon and all(orjson.loads(r["extra"])["anon"] and r["account_id"] is None
                        for r in anon)


def test_bad_labels_and_bad_rows_are_reported(tmp_path):
    path = tmp_path / "Category_Wikipedia_sockpuppets_of_Some_master.csv"
    path.write_text("timestamp,revid,parentid,sock,user,page,message\n"
                    "2020-01-01T00:00:00+00:00,1,0,yes,A,P,\n")
    assert sockmaster_from_filename(path) == "Some master"
    with pytest.raises(IngestError, match="sock label must be 0 or 1"):
        read_labels(path)
    path.write_text("timestamp,revid,user\n1,2,3\n")
    with pytest.raises(IngestError, match="no column 'parentid'"):
        read_labels(path)
