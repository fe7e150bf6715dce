"""Each behaviour projects the actions table onto (account, object, ts) as documented."""

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from swarmscope import Case, ingest
from swarmscope.behaviours import Behaviour, behaviour_sql, behaviours, register_behaviour
from swarmscope.errors import UsageError
from swarmscope.signals.coaction import aggregate_pairs, prepare_events
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


def _revision(revid: int, minute: int, user: str | None) -> str:
    who = (f"<contributor><username>{user}</username><id>{revid}</id></contributor>" if user
           else '<contributor deleted="deleted" />')
    return (f"<revision><id>{revid}</id><timestamp>2021-05-01T12:{minute:02d}:00Z</timestamp>"
            f"{who}<comment>c</comment><sha1>{revid:031d}</sha1></revision>")


def test_hidden_wiki_users_are_never_one_account(tmp_path):
    # ann and bob co-edit two pages; so do two hidden editors per page, who must not become one
    # account co-editing both pages with them
    pages = {"P": [(1, 0, "Ann"), (2, 1, None), (3, 2, "Bob"), (4, 3, None)],
             "Q": [(5, 10, "Ann"), (6, 11, None), (7, 12, "Bob"), (8, 13, None)]}
    xml = ('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">'
           "<siteinfo><base>https://en.wikipedia.org/wiki/Main_Page</base></siteinfo>"
           + "".join(f"<page><title>{t}</title><ns>0</ns><id>{i}</id>"
                     + "".join(_revision(*r) for r in revs) + "</page>"
                     for i, (t, revs) in enumerate(pages.items(), start=1))
           + "</mediawiki>")
    (tmp_path / "dump.xml").write_text(xml)
    c = Case.init(tmp_path / "case")
    ingest(c, [tmp_path / "dump.xml"], format="mediawiki-xml")
    got = project(c, "edit")
    hidden = sorted(acc for acc, _ in got if acc.startswith("(hidden)"))
    assert hidden == ["(hidden):2", "(hidden):4", "(hidden):6", "(hidden):8"]

    con = c.connect()
    con.execute(f"CREATE TABLE src AS {behaviour_sql('edit')}")
    prepare_events(con, "src", 3600, None, with_ids=True)
    aggregate_pairs(con, min_objects=2)
    assert con.sql("SELECT a, b FROM pairs").fetchall() == [("Ann", "Bob")]
    # the placeholder depends on the revision alone: another read of the dump gives the same
    # accounts, and re-ingesting adds nothing
    again = Case.init(tmp_path / "again")
    ingest(again, [tmp_path / "dump.xml"], format="mediawiki-xml")
    assert project(again, "edit") == got
    assert ingest(c, [tmp_path / "dump.xml"], format="mediawiki-xml").added == 0


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


def test_a_behaviour_over_a_derived_table_gets_it_computed_and_published(case):
    from swarmscope.signals.derived import DerivedTable, register_derived_table
    from swarmscope.signals.detect import detect

    def page_groups(c):
        # every wiki page in one group, as a plugin's classifier might group them
        con = c.connect()
        tbl = con.sql("SELECT DISTINCT title, 'group-1' AS grp FROM actions "
                      "WHERE title IS NOT NULL").to_arrow_table()
        return tbl, {"pages": tbl.num_rows}

    register_derived_table(DerivedTable("page_groups", "grouping pages", page_groups),
                           replace=True)
    register_behaviour(Behaviour(
        "page-group", "edited pages of the same group",
        "SELECT a.account, g.grp AS object, a.ts, a.platform, a.action_id "
        "FROM actions a JOIN page_groups g ON g.title = a.title",
        requires=("page_groups",)), replace=True)
    steps = []
    result = detect(case, behaviours=["page-group"], window=60, progress=steps.append)
    assert "grouping pages" in steps
    assert result.counts["page_groups"] == {"pages": 1}
    assert result.counts["behaviours"]["page-group"]["actions"] == 2
    # published next to the results, where explanations and the dossier read it
    assert case.connect().sql("SELECT grp FROM page_groups").fetchall() == [("group-1",)]


def test_a_derived_table_for_another_engine_is_refused_before_any_work(case):
    from swarmscope.signals.derived import DerivedTable, register_derived_table
    from swarmscope.signals.detect import detect

    def never(c):
        raise AssertionError("must not be computed")

    register_derived_table(DerivedTable("spark_only", "x", never, engines=("spark",)),
                           replace=True)
    register_behaviour(Behaviour("needs-spark", "x",
                                 "SELECT account, object, ts, platform, action_id FROM spark_only",
                                 requires=("spark_only",)), replace=True)
    with pytest.raises(UsageError, match="needs-spark reads spark_only"):
        detect(case, behaviours=["needs-spark"], write=False)
