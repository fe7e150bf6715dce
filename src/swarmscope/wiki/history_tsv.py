"""Wikimedia's analytics ``mediawiki_history`` dumps: denormalised edit history as TSV.

Implements the public dump format documented at
https://wikitech.wikimedia.org/wiki/Data_Platform/Data_Lake/Edits/MediaWiki_history_dumps
(files ``<snapshot>.<wiki>.<period>.tsv.bz2`` under dumps.wikimedia.org/other/mediawiki_history):
no header, one event per line, the 70 tab-separated fields of :data:`COLUMNS` in that order, an
empty field for NULL, ``true``/``false`` booleans, arrays as comma-separated values, timestamps
``YYYY-MM-DD HH:MM:SS.0`` in UTC, titles with underscores. Backslash escapes (``\\t``,
``\\n``, ``\\\\``) in text fields are decoded.

Only revision events (``event_entity = revision``) become actions; user and page events (renames,
blocks, moves, deletions) are skipped: they are not edits. Field mapping (conventions of
:mod:`swarmscope.wiki.revision`):

- ``account``: ``event_user_text`` (the name *today*, after renames, so it joins with live API
  data), ``extra.user_text_historical`` the name at the time; ``account_id``: ``event_user_id``;
- ``title``: ``page_title`` (today's title, underscores as spaces), ``extra.title_historical``;
- ``kind``: ``revert`` when Wikimedia flags an identity revert (``revision_is_identity_revert``)
  or a revert tag is present; ``extra.identity_reverted`` and
  ``extra.identity_reverted_by`` carry Wikimedia's own reverted status;
- ``revision_deleted_parts`` (``text``, ``comment``, ``user``) and
  ``revision_deleted_parts_are_suppressed`` set the hidden flags and ``extra.suppressed``;
- ``extra.user_is_bot_by``: Wikimedia's bot classification (``group``, ``name``).

A line with another number of fields is rejected with its line number (a dump of a newer
schema with added columns is reported, never misread).

Example::

    >>> import swarmscope, tempfile, pathlib
    >>> case = swarmscope.Case.init(pathlib.Path(tempfile.mkdtemp()) / "case")
    >>> _ = swarmscope.ingest(case, ["2024-06.simplewiki.2010.tsv.bz2"],
    ...                       format="mediawiki-history")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..sources.base import ReadContext, Source
from ..sources.compression import open_input
from .revision import RevisionRows, canonical_name, normalize_sha1, platform_for

#: The dump's fields, in file order.
COLUMNS: tuple[str, ...] = (
    "wiki_db", "event_entity", "event_type", "event_timestamp", "event_comment",
    "event_user_id", "event_user_text_historical", "event_user_text",
    "event_user_blocks_historical", "event_user_blocks", "event_user_groups_historical",
    "event_user_groups", "event_user_is_bot_by_historical", "event_user_is_bot_by",
    "event_user_is_created_by_self", "event_user_is_created_by_system",
    "event_user_is_created_by_peer", "event_user_is_anonymous",
    "event_user_registration_timestamp", "event_user_creation_timestamp",
    "event_user_first_edit_timestamp", "event_user_revision_count",
    "event_user_seconds_since_previous_revision",
    "page_id", "page_title_historical", "page_title", "page_namespace_historical",
    "page_namespace_is_content_historical", "page_namespace", "page_namespace_is_content",
    "page_is_redirect", "page_is_deleted", "page_creation_timestamp",
    "page_first_edit_timestamp", "page_revision_count", "page_seconds_since_previous_revision",
    "user_id", "user_text_historical", "user_text", "user_blocks_historical", "user_blocks",
    "user_groups_historical", "user_groups", "user_is_bot_by_historical", "user_is_bot_by",
    "user_is_created_by_self", "user_is_created_by_system", "user_is_created_by_peer",
    "user_is_anonymous", "user_registration_timestamp", "user_creation_timestamp",
    "user_first_edit_timestamp",
    "revision_id", "revision_parent_id", "revision_minor_edit", "revision_deleted_parts",
    "revision_deleted_parts_are_suppressed", "revision_text_bytes", "revision_text_bytes_diff",
    "revision_text_sha1", "revision_content_model", "revision_content_format",
    "revision_is_deleted_by_page_deletion", "revision_deleted_by_page_deletion_timestamp",
    "revision_is_identity_reverted", "revision_first_identity_reverting_revision_id",
    "revision_seconds_to_identity_revert", "revision_is_identity_revert",
    "revision_is_from_before_page_creation", "revision_tags",
)
_I = {name: i for i, name in enumerate(COLUMNS)}
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def _text(raw: bytes) -> str | None:
    if not raw:
        return None
    s = raw.decode("utf-8", "replace")
    if "\\" not in s:
        return s
    out = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s) and s[i + 1] in _ESCAPES:
            out.append(_ESCAPES[s[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _array(raw: bytes) -> list[str]:
    s = _text(raw)
    if not s:
        return []
    s = s.strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1]
    return [x.strip() for x in s.split(",") if x.strip()]


def _true(raw: bytes) -> bool:
    return raw == b"true"


def _int(raw: bytes) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


class MediaWikiHistorySource(Source):
    """Revision events of a ``mediawiki_history`` TSV dump."""

    name = "mediawiki-history"
    platform = "wikipedia"
    description = "Wikimedia analytics mediawiki_history TSV dump (revision events)"
    extensions = (".tsv",)

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        first = head.split(b"\n", 1)[0].rstrip(b"\r").split(b"\t")
        return len(first) == len(COLUMNS) and first[1] in (b"revision", b"user", b"page",
                                                             b"event_entity")

    def field_label(self, column: str) -> str:
        return {"action_id": "revision_id", "ts": "event_timestamp",
                "account": "event_user_text", "title": "page_title"}.get(column, column)

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        stream, counter = open_input(ctx.path)
        try:
            yield from self._read(ctx, stream, counter)
        finally:
            stream.close()

    def _read(self, ctx: ReadContext, stream: Any, counter: Any) -> Iterator[pa.RecordBatch]:
        forced = platform_for(self.options.platform) if self.options.platform else None
        platforms: dict[bytes, str] = {}
        rows = RevisionRows()
        n_cols = len(COLUMNS)
        for lineno, line in enumerate(stream, start=1):
            line = line.rstrip(b"\r\n")
            if not line:
                continue
            f = line.split(b"\t")
            if len(f) != n_cols:
                ctx.reject(lineno, None, f"expected {n_cols} tab-separated fields (the "
                           f"mediawiki_history schema), found {len(f)}",
                           line[:200].decode("utf-8", "replace"), line=lineno)
                continue
            if lineno == 1 and f[0] == b"wiki_db":
                continue  # a header some tools add
            if f[1] != b"revision":
                continue
            self._revision(ctx, rows, lineno, f, forced, platforms)
            if rows.full:
                ctx.progress(counter.consumed)
                yield rows.flush()
        if len(rows):
            ctx.progress(counter.consumed)
            yield rows.flush()

    def _revision(self, ctx: ReadContext, rows: RevisionRows, lineno: int, f: list[bytes],
                  forced: str | None, platforms: dict[bytes, str]) -> None:
        revid = f[_I["revision_id"]]
        if not revid.isdigit():
            ctx.reject(lineno, "revision_id", "missing or non-numeric revision id",
                       revid.decode("utf-8", "replace"), line=lineno)
            return
        ts = _text(f[_I["event_timestamp"]])
        if not ts:
            ctx.reject(lineno, "event_timestamp", "missing timestamp", line=lineno)
            return
        deleted = set(_array(f[_I["revision_deleted_parts"]]))
        user_hidden = "user" in deleted
        user = _text(f[_I["event_user_text"]]) or _text(f[_I["event_user_text_historical"]])
        if not user_hidden and not user:
            ctx.reject(lineno, "event_user_text", "missing user (and not a deleted user)",
                       line=lineno)
            return
        title = _text(f[_I["page_title"]]) or _text(f[_I["page_title_historical"]])
        if not title:
            ctx.reject(lineno, "page_title", "missing page title", line=lineno)
            return
        raw_sha1 = _text(f[_I["revision_text_sha1"]])
        try:
            sha1 = None if "text" in deleted else normalize_sha1(raw_sha1)
        except ValueError:
            ctx.reject(lineno, "revision_text_sha1", "not a SHA-1 (base 36 or hex)", raw_sha1,
                       line=lineno)
            return
        db = f[_I["wiki_db"]]
        platform = forced
        if platform is None:
            platform = platforms.get(db)
            if platform is None:
                platform = platforms[db] = platform_for(db.decode("utf-8", "replace"))
        tags = _array(f[_I["revision_tags"]])
        historical_title = _text(f[_I["page_title_historical"]])
        historical_user = _text(f[_I["event_user_text_historical"]])
        more: dict[str, Any] = {
            "identity_reverted": _true(f[_I["revision_is_identity_reverted"]]),
        }
        reverting = _int(f[_I["revision_first_identity_reverting_revision_id"]])
        if reverting:
            more["identity_reverted_by"] = reverting
        if historical_title and canonical_name(historical_title) != canonical_name(title):
            more["title_historical"] = canonical_name(historical_title)
        if historical_user and historical_user != user and not user_hidden:
            more["user_text_historical"] = historical_user
        bot_by = _array(f[_I["event_user_is_bot_by_historical"]])
        if bot_by:
            more["user_is_bot_by"] = bot_by
        size_diff = _int(f[_I["revision_text_bytes_diff"]])
        if size_diff is not None:
            more["sizediff"] = size_diff
        if _true(f[_I["revision_is_deleted_by_page_deletion"]]):
            more["deleted_by_page_deletion"] = True
        # "2001-01-15 19:08:37.0" is UTC: say so, whatever --tz the user gave other files.
        ts = ts.replace(" ", "T", 1)
        if not ts.endswith("Z"):
            ts += "Z"
        rows.add(lineno, platform, revid.decode(), ts, user=user,
                 user_id=_int(f[_I["event_user_id"]]), user_hidden=user_hidden,
                 anon=_true(f[_I["event_user_is_anonymous"]]),
                 page_id=_int(f[_I["page_id"]]),
                 ns=_int(f[_I["page_namespace_historical"]]),
                 title=canonical_name(title),
                 parent_id=_int(f[_I["revision_parent_id"]]),
                 comment=_text(f[_I["event_comment"]]) or "",
                 comment_hidden="comment" in deleted, sha1=sha1,
                 size=_int(f[_I["revision_text_bytes"]]),
                 minor=_true(f[_I["revision_minor_edit"]]), tags=tags,
                 text_hidden="text" in deleted,
                 suppressed=_true(f[_I["revision_deleted_parts_are_suppressed"]]),
                 revert=_true(f[_I["revision_is_identity_revert"]]), more=more)

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        return {r: r for r in records}  # record n is line n
