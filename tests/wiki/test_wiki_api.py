"""The MediaWiki API client: etiquette and recovery from the failures real wikis produce."""

from __future__ import annotations

import email.utils
import time

import pytest
from fakewiki import FakeWiki

from swarmscope import UsageError, __version__
from swarmscope.wiki.api import MediaWikiClient, WikiApiError

UA = "swarmscope-tests/1.0 (tests@example.org)"

PAGE = {"Pear": {"pageid": 1, "ns": 0, "title": "Pear", "revisions": [
    {"revid": i, "parentid": i - 1, "user": "A", "userid": 1, "timestamp":
     f"2020-01-0{i}T00:00:00Z", "size": i, "sha1": f"{i:040x}", "comment": "", "tags": []}
    for i in range(1, 6)]}}
QUERY = {"action": "query", "prop": "revisions", "titles": "Pear", "rvprop": "ids|sha1",
         "rvlimit": "max", "rvdir": "newer"}


def client(wiki: FakeWiki, sleeps: list[float], **kw) -> MediaWikiClient:
    return MediaWikiClient(wiki.api, user_agent=UA, backoff=0.5, sleep=sleeps.append, **kw)


def revids(responses) -> list[int]:
    return [r["revid"] for resp in responses for p in resp.data["query"]["pages"]
            for r in p["revisions"]]


def test_follows_continuation_politely():
    sleeps: list[float] = []
    with FakeWiki(PAGE, page_size=2) as wiki:
        responses = list(client(wiki, sleeps).query(QUERY))
    assert revids(responses) == [1, 2, 3, 4, 5]
    assert len(wiki.requests) == 3 and sleeps == []
    assert wiki.violations == []  # UA with contact, serial, maxlag, formatversion=2
    first = wiki.requests[0]
    assert first["params"]["maxlag"] == "5" and first["params"]["formatversion"] == "2"
    assert first["headers"]["User-Agent"].startswith(UA + f" swarmscope/{__version__}")
    assert "gzip" in first["headers"]["Accept-Encoding"]
    assert wiki.requests[1]["params"]["rvcontinue"] == "2020-01-03T00:00:00Z|3"
    # The exact body is kept (the server compressed it; the client stores it decompressed).
    assert responses[0].body.startswith(b'{"continue"')


@pytest.mark.parametrize("fault", ["429", "503", "maxlag", "drop", "truncate", "short"])
def test_recovers_from_each_failure(fault):
    sleeps: list[float] = []
    with FakeWiki(PAGE, page_size=2) as wiki:
        wiki.faults = {2: fault}
        wiki.retry_after = "3"
        responses = list(client(wiki, sleeps).query(QUERY))
    assert revids(responses) == [1, 2, 3, 4, 5]  # nothing lost, nothing repeated
    assert len(wiki.requests) == 4
    assert len(sleeps) == 1
    if fault in ("429", "503", "maxlag"):
        assert sleeps[0] >= 3  # Retry-After is honoured
    else:
        assert sleeps[0] == 0.5  # first exponential back-off step


def test_backoff_doubles_and_gives_up_with_a_clear_error():
    sleeps: list[float] = []
    with FakeWiki(PAGE) as wiki:
        wiki.faults = dict.fromkeys(range(1, 10), "503")
        with pytest.raises(WikiApiError, match="giving up after 4 attempts: HTTP 503"):
            client(wiki, sleeps, retries=3).get(QUERY)
    assert sleeps == [0.5, 1.0, 2.0]


def test_maxlag_waits_do_not_use_up_the_retries():
    sleeps: list[float] = []
    with FakeWiki(PAGE) as wiki:
        wiki.faults = dict.fromkeys(range(1, 6), "maxlag")
        resp = client(wiki, sleeps, retries=1).get(QUERY)
    assert resp.data["query"]["pages"][0]["title"] == "Pear"
    assert sleeps == [0.0] * 5  # Retry-After: 0, five times, retries=1 notwithstanding


def test_retry_after_as_an_http_date():
    sleeps: list[float] = []
    with FakeWiki(PAGE) as wiki:
        wiki.faults = {1: "429"}
        wiki.retry_after = email.utils.formatdate(time.time() + 30, usegmt=True)
        client(wiki, sleeps).get(QUERY)
    assert 25 <= sleeps[0] <= 31


def test_errors_that_retrying_cannot_fix_are_raised_at_once():
    with FakeWiki(PAGE) as wiki:
        c = client(wiki, [])
        with pytest.raises(WikiApiError, match="badvalue") as err:
            c.get({"action": "parse"})
        assert err.value.code == "badvalue"
        assert len(wiki.requests) == 1


def test_a_user_agent_with_contact_details_is_required(monkeypatch):
    monkeypatch.delenv("SWARMSCOPE_USER_AGENT", raising=False)
    with pytest.raises(UsageError, match="User-Agent"):
        MediaWikiClient()
    with pytest.raises(UsageError, match="no contact information"):
        MediaWikiClient(user_agent="python-requests/2.0")
    monkeypatch.setenv("SWARMSCOPE_USER_AGENT", "study/2 (https://example.org/study)")
    assert MediaWikiClient().user_agent.startswith("study/2 (https://example.org/study)")


def test_rest_api_not_found_is_no_data():
    with FakeWiki() as wiki:
        c = MediaWikiClient(wiki.api, rest_url=wiki.rest, user_agent=UA, sleep=lambda s: None)
        assert c.rest("/metrics/pageviews/per-article/en.wikipedia.org/all-access/user/"
                      "Nope/daily/2020010100/2020013100") is None
