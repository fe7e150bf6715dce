"""Reddit submissions and comments from Pushshift / Arctic Shift NDJSON dumps (``--format reddit``).

The dumps hold one Reddit API object per line (``RS_*`` submission files, ``RC_*`` comment
files, or both mixed), usually zstandard-compressed with a long window (read as is). Mapping
(``docs/formats/reddit.md`` has the full table):

- a submission (``title``, ``selftext``, ``url``...) is a ``post`` with ``action_id`` = its
  fullname ``t3_<id>``, ``title`` = ``title``, ``text`` = ``selftext``, ``urls`` = ``url`` unless
  it is a self post, plus links written in the self text; a crosspost is a ``repost`` with
  ``repost_of`` = ``crosspost_parent`` (the parent's fullname);
- a comment (``body``, ``link_id``, ``parent_id``) is a ``comment`` with ``action_id`` =
  ``t1_<id>`` and ``parent_id`` = the parent's fullname (``t1_`` comment or ``t3_``
  submission), so comments and submissions never collide;
- ``account`` = ``author``, ``account_id`` = ``author_fullname`` (``t2_...``).

Deleted authors: Reddit replaces the name of a deleted account by ``[deleted]`` (``[removed]``
in some dumps) on every post it made, so all deleted accounts would look like one hyperactive
account that co-acts with everyone. Each such action gets its own account,
``[deleted]:<action_id>``, and ``extra.author_deleted = true``: a deleted author can never be
linked across posts, which is the truth of the data. Likewise a body or self text that Reddit
replaced by ``[deleted]`` / ``[removed]`` is not the author's text: ``text`` is NULL and
``extra.text_removed`` holds the placeholder (otherwise every removed comment would share one
text key and form a fake copy-paste ring).

Example::

    >>> row = submission_or_comment({"id": "abc", "author": "ann", "created_utc": 1600000000,
    ...     "subreddit": "pics", "title": "Hi", "selftext": "", "is_self": False,
    ...     "url": "https://example.com/a?x=1&amp;y=2"})
    >>> row["action_id"], row["kind"], row["urls"]
    ('t3_abc', 'post', ['https://example.com/a?x=1&y=2'])
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from .action_rows import action_batches
from .base import ReadContext, Source
from .json_records import JsonRecords, RecordError, first_json_line, record_lines

#: Author names Reddit shows for accounts that no longer exist.
DELETED_AUTHORS = frozenset({"[deleted]", "[removed]"})
#: Placeholders Reddit shows instead of a removed text.
REMOVED_TEXTS = frozenset({"[deleted]", "[removed]"})

REDDIT = "https://www.reddit.com"

#: Input fields kept in ``extra`` when present (everything else is dropped; see the docs page).
SUBMISSION_EXTRA = (
    "subreddit", "subreddit_id", "permalink", "domain", "is_self", "score", "num_comments",
    "over_18", "stickied", "distinguished", "edited", "locked", "link_flair_text",
    "author_flair_text", "author_created_utc", "removed_by_category", "retrieved_on",
    "retrieved_utc", "crosspost_parent",
)
COMMENT_EXTRA = (
    "subreddit", "subreddit_id", "link_id", "permalink", "score", "controversiality",
    "distinguished", "stickied", "edited", "is_submitter", "author_flair_text",
    "author_created_utc", "retrieved_on", "retrieved_utc",
)

# Links in Markdown text: stop at white space and at characters that end a Markdown link.
_URL_RE = re.compile(r"https?://[^\s<>\[\]()\"'`{}|^]+")
_URL_TRAILING = ".,;:!?*~_"
# u/name and /u/name, not inside a URL path or a word (Reddit names: 3-20 of [A-Za-z0-9_-]).
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_/])/?u/([A-Za-z0-9_-]{3,20})(?![A-Za-z0-9_-])")
_FULLNAME_RE = re.compile(r"^t[1-6]_[0-9a-z]+$")


class RedditSource(Source):
    """Pushshift / Arctic Shift NDJSON dumps of Reddit submissions and comments."""

    name = "reddit"
    platform = "reddit"
    description = "Reddit submissions and comments, Pushshift / Arctic Shift NDJSON (.zst) dumps"
    extensions = (".ndjson", ".jsonl", ".zst")

    _LABELS = {
        "action_id": "id", "account": "author", "account_id": "author_fullname",
        "ts": "created_utc", "parent_id": "parent_id", "repost_of": "crosspost_parent",
        "text": "selftext/body", "title": "title", "urls": "url",
    }

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        obj = first_json_line(head)
        return (obj is not None and "subreddit" in obj and "created_utc" in obj
                and "author" in obj and ("title" in obj or "body" in obj))

    def field_label(self, column: str) -> str:
        return self._LABELS.get(column, column)

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        return record_lines(getattr(self, "_layout", None), records)

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        with JsonRecords(ctx) as records:
            self._layout = records.layout
            yield from action_batches(ctx, records, submission_or_comment)


def submission_or_comment(obj: dict[str, Any]) -> dict[str, Any]:
    """The action of one dump record (a submission or a comment), as RowBatcher values.

    Raises :class:`RecordError` for a record that is neither, or lacks its id or author.
    """
    name = obj.get("name")
    if isinstance(name, str) and name.startswith("t3_"):
        is_submission = True
    elif isinstance(name, str) and name.startswith("t1_"):
        is_submission = False
    elif "title" in obj:
        is_submission = True
    elif "body" in obj or "parent_id" in obj:
        is_submission = False
    else:
        raise RecordError(None, "neither a submission (no 'title') nor a comment (no 'body')")
    raw_id = obj.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = base36(raw_id)
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise RecordError("id", "missing id", raw_id)
    prefix = "t3_" if is_submission else "t1_"
    action_id = raw_id if raw_id.startswith(prefix) else prefix + raw_id
    extra: dict[str, Any] = {}
    if "author" not in obj:
        raise RecordError("author", "missing author")
    author = obj["author"]
    if author is None or author in DELETED_AUTHORS:
        account = f"[deleted]:{action_id}"
        account_id = None
        extra["author_deleted"] = True
        extra["author"] = author
    elif isinstance(author, str) and author.strip():
        account = author
        account_id = _text_or_none(obj.get("author_fullname"))
    else:
        raise RecordError("author", "author must be a non-empty string", author)
    ts = epoch_text(obj.get("created_utc"))
    if is_submission:
        return _submission(obj, action_id, account, account_id, ts, extra)
    return _comment(obj, action_id, account, account_id, ts, extra)


def _submission(obj: dict[str, Any], action_id: str, account: str, account_id: str | None,
                ts: Any, extra: dict[str, Any]) -> dict[str, Any]:
    title = obj.get("title")
    if title is not None and not isinstance(title, str):
        raise RecordError("title", "title must be a string", title)
    text = _own_text(obj, "selftext", extra)
    urls: list[str] = []
    url = obj.get("url")
    if isinstance(url, str) and url and not obj.get("is_self"):
        urls.append(absolute_url(url))
    if text and "http" in text:
        urls = _unique([*urls, *links_in_markdown(text)])
    parent = obj.get("crosspost_parent")
    if parent is not None and not (isinstance(parent, str) and _FULLNAME_RE.match(parent)):
        raise RecordError("crosspost_parent", "crosspost_parent must be a fullname (t3_...)",
                          parent)
    extra.update({k: v for k in SUBMISSION_EXTRA if (v := obj.get(k)) is not None})
    return {
        "platform": "reddit", "action_id": action_id, "account": account,
        "account_id": account_id, "ts": ts, "kind": "repost" if parent else "post",
        "repost_of": parent, "title": title, "text": text, "urls": urls,
        "mentions": mentions_in_markdown(text), "extra": extra,
    }


def _comment(obj: dict[str, Any], action_id: str, account: str, account_id: str | None,
             ts: Any, extra: dict[str, Any]) -> dict[str, Any]:
    text = _own_text(obj, "body", extra)
    parent = parent_fullname(obj.get("parent_id"), obj.get("link_id"))
    if parent is None:
        raise RecordError("parent_id", "missing or malformed parent_id (t1_... or t3_...)",
                          obj.get("parent_id"))
    extra.update({k: v for k in COMMENT_EXTRA if (v := obj.get(k)) is not None})
    return {
        "platform": "reddit", "action_id": action_id, "account": account,
        "account_id": account_id, "ts": ts, "kind": "comment", "parent_id": parent,
        "text": text, "urls": _unique(links_in_markdown(text)) if text else [],
        "mentions": mentions_in_markdown(text), "extra": extra,
    }


def _own_text(obj: dict[str, Any], key: str, extra: dict[str, Any]) -> str | None:
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise RecordError(key, f"{key} must be a string", value)
    if value in REMOVED_TEXTS:
        extra["text_removed"] = value
        return None
    return value


def parent_fullname(parent: Any, link_id: Any) -> str | None:
    """The parent's fullname. Dumps give ``t1_``/``t3_`` strings; a bare id (string or the
    base-10 number some API-era dumps carry) is the submission when it equals ``link_id``'s id,
    else a comment."""
    if isinstance(parent, str) and _FULLNAME_RE.match(parent):
        return parent
    if isinstance(parent, int) and not isinstance(parent, bool):
        parent = base36(parent)
    if not isinstance(parent, str) or not re.fullmatch(r"[0-9a-z]+", parent):
        return None
    if isinstance(link_id, int) and not isinstance(link_id, bool):
        link_id = "t3_" + base36(link_id)
    if isinstance(link_id, str) and link_id.removeprefix("t3_") == parent:
        return "t3_" + parent
    return "t1_" + parent


def base36(n: int) -> str:
    """Reddit's id spelling of a number: ``base36(1295) == 'zz'``."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(digits[r])
    return "".join(reversed(out))


def epoch_text(value: Any) -> Any:
    """``created_utc`` as text the pipeline reads: ints and strings as given, floats without an
    exponent (``1.6e9`` would not parse). Other types are returned as they are, for the
    pipeline to report as unparseable."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return str(int(value)) if value.is_integer() else f"{value:.6f}"
    return value


def absolute_url(url: str) -> str:
    """A submission ``url`` as a link: the API's HTML escaping undone (``&amp;``), and
    Reddit-relative paths (crossposts give ``/r/sub/comments/...``) made absolute."""
    if "&" in url:
        url = html.unescape(url)
    if url.startswith("/") and not url.startswith("//"):
        return REDDIT + url
    return url


def links_in_markdown(text: str | None) -> list[str]:
    """``http(s)`` links written in Markdown text, trailing punctuation and Markdown escapes
    removed, HTML escaping undone."""
    if not text or "http" not in text:
        return []
    out = []
    for m in _URL_RE.finditer(text):
        url = m.group(0).replace("\\", "").rstrip(_URL_TRAILING)
        if len(url) > url.index("://") + 3:
            out.append(html.unescape(url) if "&" in url else url)
    return out


def mentions_in_markdown(text: str | None) -> list[str]:
    """User names mentioned as ``u/name`` or ``/u/name``."""
    if not text or "u/" not in text:
        return []
    return _unique(m.group(1) for m in _MENTION_RE.finditer(text))


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


def _text_or_none(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None
