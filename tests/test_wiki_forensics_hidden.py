"""Revisions whose user the wiki hid: each is its own placeholder account, never one editor."""

from __future__ import annotations

import pytest

from swarmscope.wiki.forensics._base import prepare
from swarmscope.wiki.forensics.interaction import compute_interactions
from swarmscope.wiki.forensics.pagestats import compute_page_stats
from swarmscope.wiki.forensics.revertnet import revert_accounts, revert_network
from swarmscope.wiki.forensics.single_purpose import compute_single_purpose
from wikihist import make_case, rev


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    # H: A writes, two hidden editors follow, the second restoring A's text (an identity revert
    # of the first); B then reverts a third hidden edit. Under one shared placeholder the hidden
    # revert would be a self-revert and "the hidden editor" a five-edit single-purpose account.
    revs = [
        rev("H", "A", 0, "a"), rev("H", "h1", 1, "h", hidden_user=True),
        rev("H", "h2", 2, "a", hidden_user=True),           # reverts the other hidden edit
        rev("H", "h3", 3, "spam", hidden_user=True),
        rev("H", "B", 4, "a"),                              # B reverts a hidden edit
        rev("H", "h4", 5, "b", hidden_user=True), rev("H", "h5", 6, "c", hidden_user=True),
        rev("H", "A", 7, "d"),
    ]
    return prepare(make_case(tmp_path_factory.mktemp("hidden"), revs))


def test_each_hidden_revision_is_its_own_account_and_no_self_revert(con):
    rows = con.sql('SELECT "user", user_hidden, is_revert, self_revert, reverted_users '
                   "FROM rev ORDER BY pos").fetchall()
    hidden = [r[0] for r in rows if r[1]]
    assert len(hidden) == len(set(hidden)) == 5
    assert all(h.startswith("(hidden):") for h in hidden)
    second = rows[2]
    assert second[2] and not second[3] and second[4] == [hidden[0]]


def test_reverts_of_and_by_hidden_users_make_no_edges(con):
    assert revert_network(con).num_rows == 0
    accounts = {r["account"] for r in revert_accounts(con).to_pylist()}
    assert not any(a.startswith("(hidden)") for a in accounts)


def test_page_stats_count_hidden_revisions_but_not_as_editors(con):
    out = compute_page_stats(con, None)
    [page] = out["wiki_page_stats"].to_pylist()
    assert (page["revisions"], page["editors"], page["hidden_user_edits"]) == (8, 2, 5)
    editors = {r["editor"]: r for r in out["wiki_page_editors"].to_pylist()}
    assert set(editors) == {"A", "B"}
    assert editors["A"]["share_edits"] == 2 / 8  # of all revisions, hidden ones included


def test_hidden_editors_are_no_single_purpose_accounts_or_interactions(con):
    spa = compute_single_purpose(con, min_edits=1)
    names = {r["account"] for t in spa.values() for r in t.to_pylist() if "account" in r}
    assert names and not any(n.startswith("(hidden)") for n in names)
    hidden = [r[0] for r in con.sql('SELECT "user" FROM rev WHERE user_hidden').fetchall()]
    out = compute_interactions(con, hidden[:2])
    assert out["wiki_interactions"].num_rows == 0
