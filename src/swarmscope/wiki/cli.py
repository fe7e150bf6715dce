"""``swarmscope wiki ...``: collect from a live wiki, recompute reverts, ingest WikiSocks labels.

A thin layer over :mod:`swarmscope.wiki.collect`, :mod:`swarmscope.wiki.reverts` and
:mod:`swarmscope.wiki.wikisocks`. Dumps are ingested with the ordinary ``swarmscope ingest``
(``--format mediawiki-xml``, ``mediawiki-history``, ``wikisocks``, ``usercontribs``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from ..case import Case
from .api import DEFAULT_API, DEFAULT_REST, USER_AGENT_ENV, MediaWikiClient


def _ui() -> tuple[Any, Any, Callable[..., Text]]:
    # Imported late: swarmscope.cli imports this module while it is being built.
    from ..cli import console, err, terminal_text

    return console, err, terminal_text


def _open_case(case: Path, create: bool) -> Case:
    return Case.init(case, exist_ok=True) if create else Case.open(case)


def client_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by the commands that talk to a wiki."""

    @click.option("--api", "api_url", default=DEFAULT_API, show_default=True,
                  help="Action API endpoint of the wiki (api.php).")
    @click.option("--user-agent", envvar=USER_AGENT_ENV,
                  help="Who you are and how to reach you, e.g. 'my-study/1.0 (me@example.org)' "
                       f"(required by Wikimedia; or set {USER_AGENT_ENV}).")
    @click.option("--maxlag", default=5, show_default=True, type=int,
                  help="Ask the wiki to refuse requests while its replicas lag more (seconds).")
    @click.option("--retries", default=8, show_default=True, type=int,
                  help="Retries of a failed request (429, 5xx, network, broken JSON).")
    @click.option("--backoff", default=1.0, show_default=True, type=float,
                  help="First retry delay in seconds (doubles each retry).")
    @click.option("--platform", "wiki_platform",
                  help="Platform name of the wiki when --api is a proxy or mirror "
                       "(default: from the --api host; en.wikipedia.org is 'wikipedia').")
    @functools.wraps(f)
    def wrapper(*args: Any, api_url: str, user_agent: str | None, maxlag: int, retries: int,
                backoff: float, wiki_platform: str | None, **kwargs: Any) -> Any:
        kwargs["make_client"] = lambda **extra: MediaWikiClient(
            api_url, user_agent=user_agent, maxlag=maxlag, retries=retries, backoff=backoff,
            platform=wiki_platform, **extra)
        return f(*args, **kwargs)

    return wrapper


@click.group("wiki")
def wiki() -> None:
    """Wikipedia and other MediaWiki wikis: collect histories, contributions, page views and
    accounts; compute reverts; ingest WikiSocks labels.

    Dumps go through 'swarmscope ingest' (formats mediawiki-xml, mediawiki-history, wikisocks,
    usercontribs); run 'swarmscope wiki reverts CASE' after ingesting them.
    """


class _Progress:
    """A rich progress bar fed by :class:`swarmscope.wiki.collect.CollectProgress`."""

    def __init__(self) -> None:
        _, err, _ = _ui()
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[counts]}"), console=err, transient=True,
                            disable=not err.is_terminal)
        self.task: Any = None

    def __enter__(self) -> _Progress:
        self.bar.__enter__()
        self.task = self.bar.add_task("starting", total=None, counts="")
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, p: Any) -> None:
        _, _, terminal_text = _ui()
        self.bar.update(self.task, total=p.targets, completed=p.index - 1,
                        description=escape(terminal_text(p.target, limit=40).plain),
                        counts=f"{p.fetched:,} revisions fetched, {p.added:,} new, "
                               f"{p.requests:,} requests")


def _print_report(report: Any, what: str) -> None:
    console, _, terminal_text = _ui()
    state = "resumed" if report.resumed else "new"
    console.print(Text(f"{what}: job {report.job_id} ({state}), {len(report.targets):,} "
                       f"targets, {report.requests:,} requests, {report.commits:,} commits"))
    console.print(Text(f"fetched {report.fetched:,} revisions: {report.added:,} new, "
                       f"{report.duplicates:,} already in the case, {report.rejected:,} "
                       "rejected"))
    if report.rejected:
        console.print(Text("rejected records are listed under CASE/rejects/", style="yellow"))
    for name in report.missing:
        console.print(Text("not found: ", style="yellow") + terminal_text(name))
    if report.reverts is not None:
        r = report.reverts
        console.print(Text(f"wiki_revisions: {r.revisions:,} revisions on {r.pages:,} pages, "
                           f"{r.identity_reverts:,} identity reverts, {r.reverts:,} reverts, "
                           f"{r.reverted:,} reverted"))


_CASE = click.argument("case", type=click.Path(path_type=Path))
_INIT = click.option("--init", "create", is_flag=True, help="Create CASE if it does not exist.")
_SINCE = click.option("--since", help="Only revisions at or after this ISO date/time.")
_UNTIL = click.option("--until", help="Only revisions at or before this ISO date/time.")
_CONTENT = click.option("--content", is_flag=True,
                        help="Also fetch revision text, to extract cited URLs (not stored).")
_COMMIT = click.option("--commit-every", default=5000, show_default=True, type=int,
                       help="Commit to the case (and checkpoint) every N revisions.")
_REVERTS = click.option("--reverts/--no-reverts", default=True, show_default=True,
                        help="Recompute the wiki_revisions table afterwards.")


@wiki.command("pages")
@_CASE
@click.argument("titles", nargs=-1)
@click.option("--category", "categories", multiple=True,
              help="Also every page in this category (repeatable).")
@click.option("--depth", default=0, show_default=True, type=int,
              help="Follow sub-categories this many levels down.")
@_SINCE
@_UNTIL
@_CONTENT
@_COMMIT
@_REVERTS
@_INIT
@client_options
def pages(case: Path, titles: tuple[str, ...], categories: tuple[str, ...], depth: int,
          since: str | None, until: str | None, content: bool, commit_every: int,
          reverts: bool, create: bool, make_client: Callable[..., MediaWikiClient]) -> None:
    """Collect the full revision history of pages TITLES (resumable: rerun after a stop)."""
    from .collect import collect_pages

    c = _open_case(case, create)
    with make_client() as client, _Progress() as progress:
        report = collect_pages(c, titles, client=client, categories=categories,
                               category_depth=depth, since=since, until=until, content=content,
                               commit_every=commit_every, reverts=reverts, progress=progress)
    _print_report(report, "pages")


@wiki.command("users")
@_CASE
@click.argument("names", nargs=-1, required=True)
@_SINCE
@_UNTIL
@_CONTENT
@click.option("--details/--no-details", default=True, show_default=True,
              help="Fetch each contribution as a full revision (SHA-1 for identity reverts); "
                   "--no-details needs 10x fewer requests.")
@_COMMIT
@_REVERTS
@_INIT
@client_options
def users(case: Path, names: tuple[str, ...], since: str | None, until: str | None,
          content: bool, details: bool, commit_every: int, reverts: bool, create: bool,
          make_client: Callable[..., MediaWikiClient]) -> None:
    """Collect all contributions of users NAMES (user names or IP addresses; resumable)."""
    from .collect import collect_users

    c = _open_case(case, create)
    with make_client() as client, _Progress() as progress:
        report = collect_users(c, names, client=client, since=since, until=until,
                               content=content, details=details, commit_every=commit_every,
                               reverts=reverts, progress=progress)
    _print_report(report, "users")


@wiki.command("pageviews")
@_CASE
@click.argument("titles", nargs=-1, required=True)
@click.option("--start", required=True, help="First day (ISO date).")
@click.option("--end", required=True, help="Last day (ISO date).")
@click.option("--project", help="Wiki host, e.g. de.wikipedia.org (default: the --api host).")
@click.option("--access", default="all-access", show_default=True,
              type=click.Choice(["all-access", "desktop", "mobile-app", "mobile-web"]))
@click.option("--agent", default="user", show_default=True,
              type=click.Choice(["all-agents", "user", "spider", "automated"]))
@click.option("--rest", "rest_url", default=DEFAULT_REST, show_default=True,
              help="Wikimedia REST API base URL.")
@_INIT
@client_options
def pageviews(case: Path, titles: tuple[str, ...], start: str, end: str, project: str | None,
              access: str, agent: str, rest_url: str, create: bool,
              make_client: Callable[..., MediaWikiClient]) -> None:
    """Daily page views of TITLES into the wiki_pageviews table."""
    from .collect import collect_pageviews

    console, _, terminal_text = _ui()
    c = _open_case(case, create)
    with make_client(rest_url=rest_url) as client:
        report = collect_pageviews(c, titles, client=client, start=start, end=end,
                                   project=project, access=access, agent=agent)
    console.print(Text(f"wiki_pageviews: {report.rows:,} daily counts for {report.titles:,} "
                       "pages"))
    for t in report.without_data:
        console.print(Text("no page-view data: ", style="yellow") + terminal_text(t))


@wiki.command("accounts")
@_CASE
@click.argument("names", nargs=-1)
@click.option("--from-case", is_flag=True,
              help="Look up every registered account that edited in CASE (on this wiki).")
@click.option("--reverts/--no-reverts", default=True, show_default=True,
              help="Recompute wiki_revisions afterwards (its user_is_bot column).")
@_INIT
@client_options
def accounts(case: Path, names: tuple[str, ...], from_case: bool, reverts: bool, create: bool,
             make_client: Callable[..., MediaWikiClient]) -> None:
    """Account metadata (registration, edit count, groups incl. bot, blocks) of NAMES into the
    wiki_accounts table."""
    from .collect import accounts_in_case, collect_accounts
    from .reverts import TABLE, compute_reverts

    console, _, terminal_text = _ui()
    c = _open_case(case, create)
    with make_client() as client:
        wanted = list(names)
        if from_case:
            wanted += accounts_in_case(c, client.platform)
        if not wanted:
            raise click.UsageError("give account names or --from-case")
        report = collect_accounts(c, wanted, client=client)
    console.print(Text(f"wiki_accounts: {report.accounts:,} accounts, {report.bots:,} bots, "
                       f"{report.blocked:,} blocked"))
    for name in report.missing:
        console.print(Text("no such account: ", style="yellow") + terminal_text(name))
    if reverts and TABLE in c.tables():
        compute_reverts(Case.open(c.path))


@wiki.command("reverts")
@_CASE
@click.option("--radius", default=15, show_default=True, type=int,
              help="Identity reverts reach back at most this many revisions (mwreverts).")
def reverts_cmd(case: Path, radius: int) -> None:
    """Recompute the wiki_revisions table (reverts, reverted-by, cited-domain changes)."""
    from .reverts import compute_reverts

    console, _, _ = _ui()
    r = compute_reverts(Case.open(case), radius=radius)
    console.print(Text(f"wiki_revisions: {r.revisions:,} revisions on {r.pages:,} pages, "
                       f"{r.identity_reverts:,} identity reverts, {r.reverts:,} reverts, "
                       f"{r.reverted:,} reverted"))


@wiki.command("labels")
@_CASE
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--platform", help="Wiki of the files (default English Wikipedia).")
@click.option("--on-error", type=click.Choice(["stop", "skip"]), default="stop",
              show_default=True)
@_INIT
def labels_cmd(case: Path, files: tuple[Path, ...], platform: str | None, on_error: str,
               create: bool) -> None:
    """Ingest WikiSocks FILES: revisions into the actions, sockpuppet labels into the separate
    labels table (which detection never reads)."""
    from .wikisocks import ingest_wikisocks

    console, _, _ = _ui()
    c = _open_case(case, create)
    r = ingest_wikisocks(c, files, platform=platform, on_error=on_error)
    console.print(Text(f"added {r.ingest.added:,} actions ({r.ingest.duplicates:,} duplicates, "
                       f"{r.ingest.rejected:,} rejected); labels: {r.labels_added:,} new rows, "
                       f"{r.socks:,} sock accounts"))


@wiki.command("status")
@_CASE
def status(case: Path) -> None:
    """List the collections started in CASE and whether they finished."""
    from .checkpoint import list_checkpoints

    console, _, terminal_text = _ui()
    t = Table("job", "kind", "targets", "finished", "updated")
    for job in list_checkpoints(Case.open(case).path):
        spec = job.get("job") or {}
        targets = [*spec.get("titles", []), *spec.get("categories", []), *spec.get("users", [])]
        t.add_row(str(job.get("job_id")), str(spec.get("kind")),
                  terminal_text(", ".join(targets), limit=60),
                  "yes" if job.get("done") else "no", str(job.get("updated") or ""))
    console.print(t)


from .forensics.cli import report as _report  # noqa: E402 - after the group is defined

wiki.add_command(_report)
