"""`swarmscope wiki ...` as an investigator types it."""

from __future__ import annotations

import orjson
from click.testing import CliRunner
from fakewiki import FakeWiki

import swarmscope
from conftest import TEST_DATA, require_shared
from swarmscope.cli import cli

UA = "swarmscope-tests/1.0 (tests@example.org)"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"SWARMSCOPE_USER_AGENT": "", **(env or {})})
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, " ".join(result.output.split())  # rich wraps at 80 columns


def test_collect_then_look_up_accounts_and_views(tmp_path):
    hidden = orjson.loads((TEST_DATA / "wiki" / "api-revisions-hidden.json").read_bytes())
    page = hidden["query"]["pages"][0]
    # A hostile title: terminal escapes and rich markup must not reach the screen as such.
    title = "Evil \x1b[2J[bold red]page[/]"
    page = {**page, "title": title}
    with FakeWiki({title: page}, accounts={"Patroller": {"userid": 502, "groups": ["bot"]}},
                  pageviews={title: [{"timestamp": "2024010100", "views": 5}]}) as wiki:
        common = ["--api", wiki.api, "--backoff", "0", "--platform", "wikipedia"]
        case = str(tmp_path / "case")
        code, out = run("wiki", "pages", case, title, "--init", "--content", *common,
                        env={"SWARMSCOPE_USER_AGENT": UA})
        assert code == 0, out
        assert "5 new" in out and "1 identity reverts" in out
        code, out = run("wiki", "accounts", case, "--from-case", "--user-agent", UA, *common)
        assert code == 0 and "1 bots" in out, out
        code, out = run("wiki", "pageviews", case, title, "--start", "2024-01-01", "--end",
                        "2024-01-31", "--rest", wiki.rest, "--user-agent", UA, *common)
        assert code == 0 and "1 daily counts" in out, out
        code, out = run("wiki", "status", case)
        assert code == 0 and "yes" in out
        assert "\x1b" not in out
    c = swarmscope.Case.open(case)
    assert {"actions", "wiki_revisions", "wiki_accounts", "wiki_pageviews"} <= set(c.tables())
    bots = {r["user"]: r["user_is_bot"] for r in c.read("wiki_revisions").to_pylist()}
    assert bots["Patroller"] is True  # recomputed after the account lookup


def test_without_a_user_agent_nothing_is_sent(tmp_path):
    with FakeWiki() as wiki:
        code, out = run("wiki", "pages", str(tmp_path / "c"), "Pear", "--init", "--api",
                        wiki.api)
        assert wiki.requests == []
    assert code == 1 and "User-Agent" in out


def test_dump_then_reverts_then_labels(tmp_path):
    case = str(tmp_path / "case")
    code, out = run("ingest", case, str(require_shared("wikipedia", "xml",
                                                       "article-pyrus.xml.bz2")), "--init")
    assert code == 0, out
    code, out = run("wiki", "reverts", case)
    assert code == 0 and "2 identity reverts" in out
    code, out = run("wiki", "labels", case, str(require_shared(
        "wikipedia", "wikisocks", "Category_Wikipedia_sockpuppets_of_Goat_boy_doyle.csv")))
    assert code == 0 and "3 sock accounts" in out and "added 38 actions" in out
