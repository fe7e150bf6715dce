"""The analytics mediawiki_history TSV dump (revision events)."""

from __future__ import annotations

import bz2
import hashlib

import orjson
import pytest

import swarmscope
from swarmscope import IngestError
from swarmscope.sources.registry import detect_format
from swarmscope.wiki.history_tsv import COLUMNS


def base36(hexdigest: str) -> str:
    n, digits, out = int(hexdigest, 16), "0123456789abcdefghijklmnopqrstuvwxyz", ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out


def line(**fields: str) -> str:
    """One dump line: the given fields, every other field empty (NULL)."""
    unknown = set(fields) - set(COLUMNS)
    assert not unknown, unknown
    return "\t".join(fields.get(c, "") for c in COLUMNS) + "\n"


SHA_A = hashlib.sha1(b"a").hexdigest()
DUMP = "".join([
    line(wiki_db="enwiki", event_entity="user", event_type="create",
         event_timestamp="2019-12-31 10:00:00.0", event_user_text="Alice"),
    line(wiki_db="enwiki", event_entity="revision", event_type="create",
         event_timestamp="2020-01-01 10:00:00.0", event_comment="new\\tpage\\nwith escapes",
         event_user_id="11", event_user_text_historical="Alice_Old", event_user_text="Alice",
         event_user_is_anonymous="false", event_user_is_bot_by_historical="",
         page_id="5", page_title_historical="Some_page", page_title="Some_page",
         page_namespace_historical="0", revision_id="100", revision_parent_id="0",
         revision_minor_edit="false", revision_text_bytes="10", revision_text_sha1=base36(SHA_A),
         revision_is_identity_reverted="false", revision_is_identity_revert="false",
         revision_tags=""),
    line(wiki_db="enwiki", event_entity="revision", event_type="create",
         event_timestamp="2020-01-01 11:00:00.0", event_comment="spam",
         event_user_text_historical="198.51.100.9", event_user_text="198.51.100.9",
         event_user_is_anonymous="true", page_id="5", page_title_historical="Old_name",
         page_title="Some_page", page_namespace_historical="0", revision_id="101",
         revision_parent_id="100", revision_minor_edit="true", revision_text_bytes="99",
         revision_text_sha1=base36(hashlib.sha1(b"b").hexdigest()),
         revision_is_identity_reverted="true",
         revision_first_identity_reverting_revision_id="102",
         revision_is_identity_revert="false", revision_tags="mw-reverted"),
    line(wiki_db="enwiki", event_entity="revision", event_type="create",
         event_timestamp="2020-01-01 11:05:00.0", event_comment="Reverted edits",
         event_user_id="12", event_user_text="ClueBot NG", event_user_is_anonymous="false",
         event_user_is_bot_by_historical="group,name", page_id="5", page_title="Some_page",
         page_namespace_historical="0", revision_id="102", revision_parent_id="101",
         revision_text_bytes="10", revision_text_sha1=base36(SHA_A),
         revision_is_identity_revert="true", revision_tags="mw-rollback,mw-manual-revert"),
    line(wiki_db="enwiki", event_entity="revision", event_type="create",
         event_timestamp="2020-01-02 00:00:00.0", event_comment="", event_user_id="13",
         event_user_text="Hidden", page_id="5", page_title="Some_page",
         page_namespace_historical="0", revision_id="103", revision_parent_id="102",
         revision_deleted_parts="comment,user", revision_deleted_parts_are_suppressed="true",
         revision_text_bytes="12", revision_text_sha1=base36(hashlib.sha1(b"c").hexdigest())),
    line(wiki_db="enwiki", event_entity="page", event_type="move",
         event_timestamp="2020-01-03 00:00:00.0", page_id="5", page_title="Some_page"),
])


def test_revision_events_become_actions(case, tmp_path):
    path = tmp_path / "2020-01.enwiki.2020.tsv.bz2"
    path.write_bytes(bz2.compress(DUMP.encode()))
    assert detect_format(path) == "mediawiki-history"
    report = swarmscope.ingest(case, [path])
    assert report.added == 4  # user and page events are not edits
    rows = {r["action_id"]: r for r in case.read().to_pylist()}
    ex = {k: orjson.loads(r["extra"]) for k, r in rows.items()}
    first = rows["100"]
    assert (first["account"], first["account_id"], first["title"], first["parent_id"]) == \
        ("Alice", "11", "Some page", None)
    assert first["text"] == "new\tpage\nwith escapes"
    assert first["ts"].isoformat() == "2020-01-01T10:00:00+00:00"
    assert ex["100"]["sha1"] == SHA_A and ex["100"]["new"]
    assert ex["100"]["user_text_historical"] == "Alice_Old"
    anon = rows["101"]
    assert anon["account_id"] is None and ex["101"]["anon"] and ex["101"]["minor"]
    assert ex["101"]["title_historical"] == "Old name"
    assert ex["101"]["identity_reverted"] and ex["101"]["identity_reverted_by"] == 102
    revert = rows["102"]
    assert revert["kind"] == "revert"
    assert ex["102"]["tags"] == ["mw-rollback", "mw-manual-revert"]
    assert ex["102"]["user_is_bot_by"] == ["group", "name"]
    hidden = rows["103"]
    assert hidden["account"] == "(hidden):103" and hidden["text"] is None
    assert ex["103"]["suppressed"] and ex["103"]["user_hidden"]


def test_a_line_of_another_schema_is_rejected_with_its_line(case, tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text(DUMP + "enwiki\trevision\tcreate\n")
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="mediawiki-history")
    assert "line 7" in str(err.value) and "expected 70 tab-separated fields" in str(err.value)


def test_other_wikis_are_named_by_host(case, tmp_path):
    path = tmp_path / "de.tsv"
    path.write_text(DUMP.replace("enwiki", "dewiki"))
    swarmscope.ingest(case, [path], format="mediawiki-history")
    assert set(case.read().column("platform").to_pylist()) == {"de.wikipedia.org"}
