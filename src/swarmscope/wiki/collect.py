"""Live, resumable collection from a wiki into a case.

What it collects (``docs/wikipedia.md`` has the details and the etiquette):

- :func:`collect_pages`: full revision histories of pages (``prop=revisions``; ids, parent,
  timestamp, user, user id, size, SHA-1, summary, tags, flags; with ``content=True`` also the
  text, which is parsed for cited URLs and not stored), optionally of every page in categories
  (``list=categorymembers``, with sub-categories to a depth);
- :func:`collect_users`: all contributions of users (``list=usercontribs``); by default each
  contribution is then fetched as a full revision (``prop=revisions&revids=``, 50 per request)
  so it carries the SHA-1 identity reverts need (and the text with ``content=True``);
- :func:`collect_pageviews`: daily page views (Wikimedia REST API, per-article endpoint) into
  the ``wiki_pageviews`` table;
- :func:`collect_accounts`: account metadata (``list=users``: registration, edit count, groups
  and so bot status, block) into the ``wiki_accounts`` table, one snapshot per lookup.

How a revision collection stays complete and duplicate-free when interrupted: API responses are
buffered, then written as they were received to ``CASE/wiki/raw/<job>/<n>-<id>.jsonl.zst`` and
ingested with :func:`swarmscope.ingest.ingest` (format ``usercontribs``: the normal validation,
deduplication and atomic commit, and every action traces back to its raw response); only after
that commit does the checkpoint (:mod:`swarmscope.wiki.checkpoint`) advance to the continuation
that follows. A crash before the commit leaves neither; a crash between commit and checkpoint
re-fetches responses whose revisions the pipeline then drops as duplicates. Raw files that no
committed ingest references (left by a crash) are deleted when the job resumes.

Example::

    >>> from swarmscope.wiki.api import MediaWikiClient
    >>> client = MediaWikiClient(user_agent="my-study/1.0 (me@example.org)")  # doctest: +SKIP
    >>> collect_pages("mycase", ["Pear"], client=client).added  # doctest: +SKIP
    1234
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from ..case import Case
from ..engine import sql_literal
from ..errors import UsageError
from ..ingest import ingest
from .api import MediaWikiClient, WikiApiError
from .checkpoint import Checkpoint
from .reverts import RevertSummary, compute_reverts
from .revision import canonical_name, is_ip, platform_for
from .usercontribs import HEADER_KEY

RAW_DIR = Path("wiki") / "raw"
PAGEVIEWS_TABLE = "wiki_pageviews"
ACCOUNTS_TABLE = "wiki_accounts"

#: Revision properties collected (``|content`` is added with ``content=True``).
RVPROP = "ids|timestamp|user|userid|size|sha1|comment|tags|flags"
UCPROP = "ids|title|timestamp|comment|size|sizediff|flags|tags"
REVIDS_PER_REQUEST = 50
USERS_PER_REQUEST = 50

_BAD_USER_CODES = ("baduser", "invaliduser", "nosuchuser")


@dataclass
class CollectProgress:
    """Where a collection is, for progress displays."""

    target: str
    index: int
    targets: int
    fetched: int
    added: int
    requests: int


ProgressFn = Callable[[CollectProgress], None]


@dataclass
class CollectReport:
    """What one collection run did."""

    job_id: str
    resumed: bool
    targets: list[str] = field(default_factory=list)
    fetched: int = 0
    added: int = 0
    duplicates: int = 0
    rejected: int = 0
    commits: int = 0
    requests: int = 0
    missing: list[str] = field(default_factory=list)
    reverts: RevertSummary | None = None


# ---------------------------------------------------------------------- helpers
def api_timestamp(value: str | dt.date | dt.datetime | None) -> str | None:
    """An ISO 8601 date or time (or ``None``) as the API wants it: ``2020-01-31T00:00:00Z``."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        t = value
    elif isinstance(value, dt.date):
        t = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise UsageError(f"not an ISO 8601 date or time: {value!r}") from exc
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_names(names: Iterable[str], what: str) -> list[str]:
    out: list[str] = []
    for n in names:
        n = n.strip()
        if not n:
            continue
        # "|" separates values in API parameters; MediaWiki titles and names never contain it.
        if "|" in n or "\x1f" in n:
            raise UsageError(f"{what} {n!r} contains '|', which no MediaWiki {what} can")
        if n not in out:
            out.append(n)
    return out


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Committer:
    """Buffers raw responses; commits them through the ingest pipeline, then the checkpoint."""

    def __init__(self, case: Case, cp: Checkpoint, client: MediaWikiClient,
                 commit_every: int, report: CollectReport) -> None:
        self.case = case
        self.cp = cp
        self.client = client
        self.commit_every = max(1, commit_every)
        self.report = report
        self.bodies: list[bytes] = []
        self.pending_revisions = 0
        # Revisions stored twice on purpose (full record + contributions entry): not news.
        self.pending_shadowed = 0
        self.updates: dict[str, dict[str, Any]] = {}
        self.raw_dir = case.path / RAW_DIR / cp.job_id

    def task(self, key: str) -> dict[str, Any]:
        """The task's state as it will be after the next commit."""
        committed = self.cp.state["tasks"].get(key, {})
        return {**committed, **self.updates.get(key, {})}

    def add(self, body: bytes, revisions: int, shadowed: int = 0) -> None:
        self.bodies.append(body)
        self.pending_revisions += revisions
        self.pending_shadowed += shadowed
        self.report.fetched += revisions

    def update(self, key: str, **state: Any) -> None:
        self.updates.setdefault(key, {}).update(state)

    def maybe_commit(self) -> None:
        if self.pending_revisions >= self.commit_every:
            self.commit()

    def commit(self) -> None:
        if self.bodies:
            path = self._write_raw()
            r = ingest(self.case, [path], format="usercontribs", on_error="skip")
            self.report.added += r.added
            self.report.duplicates += max(0, r.duplicates - self.pending_shadowed)
            self.report.rejected += r.rejected
            self.report.commits += 1
        if self.updates or self.bodies:
            tasks = self.cp.state["tasks"]
            for key, upd in self.updates.items():
                tasks.setdefault(key, {}).update(upd)
            self.cp.state["commits"] = int(self.cp.state.get("commits", 0)) + 1
            self.cp.save()
        self.bodies = []
        self.pending_revisions = 0
        self.pending_shadowed = 0
        self.updates = {}

    def _write_raw(self) -> Path:
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        seq = int(self.cp.state.get("commits", 0)) + 1
        path = self.raw_dir / f"{seq:06d}-{uuid.uuid4().hex[:8]}.jsonl.zst"
        # No User-Agent here: it holds the investigator's contact details, and cases travel.
        header = {HEADER_KEY: {"api": self.client.api_url,
                               "platform": self.client.platform, "job": self.cp.job_id,
                               "written": _now().isoformat(timespec="seconds")}}
        with open(path, "wb") as fh:
            with zstandard.ZstdCompressor(level=6).stream_writer(fh, closefd=False) as z:
                z.write(orjson.dumps(header) + b"\n")
                for body in self.bodies:
                    body = body.strip()
                    if b"\n" in body:  # keep one response per line
                        body = orjson.dumps(orjson.loads(body))
                    z.write(body + b"\n")
        return path

    def clean_orphans(self) -> None:
        """Delete raw files of this job that no committed ingest references (crash leftovers)."""
        if not self.raw_dir.exists():
            return
        referenced = {Path(e.get("path", "")).resolve() for e in self.case.ingests()}
        for f in self.raw_dir.glob("*.jsonl.zst"):
            if f.resolve() not in referenced:
                f.unlink(missing_ok=True)


def _run_job(case: Case | str | Path, spec: dict[str, Any], client: MediaWikiClient,
             commit_every: int, reverts: bool,
             body: Callable[[_Committer, CollectReport], None]) -> CollectReport:
    case = case if isinstance(case, Case) else Case.open(case)
    requests_before = client.requests
    with Checkpoint.open(case.path, spec) as cp:
        report = CollectReport(job_id=cp.job_id, resumed=cp.resumed)
        committer = _Committer(case, cp, client, commit_every, report)
        committer.clean_orphans()
        try:
            body(committer, report)
        except (WikiApiError, KeyboardInterrupt):
            # What was fetched is valid: keep it, so a rerun resumes after it.
            committer.commit()
            raise
        committer.commit()
        cp.state["done"] = True
        cp.save()
    report.requests = client.requests - requests_before
    if reverts and report.added:
        report.reverts = compute_reverts(case)
    return report


# ---------------------------------------------------------------------- page histories
def _category_title(name: str) -> str:
    return name if name.lower().startswith("category:") else f"Category:{name}"


def expand_categories(client: MediaWikiClient, cp: Checkpoint, categories: list[str],
                      depth: int) -> list[str]:
    """Titles of the pages in ``categories`` (and sub-categories down to ``depth``).

    The listing is saved in the checkpoint as it goes, so it is not repeated on resume.
    """
    state = cp.state.setdefault("categories", {})
    queue = [(_category_title(c), 0) for c in categories]
    seen: set[str] = set()
    members: list[str] = []
    while queue:
        cat, level = queue.pop(0)
        if cat in seen:
            continue
        seen.add(cat)
        st = state.setdefault(cat, {"continue": None, "members": [], "subcats": [],
                                    "done": False})
        if not st["done"]:
            params = {"action": "query", "list": "categorymembers", "cmtitle": cat,
                      "cmtype": "page|subcat", "cmprop": "ids|title|type", "cmlimit": "max"}
            for resp in client.query(params, start=st["continue"]):
                for m in resp.data.get("query", {}).get("categorymembers", []):
                    if not isinstance(m, dict) or not isinstance(m.get("title"), str):
                        continue
                    key = "subcats" if m.get("type") == "subcat" or m.get("ns") == 14 \
                        else "members"
                    st[key].append(m["title"])
                st["continue"] = resp.next
                st["done"] = resp.next is None
                cp.save()
        members.extend(st["members"])
        if level < depth:
            queue.extend((s, level + 1) for s in st["subcats"])
    return members


def collect_pages(case: Case | str | Path, titles: Iterable[str] = (), *,
                  client: MediaWikiClient, categories: Iterable[str] = (),
                  category_depth: int = 0, since: Any = None, until: Any = None,
                  content: bool = False, commit_every: int = 5000, reverts: bool = True,
                  progress: ProgressFn | None = None) -> CollectReport:
    """Collect the full revision histories of ``titles`` (and of category members)."""
    titles = _check_names(titles, "title")
    cats = _check_names(categories, "category")
    if not titles and not cats:
        raise UsageError("give at least one page title or --category")
    spec = {"kind": "pages", "api": client.api_url, "titles": titles, "categories": cats,
            "depth": int(category_depth), "since": api_timestamp(since),
            "until": api_timestamp(until), "content": bool(content)}
    rvprop = RVPROP + ("|content" if content else "")

    def body(committer: _Committer, report: CollectReport) -> None:
        cp = committer.cp
        targets = list(titles)
        if cats:
            for t in expand_categories(client, cp, cats, int(category_depth)):
                if t not in targets:
                    targets.append(t)
        report.targets = targets
        for i, title in enumerate(targets, start=1):
            st = committer.task(title)
            if st.get("done"):
                continue
            params = {"action": "query", "prop": "revisions", "titles": title,
                      "rvprop": rvprop, "rvslots": "main" if content else None,
                      "rvlimit": "max", "rvdir": "newer", "rvstart": spec["since"],
                      "rvend": spec["until"]}
            for resp in client.query(params, start=st.get("continue")):
                pages = resp.data.get("query", {}).get("pages", [])
                if isinstance(pages, dict):
                    pages = list(pages.values())
                n = sum(len(p.get("revisions") or []) for p in pages if isinstance(p, dict))
                if any(isinstance(p, dict) and (p.get("missing") or p.get("invalid"))
                       for p in pages):
                    report.missing.append(title)
                committer.add(resp.body, n)
                committer.update(title, **{"continue": resp.next, "done": resp.next is None,
                                           "revisions": int(st.get("revisions", 0)) + n})
                st = committer.task(title)
                committer.maybe_commit()
                if progress:
                    progress(CollectProgress(title, i, len(targets), report.fetched,
                                             report.added, client.requests))

    return _run_job(case, spec, client, commit_every, reverts, body)


# ---------------------------------------------------------------------- user contributions
def _chunks(items: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def collect_users(case: Case | str | Path, users: Iterable[str], *, client: MediaWikiClient,
                  since: Any = None, until: Any = None, content: bool = False,
                  details: bool = True, commit_every: int = 5000, reverts: bool = True,
                  progress: ProgressFn | None = None) -> CollectReport:
    """Collect all contributions of ``users`` (names or IP addresses)."""
    users = _check_names(users, "user name")
    if not users:
        raise UsageError("give at least one user name")
    if content and not details:
        raise UsageError("revision text comes with the full revisions: drop --no-details")
    spec = {"kind": "users", "api": client.api_url, "users": users,
            "since": api_timestamp(since), "until": api_timestamp(until),
            "content": bool(content), "details": bool(details)}
    rvprop = RVPROP + ("|content" if content else "")

    def body(committer: _Committer, report: CollectReport) -> None:
        report.targets = list(users)
        for i, user in enumerate(users, start=1):
            st = committer.task(user)
            if st.get("done"):
                continue
            params = {"action": "query", "list": "usercontribs", "ucuser": user,
                      "ucprop": UCPROP, "uclimit": "max", "ucdir": "newer",
                      "ucstart": spec["since"], "ucend": spec["until"]}
            try:
                for resp in client.query(params, start=st.get("continue")):
                    contribs = [c for c in resp.data.get("query", {}).get("usercontribs", [])
                                if isinstance(c, dict) and "revid" in c]
                    if details and contribs:
                        # Full revisions first: on ingest the first copy of a revision wins.
                        ids = [str(c["revid"]) for c in contribs]
                        for chunk in _chunks(ids, REVIDS_PER_REQUEST):
                            lookup = {"action": "query", "prop": "revisions",
                                      "revids": "|".join(chunk), "rvprop": rvprop,
                                      "rvslots": "main" if content else None}
                            for full in client.query(lookup):
                                found = sum(len(p.get("revisions") or [])
                                            for p in full.data.get("query", {}).get("pages", [])
                                            if isinstance(p, dict))
                                committer.add(full.body, 0, shadowed=found)
                    committer.add(resp.body, len(contribs))
                    committer.update(user, **{"continue": resp.next,
                                              "done": resp.next is None,
                                              "revisions": int(st.get("revisions", 0))
                                              + len(contribs)})
                    st = committer.task(user)
                    committer.maybe_commit()
                    if progress:
                        progress(CollectProgress(user, i, len(users), report.fetched,
                                                 report.added, client.requests))
            except WikiApiError as exc:
                if exc.code and exc.code.startswith(_BAD_USER_CODES):
                    report.missing.append(user)
                    committer.update(user, done=True, missing=True)
                    continue
                raise

    return _run_job(case, spec, client, commit_every, reverts, body)


# ---------------------------------------------------------------------- page views
PAGEVIEWS_SCHEMA = pa.schema([
    ("platform", pa.string()), ("project", pa.string()), ("title", pa.string()),
    ("date", pa.date32()), ("access", pa.string()), ("agent", pa.string()),
    ("views", pa.int64()), ("fetched_at", pa.timestamp("us", tz="UTC")),
])


@dataclass
class PageviewsReport:
    rows: int = 0
    titles: int = 0
    without_data: list[str] = field(default_factory=list)


def _yyyymmdd(value: Any, what: str) -> str:
    ts = api_timestamp(value)
    if ts is None:
        raise UsageError(f"give the {what} date")
    return ts[:10].replace("-", "")


def collect_pageviews(case: Case | str | Path, titles: Iterable[str], *,
                      client: MediaWikiClient, start: Any, end: Any,
                      project: str | None = None, access: str = "all-access",
                      agent: str = "user") -> PageviewsReport:
    """Daily views of ``titles`` from ``start`` to ``end`` (inclusive) into ``wiki_pageviews``.

    Rows for the same (platform, title, date, access, agent) replace older ones.
    """
    case = case if isinstance(case, Case) else Case.open(case)
    titles = _check_names(titles, "title")
    # The REST API names the wiki by host; default: the wiki the client talks to.
    platform = platform_for(project) if project else client.platform
    project = project or urlsplit(client.api_url).hostname or "en.wikipedia.org"
    first, last = _yyyymmdd(start, "start"), _yyyymmdd(end, "end")
    fetched = _now()
    report = PageviewsReport(titles=len(titles))
    rows: dict[str, list[Any]] = {f.name: [] for f in PAGEVIEWS_SCHEMA}
    for title in titles:
        article = quote(title.replace(" ", "_"), safe="")
        data = client.rest(f"/metrics/pageviews/per-article/{quote(project, safe='')}/"
                           f"{quote(access, safe='')}/{quote(agent, safe='')}/{article}/daily/"
                           f"{first}00/{last}00")
        items = (data or {}).get("items") or []
        if not items:
            report.without_data.append(title)
        for item in items:
            stamp = str(item.get("timestamp", ""))
            try:
                day = dt.date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:8]))
                views = int(item["views"])
            except (ValueError, KeyError, TypeError) as exc:
                raise WikiApiError(f"unexpected page-view item for {title!r}: {item!r}") from exc
            for k, v in (("platform", platform), ("project", project), ("title", title),
                         ("date", day), ("access", str(item.get("access", access))),
                         ("agent", str(item.get("agent", agent))), ("views", views),
                         ("fetched_at", fetched)):
                rows[k].append(v)
    new = pa.table(rows, schema=PAGEVIEWS_SCHEMA)
    report.rows = new.num_rows
    _merge_table(case, PAGEVIEWS_TABLE, new, ("platform", "title", "date", "access", "agent"))
    return report


def _merge_table(case: Case, table: str, new: pa.Table, key: tuple[str, ...]) -> None:
    """Replace ``table`` by its rows not keyed like a row of ``new``, plus ``new``."""
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.register("new_rows", new)
    cols = ", ".join(f'"{c}"' for c in new.schema.names)
    on = " AND ".join(f'o."{k}" IS NOT DISTINCT FROM n."{k}"' for k in key)
    with case.transaction() as txn:
        out = txn.stage_path(f"{table}.parquet")
        parts = case.parts(table)
        if parts:
            files = "[" + ", ".join(sql_literal(str(p)) for p in parts) + "]"
            query = (f"SELECT {cols} FROM read_parquet({files}) o WHERE NOT EXISTS "  # noqa: S608
                     f"(SELECT 1 FROM new_rows n WHERE {on}) UNION ALL "
                     f"SELECT {cols} FROM new_rows")
        else:
            query = f"SELECT {cols} FROM new_rows"  # noqa: S608
        merged = con.sql(query).to_arrow_table().cast(new.schema)
        pq.write_table(merged, out, compression="zstd")
        txn.replace_table(table, [out])


# ---------------------------------------------------------------------- account metadata
ACCOUNTS_SCHEMA = pa.schema([
    ("platform", pa.string()), ("name", pa.string()), ("user_id", pa.int64()),
    ("registration", pa.timestamp("us", tz="UTC")), ("editcount", pa.int64()),
    ("groups", pa.list_(pa.string())), ("is_bot", pa.bool_()), ("blocked", pa.bool_()),
    ("block_id", pa.int64()), ("block_by", pa.string()), ("block_reason", pa.string()),
    ("block_expiry", pa.string()), ("block_timestamp", pa.timestamp("us", tz="UTC")),
    ("block_partial", pa.bool_()), ("missing", pa.bool_()), ("invalid", pa.bool_()),
    ("temp", pa.bool_()), ("fetched_at", pa.timestamp("us", tz="UTC")), ("api", pa.string()),
])


@dataclass
class AccountsReport:
    accounts: int = 0
    bots: int = 0
    blocked: int = 0
    missing: list[str] = field(default_factory=list)


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)
    except ValueError:
        return None


def accounts_in_case(case: Case | str | Path, platform: str) -> list[str]:
    """Registered accounts (no IPs, no hidden users) that made wiki revisions in the case."""
    case = case if isinstance(case, Case) else Case.open(case)
    con = case.connect()
    rows = con.execute(
        "SELECT DISTINCT account FROM actions WHERE platform = ? AND kind IN ('edit', 'revert') "
        "AND NOT coalesce(TRY_CAST(json_extract_string(extra, '$.anon') AS BOOLEAN), false) "
        "AND NOT coalesce(TRY_CAST(json_extract_string(extra, '$.user_hidden') AS BOOLEAN), "
        "false) ORDER BY account", [platform]).fetchall()
    return [r[0] for r in rows if r[0] and not is_ip(r[0])]


def collect_accounts(case: Case | str | Path, names: Iterable[str], *,
                     client: MediaWikiClient) -> AccountsReport:
    """Look up ``names`` with ``list=users`` and add a snapshot to ``wiki_accounts``."""
    case = case if isinstance(case, Case) else Case.open(case)
    names = [canonical_name(n) for n in _check_names(names, "user name")]
    platform = client.platform
    fetched = _now()
    report = AccountsReport()
    rows: dict[str, list[Any]] = {f.name: [] for f in ACCOUNTS_SCHEMA}
    for chunk in _chunks(names, USERS_PER_REQUEST):
        resp = client.get({"action": "query", "list": "users", "ususers": "|".join(chunk),
                           "usprop": "blockinfo|groups|editcount|registration"})
        for u in resp.data.get("query", {}).get("users", []):
            if not isinstance(u, dict) or not isinstance(u.get("name"), str):
                continue
            groups = [str(g) for g in u.get("groups") or []]
            missing = bool(u.get("missing"))
            invalid = bool(u.get("invalid"))
            blocked = u.get("blockid") is not None or u.get("blockedby") is not None
            if missing or invalid:
                report.missing.append(u["name"])
            report.bots += "bot" in groups
            report.blocked += blocked
            values = {
                "platform": platform, "name": u["name"], "user_id": u.get("userid"),
                "registration": _parse_time(u.get("registration")),
                "editcount": u.get("editcount"), "groups": groups, "is_bot": "bot" in groups,
                "blocked": blocked, "block_id": u.get("blockid"), "block_by": u.get("blockedby"),
                "block_reason": u.get("blockreason"),
                "block_expiry": None if u.get("blockexpiry") is None else str(u["blockexpiry"]),
                "block_timestamp": _parse_time(u.get("blockedtimestamp")),
                "block_partial": bool(u.get("blockpartial")) if blocked else None,
                "missing": missing, "invalid": invalid, "temp": bool(u.get("temp")),
                "fetched_at": fetched, "api": client.api_url,
            }
            for k, v in values.items():
                rows[k].append(v)
    table = pa.table(rows, schema=ACCOUNTS_SCHEMA)
    report.accounts = table.num_rows
    if table.num_rows:
        with case.transaction() as txn:
            out = txn.stage_path(f"{ACCOUNTS_TABLE}.parquet")
            pq.write_table(table, out, compression="zstd")
            txn.add_part(ACCOUNTS_TABLE, out)
    return report
