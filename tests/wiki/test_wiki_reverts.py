"""Reverts and cited-domain changes (the wiki_revisions table)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from swarmscope.schema import ACTIONS_SCHEMA
from swarmscope.urls import normalize_url
from swarmscope.wiki.reverts import compute_reverts, revisions_sql

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def sha(content: str) -> str:
    return hashlib.sha1(content.encode()).hexdigest()


def history(contents: list[str | None], *, users: list[str] | None = None,
            comments: list[str] | None = None, tags: list[list[str]] | None = None,
            urls: list[list[str] | None] | None = None, page_id: int = 7,
            first_revid: int = 100, parents: list[int | None] | None = None,
            kinds: list[str] | None = None) -> list[dict[str, Any]]:
    """Actions of one page history; ``None`` content = no checksum (hidden text)."""
    rows = []
    for i, content in enumerate(contents):
        revid = first_revid + i
        if parents is not None:
            parent = parents[i]
        else:
            parent = revid - 1 if i else None
        extra = {"page_id": page_id, "ns": 0, "sha1": None if content is None else sha(content),
                 "size": None if content is None else len(content), "minor": False,
                 "tags": (tags or [[]] * len(contents))[i], "anon": False}
        if i == 0 and parents is None:
            extra["new"] = True
        u = (urls or [None] * len(contents))[i]
        if u is not None:
            extra["has_text"] = True
        rows.append({
            "platform": "wikipedia", "action_id": str(revid),
            "account": (users or [f"U{i}" for i in range(len(contents))])[i],
            "account_id": None, "ts": T0 + dt.timedelta(minutes=i),
            "kind": (kinds or ["edit"] * len(contents))[i],
            "parent_id": None if parent is None else str(parent),
            "text": (comments or [""] * len(contents))[i], "title": f"Page {page_id}",
            "extra": orjson.dumps(extra).decode(),
            "links": [normalize_url(x) for x in u] if u else [],
            "urls": u or [], "ingest_id": "t", "record": i + 1,
        })
    return rows


def revisions(rows: list[dict[str, Any]], radius: int = 15,
              accounts: pa.Table | None = None) -> dict[int, dict[str, Any]]:
    """wiki_revisions rows by revid, computed by the same SQL the case uses."""
    cols = {f.name: [r.get(f.name) for r in rows] for f in ACTIONS_SCHEMA}
    actions = pa.table(cols, schema=ACTIONS_SCHEMA.remove_metadata())  # noqa: F841
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.register("actions", actions)
    if accounts is not None:
        con.register("wiki_accounts", accounts)
    out = con.sql(revisions_sql(radius, "wiki_accounts" if accounts is not None else None))
    return {r["revid"]: r for r in out.to_arrow_table().to_pylist()}


def test_identity_reverts_follow_mwreverts():
    # mwreverts' own example with radius 2: a b c a d b a
    rows = revisions(history(["a", "b", "c", "a", "d", "b", "a"]), radius=2)
    reverts = {k: (v["reverted_revids"], v["reverted_to"]) for k, v in rows.items()
               if v["identity_revert"]}
    # The 2nd "b" is 4 revisions after the 1st: beyond radius 2, not a revert.
    assert reverts == {103: ([101, 102], 100), 106: ([104, 105], 103)}
    assert rows[101]["reverted_by"] == 103 and rows[104]["reverted_by"] == 106
    assert rows[103]["reverted_users"] == ["U1", "U2"]


def test_radius_is_the_number_of_reverted_revisions():
    # 15 revisions in between (distance 16) still revert with radius 15; 16 in between do not.
    fifteen = ["base"] + [f"v{i}" for i in range(15)] + ["base"]
    rows = revisions(history(fifteen))
    assert rows[116]["identity_revert"] and len(rows[116]["reverted_revids"]) == 15
    sixteen = ["base"] + [f"v{i}" for i in range(16)] + ["base"]
    rows = revisions(history(sixteen))
    assert not rows[117]["identity_revert"]
    assert not any(r["was_reverted"] for r in rows.values())


def test_saving_identical_content_again_is_not_a_revert():
    rows = revisions(history(["a", "b", "b", "a"]))
    assert not rows[102]["identity_revert"]
    # ... and the null edit hides the older "b" from nothing: "a" still reverts both b's.
    assert rows[103]["reverted_revids"] == [101, 102]


def test_revisions_without_checksum_never_match():
    rows = revisions(history(["a", None, None, "a"]))
    assert not rows[102]["identity_revert"]
    assert rows[103]["reverted_revids"] == [101, 102]


def test_reverts_the_wiki_tagged_and_summaries():
    rows = revisions(history(
        ["a", "b", "c", "d", "e", "f"],
        comments=["", "spam", "Undid revision 101 by [[Special:Contributions/U1|U1]] (talk)",
                  "/* History */ rv vandalism", "Reverting possible vandalism by "
                  "[[Special:Contributions/Some_body|Some body]]", "copyedit"],
        tags=[[], ["mw-reverted"], ["mw-undo"], [], [], ["mw-manual-revert"]]))
    assert rows[101]["was_reverted"]                       # tagged mw-reverted, and undone
    assert rows[101]["reverted_by"] == 102 and rows[101]["reverted_by_user"] == "U2"
    undo = rows[102]
    assert undo["tag_revert"] and undo["summary_revert"] and undo["is_revert"]
    assert undo["summary_undid_revid"] == 101 and undo["summary_reverted_user"] == "U1"
    assert rows[103]["summary_revert"] and not rows[103]["tag_revert"]
    assert rows[104]["summary_reverted_user"] == "Some body"
    assert rows[105]["tag_revert"] and not rows[105]["summary_revert"]
    assert not rows[100]["is_revert"] and not rows[100]["was_reverted"]


def test_self_revert_and_reverts_across_gaps():
    rows = revisions(history(["a", "b", "a"], users=["X", "Y", "Y"]))
    assert rows[102]["self_revert"] and not rows[102]["spans_gap"]
    # Revision 201's parent is 150, not 200: the case lacks revisions in between.
    rows = revisions(history(["a", "b", "a"], first_revid=200, parents=[None, 150, 201]))
    assert rows[201]["history_gap"]
    assert rows[202]["identity_revert"] and rows[202]["spans_gap"]


def test_cited_domains_added_and_removed_against_the_parent():
    rows = revisions(history(
        ["v1", "v2", "v3", None],
        urls=[["https://www.news.example/a"],
              ["https://news.example/a", "http://spam.example/buy?utm_source=x"],
              ["http://spam.example/other"],
              None]))
    assert rows[100]["cited_domains"] == ["news.example"]
    assert rows[100]["domains_added"] == ["news.example"] and rows[100]["domains_removed"] == []
    assert rows[101]["domains_added"] == ["spam.example"] and rows[101]["domains_removed"] == []
    assert rows[102]["domains_added"] == [] and rows[102]["domains_removed"] == ["news.example"]
    # No text collected: unknown, not "nothing cited".
    assert rows[103]["cited_domains"] is None and rows[103]["domains_added"] is None


def test_bots_come_from_the_latest_account_snapshot():
    t1, t2 = T0, T0 + dt.timedelta(days=1)
    accounts = pa.table({"platform": ["wikipedia"] * 3, "name": ["U0", "U1", "U1"],
                         "is_bot": [False, False, True], "fetched_at": [t1, t1, t2]})
    rows = revisions(history(["a", "b", "c"]), accounts=accounts)
    assert rows[100]["user_is_bot"] is False
    assert rows[101]["user_is_bot"] is True
    assert rows[102]["user_is_bot"] is None  # never looked up


def test_pages_are_kept_apart_and_titles_borrow_page_ids():
    a = history(["x", "y", "x"], page_id=1, first_revid=10)
    b = history(["x", "z"], page_id=2, first_revid=20)
    # A source without page ids (WikiSocks) for page 1's title.
    extra_row = dict(a[0], action_id="13", ts=T0 + dt.timedelta(minutes=9), parent_id="12",
                     extra=orjson.dumps({"sha1": sha("y"), "tags": []}).decode(), record=99)
    rows = revisions(a + b + [extra_row])
    assert rows[12]["reverted_revids"] == [11]
    assert rows[13]["page_id"] == 1 and rows[13]["reverted_revids"] == [12]
    assert not rows[21]["identity_revert"]
    assert rows[20]["page_position"] == 1


def test_hostile_summaries_stay_byte_exact(case, tmp_path):
    """End to end through the case: API records -> actions -> wiki_revisions."""
    comment = "'; DROP TABLE actions; --\u202e\x1b[31m\"\\"
    recs = [{"revid": 1, "parentid": 0, "user": "A", "userid": 1, "timestamp":
             "2024-01-01T00:00:00Z", "title": "P", "pageid": 3, "ns": 0, "sha1": sha("a"),
             "comment": "start"},
            {"revid": 2, "parentid": 1, "user": "B", "userid": 2, "timestamp":
             "2024-01-01T00:01:00Z", "title": "P", "pageid": 3, "ns": 0, "sha1": sha("b"),
             "comment": comment},
            {"revid": 3, "parentid": 2, "user": "A", "userid": 1, "timestamp":
             "2024-01-01T00:02:00Z", "title": "P", "pageid": 3, "ns": 0, "sha1": sha("a"),
             "comment": "rv"}]
    path = tmp_path / "recs.json"
    path.write_bytes(orjson.dumps(recs))
    import swarmscope

    swarmscope.ingest(case, [path], format="usercontribs")
    summary = compute_reverts(case)
    assert (summary.revisions, summary.identity_reverts, summary.reverted) == (3, 1, 1)
    rows = {r["revid"]: r for r in case.read("wiki_revisions").to_pylist()}
    assert rows[2]["comment"] == comment
    assert rows[3]["reverted_users"] == ["B"]
    # Recomputing replaces the table rather than appending to it.
    compute_reverts(case)
    assert case.count("wiki_revisions") == 3
