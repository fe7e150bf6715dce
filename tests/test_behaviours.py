"""Each behaviour projects the actions table onto (account, object, ts) as documented."""

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from swarmscope import Case, ingest
from swarmscope.behaviours import Behaviour, behaviour_sql, behaviours, register_behaviour
from swarmscope.errors import UsageError
from swarmscope.text import text_key

T0 = "2021-05-01T12:00:00Z"


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    rows = [
        # action_id, account, kind, parent_id, repost_of, text, urls, hashtags, mentions, title
        ("1", "ann", "post", None, None, "Vote NOW https://t.co/a @bob", ["https://www.ex.com/a?utm_source=t", ""], ["Vote", "news"], ["bob"], None),
        ("2", "bob", "repost", None, "1", "RT @ann: Vote NOW https://t.co/a @bob", [], [], ["ann"], None),
        ("3", "cy", "repost", None, None, "RT @ann: vote now", [], [], [], None),
        ("4", "dee", "quote", None, "1", "so true", ["http://ex.com/b#x"], [], [], None),
        ("5", "eve", "reply", "1", None, "vote now @ann", [], ["VOTE"], ["Ann"], None),
        ("6", "fay", "comment", "t3_x", None, "", [], [], [], None),
        ("7", "gus", "edit", "6", None, "rv vandalism", ["https://news.example.org/x"], [], [], "Some Page"),
        ("8", "hal", "revert", "7", None, "Undid revision 7", [], [], [], "Some Page"),
    ]
    cols = list(zip(*rows, strict=True))
    names = ["action_id", "account", "kind", "parent_id", "repost_of", "text", "urls", "hashtags",
             "mentions", "title"]
    tbl = pa.table({n: pa.array(list(c)) for n, c in zip(names, cols, strict=True)})
    tbl = tbl.append_column("ts", pa.array([T0] * len(rows)))
    d = tmp_path_factory.mktemp("beh")
    pq.write_table(tbl, d / "a.parquet")
    c = Case.init(d / "case")
    ingest(c, [d / "a.parquet"], format="parquet", platform="net")
    return c


def project(case, name):
    con = case.connect()
    return sorted((r[1], r[2]) for r in con.sql(behaviour_sql(name)).fetchall())


def test_repost_keys_on_the_reposted_id_or_else_the_normalised_text(case):
    assert project(case, "repost") == [("bob", "net:1"), ("cy", "text:" + text_key("vote now"))]


def test_quote_share_reply(case):
    assert project(case, "quote") == [("dee", "net:1")]
    assert project(case, "share") == [("bob", "net:1"), ("dee", "net:1")]
    assert project(case, "reply") == [("eve", "net:1"), ("fay", "net:t3_x")]


def test_link_uses_normalised_urls_and_never_empty_strings(case):
    # gus's wiki edit carries the page's citations, not a shared link: not a link action
    assert project(case, "link") == [("ann", "https://ex.com/a"), ("dee", "http://ex.com/b")]
    assert project(case, "domain") == [("ann", "ex.com"), ("dee", "ex.com")]


def test_hashtags_and_mentions_are_case_insensitive(case):
    assert project(case, "hashtag") == [("ann", "news"), ("ann", "vote"), ("eve", "vote")]
    assert project(case, "mention") == [("ann", "bob"), ("bob", "ann"), ("eve", "ann")]


def test_text_is_own_text_after_normalisation_not_reposts(case):
    key = "text:" + text_key("vote now")
    got = project(case, "text")
    assert ("ann", key) in got and ("eve", key) in got
    assert all(acc not in ("bob", "cy") for acc, _ in got)
    assert ("fay", "text:None") not in got


def test_edit_is_per_page(case):
    assert project(case, "edit") == [("gus", "net:Some Page"), ("hal", "net:Some Page")]


def test_hidden_wiki_users_are_not_one_account(tmp_path):
    rows = pa.table({"action_id": ["1", "2", "3"], "account": ["(hidden)", "(hidden)", "ann"],
                     "kind": ["edit"] * 3, "title": ["P"] * 3, "ts": [T0] * 3})
    pq.write_table(rows, tmp_path / "w.parquet")
    c = Case.init(tmp_path / "case")
    ingest(c, [tmp_path / "w.parquet"], format="parquet", platform="wiki")
    assert project(c, "edit") == [("ann", "wiki:P")]


def test_every_behaviour_has_the_same_columns(case):
    con = case.connect()
    for name, b in behaviours().items():
        if b.requires:  # reads a table a signal derives first (neartext: text families)
            continue
        cols = [d[0] for d in con.sql(behaviour_sql(name)).description]
        assert cols == ["behaviour", "account", "object", "ts", "platform", "action_id"]


def test_a_new_behaviour_is_one_projection(case):
    register_behaviour(Behaviour("title", "same title",
                                 "SELECT account, title AS object, ts, platform, action_id "
                                 "FROM actions WHERE title IS NOT NULL"), replace=True)
    assert project(case, "title") == [("gus", "Some Page"), ("hal", "Some Page")]
    with pytest.raises(UsageError):
        behaviour_sql("no-such-behaviour")


def test_timestamps_are_utc(case):
    con = case.connect()
    ts = con.sql(behaviour_sql("edit")).fetchall()[0][3]
    assert ts == dt.datetime(2021, 5, 1, 12, tzinfo=dt.UTC)
