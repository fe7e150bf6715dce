"""One wiki revision as one action: the conventions every wiki source shares.

Implements the mapping documented in ``docs/actions.md`` ("Wikipedia revisions") and
``docs/wikipedia.md``, so that the XML dump, ``mediawiki_history``, WikiSocks and API sources
agree on every field:

- ``platform``: ``wikipedia`` for English Wikipedia, otherwise the wiki's host
  (:func:`platform_for` accepts a host, a URL or a database name such as ``dewiki``);
- ``account``: the user name; the IP address for anonymous edits; ``(hidden):<revision id>``
  when the user name is deleted or suppressed (``extra.user_hidden``). The wiki hides who made
  the edit, not that it is one person's: one shared placeholder would make all hidden editors
  one account that co-edits every page, so each hidden revision gets its own account, which
  never pairs with another revision's (MediaWiki user names cannot contain ``:``, so no real
  user has it). ``account_id``: the user id, never for anonymous or hidden editors;
- ``kind``: ``revert`` only when the wiki itself marked the revision as a revert (change tags
  ``mw-undo``, ``mw-rollback``, ``mw-manual-revert``; Wikimedia's own identity-revert flag in
  ``mediawiki_history``), else ``edit``. Reverts swarmscope *computes* (identity reverts, edit
  summaries) live in the ``wiki_revisions`` table (:mod:`swarmscope.wiki.reverts`): actions are
  append-only and an edit summary is written by the editor, so it cannot set ``kind``;
- ``parent_id``: the parent revision id; NULL for a page creation (parent 0; ``extra.new``);
- ``text``: the edit summary exactly as given, NULL when hidden (``extra.comment_hidden``);
- ``extra.sha1``: the content SHA-1 as 40 lower-case hex digits. XML dumps and the analytics
  dumps give it in base 36 (31 digits), the Action API in hex: :func:`normalize_sha1` maps both
  to hex so identity reverts match across sources.

Example::

    >>> platform_for("https://de.wikipedia.org/w/api.php"), platform_for("enwiki")
    ('de.wikipedia.org', 'wikipedia')
    >>> normalize_sha1("9onarlg8ywgp11wnrddqebdry0jyz56")
    '52e89737e32e8a2ebc779b6417f33507b809b96a'
    >>> rows = RevisionRows()
    >>> rows.add(1, "wikipedia", "42", "2008-02-10T07:21:12Z", user="198.51.100.7", user_id=0,
    ...          page_id=9261472, ns=0, title="Pyrus", parent_id=41, comment="rv",
    ...          tags=["mw-undo"])
    >>> batch = rows.flush()
    >>> batch.column("account")[0].as_py(), batch.column("kind")[0].as_py()
    ('198.51.100.7', 'revert')
    >>> hidden_account("43"), is_hidden_account("(hidden):43")
    ('(hidden):43', True)
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import orjson
import pyarrow as pa

from ..schema import SOURCE_COLUMNS
from ..sources.base import BATCH_ROWS

#: Start of the ``account`` of a revision whose user name is deleted or suppressed; the
#: revision id follows (:func:`hidden_account`).
HIDDEN_USER_PREFIX = "(hidden):"

#: Change tags MediaWiki puts on a revision that reverts others (the wiki says so).
REVERT_TAGS: tuple[str, ...] = ("mw-undo", "mw-rollback", "mw-manual-revert")
#: Change tag MediaWiki puts on a revision that a later revision reverted.
REVERTED_TAG = "mw-reverted"

ENGLISH_WIKIPEDIA = "en.wikipedia.org"

# Database-name suffixes of Wikimedia projects -> domain (``dewiktionary`` -> de.wiktionary.org).
_PROJECT_SUFFIXES = (
    ("wiktionary", "wiktionary.org"), ("wikibooks", "wikibooks.org"),
    ("wikinews", "wikinews.org"), ("wikiquote", "wikiquote.org"),
    ("wikisource", "wikisource.org"), ("wikiversity", "wikiversity.org"),
    ("wikivoyage", "wikivoyage.org"), ("wiki", "wikipedia.org"),
)
_SPECIAL_DBNAMES = {
    "commonswiki": "commons.wikimedia.org", "metawiki": "meta.wikimedia.org",
    "specieswiki": "species.wikimedia.org", "wikidatawiki": "www.wikidata.org",
    "mediawikiwiki": "www.mediawiki.org", "sourceswiki": "wikisource.org",
    "foundationwiki": "foundation.wikimedia.org", "incubatorwiki": "incubator.wikimedia.org",
}


def host_for_dbname(dbname: str) -> str | None:
    """Host of a Wikimedia wiki from its database name (``enwiki`` -> ``en.wikipedia.org``)."""
    db = dbname.strip().lower()
    if db in _SPECIAL_DBNAMES:
        return _SPECIAL_DBNAMES[db]
    for suffix, domain in _PROJECT_SUFFIXES:
        if db.endswith(suffix) and len(db) > len(suffix):
            lang = db[: -len(suffix)].replace("_", "-")
            return f"{lang}.{domain}"
    return None


def platform_for(site: str | None) -> str:
    """The ``platform`` value of a wiki given as host, URL, database name or platform name."""
    if site is None or not site.strip():
        return "wikipedia"
    s = site.strip()
    if "://" in s:
        host = (urlsplit(s).hostname or "").lower()
    elif "." in s:
        host = s.lower().split("/", 1)[0]
    elif s.lower() == "wikipedia":
        return "wikipedia"
    else:
        host = host_for_dbname(s) or s.lower()
    # The mobile site is the same wiki.
    host = host.replace(".m.wikipedia.org", ".wikipedia.org")
    return "wikipedia" if host == ENGLISH_WIKIPEDIA else host


def canonical_name(name: str) -> str:
    """A page title or user name as MediaWiki displays it: underscores are spaces.

    MediaWiki treats ``_`` and `` `` in titles and user names as the same character; dumps that
    write underscores (``mediawiki_history``, WikiSocks sock names) would otherwise split one
    account into two.
    """
    return name.replace("_", " ")


def is_ip(name: str) -> bool:
    """True for an IPv4 or IPv6 address (how MediaWiki names anonymous editors)."""
    try:
        ipaddress.ip_address(name.strip())
    except ValueError:
        return False
    return True


_HEX = frozenset("0123456789abcdef")
_BASE36 = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")


def normalize_sha1(value: str | None) -> str | None:
    """A revision SHA-1 as 40 hex digits, from hex (API) or base 36 (dumps); ``None`` if empty.

    Raises :class:`ValueError` for anything else.
    """
    if value is None:
        return None
    v = value.strip().lower()
    if not v:
        return None
    if len(v) == 40 and _HEX.issuperset(v):
        return v
    if len(v) <= 31 and _BASE36.issuperset(v):
        n = int(v, 36)
        if n < 1 << 160:
            return f"{n:040x}"
    raise ValueError(f"not a SHA-1 in hex or base 36: {value!r}")


def text_sha1(text: str) -> str:
    """SHA-1 of revision text as MediaWiki computes it (UTF-8 bytes), in hex."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()  # noqa: S324 - MediaWiki's checksum


def revision_kind(tags: Iterable[str] | None) -> str:
    """``revert`` when the wiki tagged the revision as a revert, else ``edit``."""
    if tags:
        for t in tags:
            if t in REVERT_TAGS:
                return "revert"
    return "edit"


def hidden_account(revid: str) -> str:
    """The placeholder ``account`` of revision ``revid`` whose user is hidden."""
    return HIDDEN_USER_PREFIX + revid


def is_hidden_account(account: str | None) -> bool:
    """True for a placeholder made by :func:`hidden_account`."""
    return account is not None and account.startswith(HIDDEN_USER_PREFIX)


def _str_id(v: Any) -> str | None:
    if v is None or v == "" or v == 0 or v == "0":
        return None
    return str(v)


class RevisionRows:
    """Column-wise builder of source batches (:data:`swarmscope.schema.SOURCE_SCHEMA`) for wiki
    revisions: the same output as :class:`swarmscope.sources.base.RowBatcher`, built without
    per-column dispatch because dumps hold hundreds of millions of revisions."""

    def __init__(self, rows: int = BATCH_ROWS) -> None:
        self.rows = rows
        self._reset()

    def _reset(self) -> None:
        self._platform: list[str] = []
        self._action_id: list[str] = []
        self._account: list[str | None] = []
        self._account_id: list[str | None] = []
        self._ts: list[str | None] = []
        self._kind: list[str] = []
        self._parent: list[str | None] = []
        self._text: list[str | None] = []
        self._urls: list[list[str]] = []
        self._title: list[str | None] = []
        self._extra: list[str] = []
        self._record: list[int] = []

    def __len__(self) -> int:
        return len(self._record)

    @property
    def full(self) -> bool:
        return len(self._record) >= self.rows

    def add(self, record: int, platform: str, revid: str, ts: str | None, *,
            user: str | None, user_id: Any = None, user_hidden: bool = False,
            anon: bool | None = None, page_id: Any = None, ns: Any = None,
            title: str | None = None, parent_id: Any = None, comment: str | None = None,
            comment_hidden: bool = False, sha1: str | None = None, size: Any = None,
            minor: bool = False, tags: list[str] | None = None, text_hidden: bool = False,
            suppressed: bool = False, urls: list[str] | None = None, has_text: bool = False,
            revert: bool = False, more: dict[str, Any] | None = None) -> None:
        """Add one revision. ``user`` is the name or IP as given (ignored when hidden);
        ``anon`` defaults to "``user`` is an IP address"; ``revert`` says the source itself
        flags the revision as a revert (besides revert tags); ``more`` adds source-specific
        extra fields."""
        if user_hidden:
            account: str | None = hidden_account(revid)
            anon = False
            account_id = None
        else:
            account = user
            if anon is None:
                anon = user is not None and is_ip(user)
            account_id = None if anon else _str_id(user_id)
        parent = _str_id(parent_id)
        tags = list(tags) if tags else []
        extra: dict[str, Any] = {
            "page_id": page_id, "ns": ns, "sha1": sha1, "size": size, "minor": bool(minor),
            "tags": tags, "anon": bool(anon),
        }
        if parent is None and parent_id is not None and str(parent_id) == "0":
            extra["new"] = True
        if user_hidden:
            extra["user_hidden"] = True
        if comment_hidden:
            extra["comment_hidden"] = True
            comment = None
        if text_hidden:
            extra["text_hidden"] = True
        if suppressed:
            extra["suppressed"] = True
        if has_text:
            extra["has_text"] = True
        if more:
            extra.update(more)
        self._platform.append(platform)
        self._action_id.append(revid)
        self._account.append(account)
        self._account_id.append(account_id)
        self._ts.append(ts)
        self._kind.append("revert" if revert else revision_kind(tags))
        self._parent.append(parent)
        self._text.append(comment)
        self._urls.append([u for u in urls if u] if urls else [])
        self._title.append(title)
        self._extra.append(orjson.dumps(extra).decode())
        self._record.append(record)

    def flush(self) -> pa.RecordBatch:
        n = len(self._record)
        s = pa.string()
        lists = pa.list_(pa.string())
        empty = pa.array([[]] * n, type=lists)
        nulls = pa.nulls(n, type=s)
        cols = {
            "platform": pa.array(self._platform, type=s),
            "action_id": pa.array(self._action_id, type=s),
            "account": pa.array(self._account, type=s),
            "account_id": pa.array(self._account_id, type=s),
            "ts": pa.array(self._ts, type=s),
            "kind": pa.array(self._kind, type=s),
            "parent_id": pa.array(self._parent, type=s),
            "repost_of": nulls,
            "text": pa.array(self._text, type=s),
            "urls": pa.array(self._urls, type=lists),
            "hashtags": empty,
            "mentions": empty,
            "title": pa.array(self._title, type=s),
            "extra": pa.array(self._extra, type=s),
        }
        arrays = [cols[c] for c in SOURCE_COLUMNS] + [pa.array(self._record, type=pa.int64())]
        self._reset()
        return pa.RecordBatch.from_arrays(arrays, names=list(SOURCE_COLUMNS) + ["record"])
