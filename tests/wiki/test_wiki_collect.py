"""Live collection into a case: complete, ordered, duplicate-free, and resumable after a crash.

The wiki is a local server (tests/wiki/fakewiki.py) serving real revision records (the page
histories of the shared XML samples, the shared usercontribs records) in the API's shape, two
revisions per response, with injected faults.
"""

from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from fakewiki import FakeWiki, xml_histories

import swarmscope
from conftest import ROOT, TEST_DATA, require_shared
from swarmscope import CaseError
from swarmscope.wiki import checkpoint as checkpoint_mod
from swarmscope.wiki.api import MediaWikiClient
from swarmscope.wiki.checkpoint import Checkpoint
from swarmscope.wiki.collect import (
    RAW_DIR,
    collect_accounts,
    collect_pages,
    collect_pageviews,
    collect_users,
)
from swarmscope.wiki.reverts import compute_reverts

UA = "swarmscope-tests/1.0 (tests@example.org)"
TITLES = ["Pyrus", "Pear", "Çullu, Agdam", "Talk:Çullu, Agdam", "Example (town)", "Nope"]
USERS = ["Alvi49", "J786m", "Thomasfriends2"]


@pytest.fixture(scope="module")
def wiki_data() -> dict[str, Any]:
    xml = require_shared("wikipedia", "xml")
    pages: dict[str, dict[str, Any]] = {}
    for name in ("article-pyrus.xml", "article-pear.xml", "article-pear-0.10.xml",
                 "pair-0.10.xml"):
        for title, page in xml_histories(xml / name).items():
            # The two Pear files hold different revisions of the same page.
            pages.setdefault(title, {**page, "revisions": []})["revisions"] += page["revisions"]
    hidden = orjson.loads((TEST_DATA / "wiki" / "api-revisions-hidden.json").read_bytes())
    page = hidden["query"]["pages"][0]
    pages[page["title"]] = page
    contribs = {Path(f).stem: orjson.loads(Path(f).read_bytes()) for f in
                glob.glob(str(require_shared("wikipedia", "usercontribs") / "*.json"))}
    return {"pages": pages, "contributions": {u: contribs[u] for u in USERS}}


def make_wiki(data: dict[str, Any], **kw: Any) -> FakeWiki:
    return FakeWiki(data["pages"], data["contributions"], **kw)


def client(wiki: FakeWiki, **kw: Any) -> MediaWikiClient:
    return MediaWikiClient(wiki.api, user_agent=UA, backoff=0.0, sleep=lambda s: None,
                           platform="wikipedia", rest_url=wiki.rest, **kw)


def snapshot(case: swarmscope.Case) -> list[tuple]:
    cols = ["platform", "action_id", "account", "account_id", "ts", "kind", "parent_id", "text",
            "title", "extra", "urls", "links"]
    t = case.read()
    return sorted(tuple(str(r[c]) for c in cols) for r in t.select(cols).to_pylist())


def assert_complete(case: swarmscope.Case, wiki: FakeWiki, titles: list[str]) -> None:
    t = case.read()
    ids = t.column("action_id").to_pylist()
    assert len(ids) == len(set(ids)), "duplicate revisions"
    expected = {str(r) for title in titles if title in wiki.pages
                for r in wiki.revids_of_page(title)}
    assert set(ids) == expected


@pytest.fixture(scope="module")
def reference(wiki_data, tmp_path_factory) -> list[tuple]:
    """The actions of an uninterrupted, fault-free collection of TITLES."""
    case = swarmscope.Case.init(tmp_path_factory.mktemp("ref") / "case")
    with make_wiki(wiki_data) as wiki:
        collect_pages(case, TITLES, client=client(wiki), commit_every=100_000, reverts=False)
    return snapshot(case)


def test_histories_complete_ordered_without_duplicates_despite_faults(case, wiki_data):
    with make_wiki(wiki_data) as wiki:
        wiki.faults = {2: "429", 3: "503", 5: "maxlag", 7: "drop", 9: "truncate", 11: "short"}
        report = collect_pages(case, TITLES, client=client(wiki), content=True,
                               commit_every=5)
        assert wiki.violations == []
    assert report.missing == ["Nope"] and report.duplicates == 0 and report.rejected == 0
    assert report.added == report.fetched == 20 and report.commits >= 3
    assert_complete(case, wiki, TITLES)
    rows = case.read("wiki_revisions").to_pylist()
    for title in TITLES[:-1]:
        page = sorted((r for r in rows if r["page"] == title), key=lambda r: r["page_position"])
        assert [r["revid"] for r in page] == wiki.revids_of_page(title)
    # Histories are whole: every revision's parent is the one before it (except the 2014 Pear
    # revision, whose parent is not in the sample).
    gaps = [r["revid"] for r in rows if r["history_gap"]]
    assert gaps == [638548877]
    assert report.reverts.identity_reverts == 3  # Pyrus 2, Example (town) 1
    # Content was parsed for cited URLs (and not stored).
    pear = next(r for r in case.read().to_pylist() if r["action_id"] == "638548877")
    assert len(pear["urls"]) > 20 and "has_text" in pear["extra"]
    # Every action traces back to a raw API response kept in the case.
    ingests = {e["ingest_id"]: Path(e["path"]) for e in case.ingests()}
    for ingest_id in set(case.read().column("ingest_id").to_pylist()):
        assert ingests[ingest_id].exists()
        assert (case.path / RAW_DIR).resolve() in ingests[ingest_id].parents


def test_without_content_revisions_still_carry_checksums(case, wiki_data, reference):
    with make_wiki(wiki_data) as wiki:
        collect_pages(case, TITLES, client=client(wiki), reverts=False)
        assert all("content" not in r["params"].get("rvprop", "") for r in wiki.requests)
    assert snapshot(case) == reference
    ex = orjson.loads(next(r for r in case.read().to_pylist()
                           if r["action_id"] == "190346463")["extra"])
    assert ex["sha1"] and "has_text" not in ex


def test_crash_between_commit_and_checkpoint_loses_and_repeats_nothing(case, wiki_data,
                                                                       reference, monkeypatch):
    real_save = Checkpoint.save
    calls = {"n": 0}

    def crashing_save(self: Checkpoint) -> None:
        if self.state.get("commits") == 2 and calls["n"] == 0:
            calls["n"] += 1
            raise RuntimeError("power cut")  # data of commit 2 is in the case, checkpoint not
        real_save(self)

    with make_wiki(wiki_data) as wiki:
        monkeypatch.setattr(checkpoint_mod.Checkpoint, "save", crashing_save)
        with pytest.raises(RuntimeError, match="power cut"):
            collect_pages(case, TITLES, client=client(wiki), commit_every=4, reverts=False)
        monkeypatch.setattr(checkpoint_mod.Checkpoint, "save", real_save)
        partial = case.count()
        assert 0 < partial < len(reference)
        report = collect_pages(case, TITLES, client=client(wiki), commit_every=4,
                               reverts=False)
    assert report.resumed and report.duplicates > 0  # commit 2 was fetched again, and dropped
    assert snapshot(case) == reference


def _cli(case: Path, wiki: FakeWiki, *extra: str) -> list[str]:
    return [sys.executable, "-m", "swarmscope", "wiki", "pages", str(case), *TITLES,
            "--api", wiki.api, "--user-agent", UA, "--backoff", "0", "--platform", "wikipedia",
            "--commit-every", "3", "--no-reverts", "--init", *extra]


def test_sigkill_then_rerun_gives_the_uninterrupted_result(tmp_path, wiki_data, reference):
    kill_at = 7  # mid-collection: after some commits, in the middle of a page history
    case_path = tmp_path / "case"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with make_wiki(wiki_data) as wiki:
        wiki.hold_at = kill_at
        proc = subprocess.Popen(_cli(case_path, wiki), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        try:
            assert wiki.held.wait(60), proc.stderr.read().decode() if proc.poll() else "timeout"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        assert proc.returncode == -signal.SIGKILL
        wiki.hold_at = None
        wiki.release()
        case = swarmscope.Case.open(case_path)
        before = case.count()
        assert before < len(reference)
        report = collect_pages(case, TITLES, client=client(wiki), commit_every=3,
                               reverts=False)
    assert report.resumed
    assert snapshot(swarmscope.Case.open(case_path)) == reference
    # Only the revisions still missing were fetched again, give or take the last response.
    assert report.fetched <= len(reference) - before + 2


def test_finished_collection_rerun_adds_nothing_and_cleans_crash_leftovers(case, wiki_data):
    with make_wiki(wiki_data) as wiki:
        first = collect_pages(case, ["Pyrus"], client=client(wiki), reverts=False)
        stray = case.path / RAW_DIR / first.job_id / "000099-deadbeef.jsonl.zst"
        stray.write_bytes(b"half-written by a killed run")
        again = collect_pages(case, ["Pyrus"], client=client(wiki), reverts=False)
    assert not again.resumed and (again.added, again.duplicates) == (0, 6)
    assert not stray.exists()
    assert case.count() == 6


def test_the_same_collection_cannot_run_twice_at_once(case, wiki_data):
    with make_wiki(wiki_data) as wiki:
        c = client(wiki)
        spec = {"kind": "pages", "api": c.api_url, "titles": ["Pyrus"], "categories": [],
                "depth": 0, "since": None, "until": None, "content": False}
        with Checkpoint.open(case.path, spec):
            with pytest.raises(CaseError, match="already running"):
                collect_pages(case, ["Pyrus"], client=c)


def test_categories_expand_to_their_pages(case, wiki_data):
    cats = {"Category:Fruit": ["Pear", "Category:Pyrus genus", "Nope"],
            "Category:Pyrus genus": ["Pyrus"]}
    with FakeWiki(wiki_data["pages"], categories=cats, page_size=1) as wiki:
        shallow = collect_pages(case, [], categories=["Fruit"], client=client(wiki),
                                reverts=False)
        deep = collect_pages(case, [], categories=["Category:Fruit"], category_depth=1,
                             client=client(wiki), reverts=False)
    assert shallow.targets == ["Pear", "Nope"]
    assert deep.targets == ["Pear", "Nope", "Pyrus"]
    assert_complete(case, wiki, ["Pear", "Pyrus"])


def test_user_contributions_complete_with_checksums(case, wiki_data):
    expected = {str(c["revid"]) for u in USERS for c in wiki_data["contributions"][u]}
    with make_wiki(wiki_data, page_size=3) as wiki:
        wiki.faults = {2: "drop", 4: "503", 6: "truncate"}
        report = collect_users(case, [*USERS, "Invalid<name>"], client=client(wiki),
                               commit_every=7, reverts=False)
        assert wiki.violations == []
    assert report.missing == ["Invalid<name>"]
    assert (report.fetched, report.added, report.duplicates) == (18, 18, 0)
    rows = case.read().to_pylist()
    assert {r["action_id"] for r in rows} == expected and len(rows) == 18
    # Each contribution was fetched in full: it has the checksum identity reverts need.
    assert all(orjson.loads(r["extra"])["sha1"] for r in rows)
    assert {r["account"] for r in rows} == set(USERS)


def test_user_contributions_without_details(case, wiki_data):
    with make_wiki(wiki_data) as wiki:
        report = collect_users(case, ["J786m"], client=client(wiki), details=False,
                               reverts=False)
        assert not any(r["params"].get("prop") == "revisions" for r in wiki.requests)
    assert report.added == 5
    assert all(orjson.loads(e)["sha1"] is None for e in case.read().column("extra").to_pylist())


def test_pageviews_replace_older_counts(case):
    views = {"Pear": [{"timestamp": "2020010100", "views": 10},
                      {"timestamp": "2020010200", "views": 12}]}
    with FakeWiki(pageviews=views) as wiki:
        first = collect_pageviews(case, ["Pear", "Nope"], client=client(wiki),
                                  start="2020-01-01", end="2020-01-31")
        views["Pear"][1]["views"] = 13
        collect_pageviews(case, ["Pear"], client=client(wiki), start="2020-01-01",
                          end="2020-01-31")
        assert "/en.wikipedia.org/" not in wiki.requests[0]["path"]  # the --api host
    assert first.without_data == ["Nope"]
    rows = sorted(case.read("wiki_pageviews").to_pylist(), key=lambda r: r["date"])
    assert [(str(r["date"]), r["views"], r["title"], r["platform"]) for r in rows] == [
        ("2020-01-01", 10, "Pear", "wikipedia"), ("2020-01-02", 13, "Pear", "wikipedia")]


def test_account_metadata_marks_bots_in_wiki_revisions(case, wiki_data):
    accounts = {
        "ClueBot NG": {"userid": 13286072, "editcount": 6000000, "registration":
                       "2010-10-20T00:00:00Z", "groups": ["bot", "user", "*"]},
        "Mav": {"userid": 62, "editcount": 1000, "groups": ["user", "*"],
                "blockid": 7, "blockedby": "Admin", "blockreason": "socking",
                "blockexpiry": "infinite", "blockedtimestamp": "2020-01-01T00:00:00Z",
                "blockpartial": False},
    }
    with FakeWiki(wiki_data["pages"], accounts=accounts) as wiki:
        collect_pages(case, ["Pear"], client=client(wiki), reverts=False)
        report = collect_accounts(case, ["ClueBot NG", "Mav", "Quercusrobur",
                                         "Conversion script"], client=client(wiki))
    assert (report.accounts, report.bots, report.blocked) == (4, 1, 1)
    acc = {r["name"]: r for r in case.read("wiki_accounts").to_pylist()}
    assert acc["Mav"]["block_reason"] == "socking" and acc["Mav"]["blocked"]
    assert acc["Quercusrobur"]["missing"]
    compute_reverts(case)
    bots = {r["user"]: r["user_is_bot"] for r in case.read("wiki_revisions").to_pylist()}
    assert bots["ClueBot NG"] is True and bots["Mav"] is False
    assert bots["PierreAbbat"] is None  # never looked up


def test_interrupted_collection_keeps_what_it_fetched(case, wiki_data):
    """Ctrl-C or a wiki that keeps failing: fetched data is committed before giving up."""
    with make_wiki(wiki_data) as wiki:
        wiki.faults = dict.fromkeys(range(3, 20), "503")
        from swarmscope.wiki.api import WikiApiError

        with pytest.raises(WikiApiError):
            collect_pages(case, ["Pyrus"], client=client(wiki, retries=2), reverts=False)
    assert case.count() == 4  # two responses of two revisions each
