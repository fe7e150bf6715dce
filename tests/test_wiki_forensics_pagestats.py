"""Page statistics (XTools Page History parity) on a real export and on a hand-made history."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from conftest import require_shared
from swarmscope import Case
from swarmscope.ingest import ingest
from swarmscope.wiki.collect import ACCOUNTS_SCHEMA, PAGEVIEWS_SCHEMA
from swarmscope.wiki.forensics._base import prepare
from swarmscope.wiki.forensics.pagestats import compute_page_stats
from wikihist import T0, add_table, make_case, rev


def _stats(case: Case, pages=None):
    out = compute_page_stats(prepare(case), pages)
    return ({r["page"]: r for r in out["wiki_page_stats"].to_pylist()},
            {(r["page"], r["editor"]): r for r in out["wiki_page_editors"].to_pylist()},
            out["wiki_page_activity"].to_pylist())


def test_pyrus_export_matches_the_hand_count(tmp_path):
    """article-pyrus.xml: 6 revisions by 5 editors, two identity reverts (checked by hand
    against the file: Melburnian twice, then Jkokemueller, IceCreamAntisocial reverting him,
    Cottonapple4, Rkitko reverting Cottonapple4)."""
    path = require_shared("wikipedia", "xml", "article-pyrus.xml")
    case = Case.init(tmp_path / "case")
    ingest(case, [path], format="mediawiki-xml")
    pages, editors, activity = _stats(Case.open(case.path))  # wiki_revisions computed first
    p = pages["Pyrus"]
    assert (p["revisions"], p["editors"], p["ip_edits"], p["minor_edits"]) == (6, 5, 0, 2)
    assert p["first_editor"] == "Melburnian" and p["last_editor"] == "Rkitko"
    assert p["first_edit"] == dt.datetime(2007, 2, 2, 2, 39, 52, tzinfo=dt.UTC)
    assert p["total_days"] == 590  # 2007-02-02 02:39 -> 2008-09-14 17:08
    assert p["avg_days_per_edit"] == 98.3  # XTools: whole days / revisions
    assert p["edits_per_editor"] == pytest.approx(1.2)
    assert (p["reverts"], p["xtools_reverts"], p["reverted_edits"]) == (2, 2, 2)
    # Only the page creation adds text that stays: both other additions were reverted by the
    # next edit, so XTools agrees here.
    assert (p["added_bytes"], p["xtools_added_bytes"]) == (27, 27)
    assert p["top10_share"] == 1.0 and p["top10pct_editors"] == 1
    assert p["top10pct_share"] == pytest.approx(2 / 6)
    m = editors[("Pyrus", "Melburnian")]
    assert (m["edits"], m["rank_by_edits"], m["added_bytes"], m["rank_by_added"]) == (2, 1, 27, 1)
    assert m["share_edits"] == pytest.approx(1 / 3) and m["share_added"] == 1.0
    assert m["avg_days_between_edits"] == pytest.approx(92 / 86400)
    j = editors[("Pyrus", "Jkokemueller")]
    assert (j["edits_reverted"], j["added_bytes"], j["xtools_added_bytes"]) == (1, 0, 0)
    assert editors[("Pyrus", "IceCreamAntisocial")]["reverts_made"] == 1
    assert sum(a["edits"] for a in activity if a["page"] == "Pyrus") == 6
    assert all(a["views"] is None for a in activity)


@pytest.fixture(scope="module")
def alpha_case(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("alpha")
    base = "aaaa"
    revs = [
        rev("Alpha", "A", 0, base),
        rev("Alpha", "B", 10, base + "x" * 100),
        rev("Alpha", "C", 20, base + "x" * 100 + "y" * 50),
        rev("Alpha", "D", 30, base),                      # reverts B and C (two edits back)
        rev("Alpha", "E", 40, base + "zz"),
        rev("Alpha", "192.0.2.1", 50, "lol"),             # vandalism
        rev("Alpha", "G", 55, base + "zz", minor=True),   # reverts it (the next edit)
        rev("Alpha", "E", 60, base + "zzqq", minor=True),
        rev("Alpha", "E", 61, base + "zzqqrr"),
        rev("Alpha", "Hidden", 70, base + "zzqqrrss", hidden_user=True),
        rev("Beta", "A", 5, "beta"),
        rev("Beta", "B", 6, "beta!"),
    ]
    case = make_case(tmp_path, revs)
    now = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
    bots = pa.table({"platform": ["wikipedia"], "name": ["G"], "is_bot": [True],
                     "groups": [["bot"]], "fetched_at": [now]})
    case = add_table(case, "wiki_accounts", _fill(bots, ACCOUNTS_SCHEMA))
    views = pa.table({"platform": ["wikipedia"] * 3, "project": ["en.wikipedia.org"] * 3,
                      "title": ["Alpha"] * 3,
                      "date": [dt.date(2024, 1, 1), dt.date(2024, 1, 1), dt.date(2024, 1, 2)],
                      "access": ["all-access"] * 3, "agent": ["user", "all-agents", "user"],
                      "views": [100, 150, 50], "fetched_at": [now] * 3})
    case = add_table(case, "wiki_pageviews", _fill(views, PAGEVIEWS_SCHEMA))
    from swarmscope.wiki.reverts import compute_reverts
    compute_reverts(case)  # user_is_bot from wiki_accounts
    return Case.open(case.path)


def _fill(t: pa.Table, schema: pa.Schema) -> pa.Table:
    cols = {f.name: (t.column(f.name).cast(f.type) if f.name in t.column_names
                     else pa.nulls(t.num_rows, f.type)) for f in schema}
    return pa.table(cols, schema=schema)


def test_added_text_discounts_reverts_within_the_radius_unlike_xtools(alpha_case):
    pages, editors, _ = _stats(alpha_case)
    p = pages["Alpha"]
    assert p["revisions"] == 10 and p["editors"] == 7  # the hidden user is no editor
    assert p["hidden_user_edits"] == 1 and p["last_editor"] is None
    # D's revert undid B and C two edits later: XTools only looks at the next edit.
    assert editors[("Alpha", "B")]["added_bytes"] == 0
    assert editors[("Alpha", "B")]["xtools_added_bytes"] == 100
    assert editors[("Alpha", "C")]["xtools_added_bytes"] == 50
    assert editors[("Alpha", "A")]["added_bytes"] == 4  # the page creation
    assert editors[("Alpha", "E")]["added_bytes"] == 6
    assert p["added_bytes"] == 4 + 6 + 2 and p["xtools_added_bytes"] == 4 + 100 + 50 + 6 + 2
    assert (p["reverts"], p["xtools_reverts"], p["reverted_edits"]) == (2, 1, 3)
    e = editors[("Alpha", "E")]
    assert (e["rank_by_edits"], e["rank_by_added"], e["edits"]) == (1, 1, 3)
    assert e["share_edits"] == pytest.approx(0.3) and e["share_added"] == pytest.approx(0.5)
    assert e["avg_days_between_edits"] == pytest.approx(21 / 2 / 1440)
    assert editors[("Alpha", "A")]["rank_by_added"] == 2


def test_shares_bots_and_concentration(alpha_case):
    pages, editors, _ = _stats(alpha_case)
    p = pages["Alpha"]
    assert p["ip_edits"] == 1 and p["ip_share"] == pytest.approx(0.1)
    assert p["minor_edits"] == 2 and p["minor_share"] == pytest.approx(0.2)
    assert p["bots_known"] and p["bot_edits"] == 1 and editors[("Alpha", "G")]["is_bot"]
    assert editors[("Alpha", "192.0.2.1")]["is_ip"]
    # Human editors: A, B, C, D, E and the IP; the top 10 hold 8 of 10 edits, the top 10%
    # (one editor, E) 3.
    assert p["top10_edits"] == 8 and p["top10_share"] == pytest.approx(0.8)
    assert p["top10pct_editors"] == 1 and p["top10pct_share"] == pytest.approx(0.3)
    assert p["total_days"] == 0 and p["avg_days_per_edit"] == 0.0
    assert p["mean_days_between_edits"] == pytest.approx(70 / 9 / 1440)
    assert p["first_edit"] == T0 and p["first_editor"] == "A"


def test_page_views_beside_edits_and_page_filter(alpha_case):
    pages, _, activity = _stats(alpha_case, pages=["Alpha"])
    assert set(pages) == {"Alpha"}
    p = pages["Alpha"]
    # The all-access/user row is preferred over all-agents.
    assert (p["pageviews_total"], p["pageview_days"], p["pageviews_per_day"]) == (150, 2, 75)
    days = {a["date"]: a for a in activity}
    assert days[dt.date(2024, 1, 1)]["edits"] == 10 and days[dt.date(2024, 1, 1)]["views"] == 100
    assert days[dt.date(2024, 1, 2)]["edits"] == 0 and days[dt.date(2024, 1, 2)]["views"] == 50
    assert days[dt.date(2024, 1, 1)]["reverts"] == 2
