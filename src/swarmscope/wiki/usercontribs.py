"""Revisions as the MediaWiki Action API returns them: ``list=usercontribs`` and
``prop=revisions`` records or whole responses, in JSON or JSON lines.

Implements the record shapes of https://www.mediawiki.org/wiki/API:Usercontribs and
https://www.mediawiki.org/wiki/API:Revisions, in both ``formatversion=1`` (flags as empty
strings, content under ``*``, ``pages`` keyed by id) and ``formatversion=2`` (booleans,
``slots.main.content``, ``pages`` as a list). Accepted files:

- a JSON array of records (``[{"userid": 1, "user": "X", "revid": 5, ...}, ...]``, as in
  ``/work/shared/data/wikipedia/usercontribs/``) or of API responses;
- one API response object (``{"query": {"usercontribs": [...]}}`` or
  ``{"query": {"pages": [{"title": ..., "revisions": [...]}]}}``);
- JSON lines, each line a response or a record. This is what ``swarmscope wiki pages/users``
  stores under ``CASE/wiki/raw/``: a first line ``{"swarmscope_collection": {"api": ...,
  "platform": ...}}`` names the wiki, then the API responses exactly as received.

Record *n* is the *n*-th revision in the file; for JSON lines, errors also give the line.
Hidden fields (``userhidden``, ``commenthidden``, ``sha1hidden``, ``texthidden``,
``suppressed``), anonymous editors (``anon``; ``userid`` 0) and temporary accounts (``temp``)
follow :mod:`swarmscope.wiki.revision`. When the revision content is present its cited URLs
fill ``urls`` (:mod:`swarmscope.wiki.citations`); the content itself is not stored.

The platform is ``--platform``, else the collection header's, else ``wikipedia``.

Example::

    >>> import swarmscope, tempfile, pathlib
    >>> case = swarmscope.Case.init(pathlib.Path(tempfile.mkdtemp()) / "case")
    >>> _ = swarmscope.ingest(case, ["Alvi49.json"], format="usercontribs")  # doctest: +SKIP
"""

from __future__ import annotations

import bisect
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from ..sources.base import ReadContext, Source
from ..sources.compression import open_input
from .citations import cited_urls
from .revision import RevisionRows, normalize_sha1, platform_for, text_sha1

#: Key of the first line of a collection file (see :mod:`swarmscope.wiki.collect`).
HEADER_KEY = "swarmscope_collection"

_FIELD_LABELS = {"action_id": "revid", "ts": "timestamp", "account": "user", "title": "title",
                 "parent_id": "parentid", "account_id": "userid"}


def _flag(rec: dict[str, Any], key: str) -> bool:
    # formatversion 1 marks a true flag by an empty string, formatversion 2 by true.
    v = rec.get(key)
    return v is not None and v is not False


class UserContribsSource(Source):
    """Revisions from MediaWiki API JSON (usercontribs or revisions; records or responses)."""

    name = "usercontribs"
    platform = "wikipedia"
    description = ("MediaWiki API JSON: list=usercontribs / prop=revisions records or responses "
                   "(array, object or JSON lines; what 'swarmscope wiki' collects)")
    extensions = (".json", ".jsonl")

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        start = head.lstrip()[:1]
        if start not in (b"[", b"{"):
            return False
        if HEADER_KEY.encode() in head[:512] or b'"usercontribs"' in head:
            return True
        if b'"query"' in head and b'"revisions"' in head and b'"revid"' in head:
            return True
        return all(k in head for k in (b'"revid"', b'"parentid"', b'"timestamp"', b'"user"'))

    def field_label(self, column: str) -> str:
        return _FIELD_LABELS.get(column, column)

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        self._lines: list[tuple[int, int]] = []  # (first record of a line, line number)
        stream, counter = open_input(ctx.path)
        if not isinstance(stream, io.BufferedIOBase | io.TextIOBase):
            # The zstandard reader (how collections are stored) has no readline().
            stream = io.BufferedReader(stream)
        try:
            yield from self._read(ctx, stream, counter)
        finally:
            stream.close()

    def _read(self, ctx: ReadContext, stream: Any, counter: Any) -> Iterator[pa.RecordBatch]:
        platform = platform_for(self.options.platform) if self.options.platform else None
        rows = RevisionRows()
        record = 0
        first = stream.readline()
        if not first.strip():
            # A leading blank line: find the first content to decide the layout.
            while first and not first.strip():
                first = stream.readline()
        if not first.strip():
            return
        documents: Iterator[tuple[int | None, Any]]
        try:
            obj = orjson.loads(first)
            line_mode = isinstance(obj, dict)
        except orjson.JSONDecodeError:
            obj, line_mode = None, False
        if line_mode:
            documents = self._lines_of(ctx, first, obj, stream)
        else:
            # A single (possibly pretty-printed) JSON document: arrays of records are small.
            data = first + stream.read()
            try:
                documents = iter([(None, orjson.loads(data))])
            except orjson.JSONDecodeError as exc:
                ctx.reject(None, None, f"invalid JSON: {exc}")
                return
        for line, doc in documents:
            if isinstance(doc, dict) and HEADER_KEY in doc:
                header = doc[HEADER_KEY]
                if platform is None and isinstance(header, dict) and header.get("platform"):
                    platform = platform_for(str(header["platform"]))
                continue
            if line is not None:
                self._lines.append((record + 1, line))
            for rec in _revision_records(doc):
                record += 1
                if isinstance(rec, _Problem):
                    ctx.reject(record, rec.field, rec.reason, line=line)
                    continue
                self._add(ctx, rows, record, line, rec, platform or "wikipedia")
                if rows.full:
                    ctx.progress(counter.consumed)
                    yield rows.flush()
        if len(rows):
            ctx.progress(counter.consumed)
            yield rows.flush()

    def _lines_of(self, ctx: ReadContext, first: bytes, obj: Any,
                  stream: Any) -> Iterator[tuple[int | None, Any]]:
        yield 1, obj
        for lineno, raw in enumerate(stream, start=2):
            if not raw.strip():
                continue
            try:
                yield lineno, orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                ctx.reject(None, None, f"invalid JSON: {exc}",
                           raw[:200].decode("utf-8", "replace"), line=lineno)

    def _add(self, ctx: ReadContext, rows: RevisionRows, record: int, line: int | None,
             rec: dict[str, Any], platform: str) -> None:
        revid = rec.get("revid")
        if isinstance(revid, bool) or not (
                isinstance(revid, int) or (isinstance(revid, str) and revid.isdigit())):
            ctx.reject(record, "revid", "missing or non-numeric revision id", revid, line=line)
            return
        ts = rec.get("timestamp")
        if not isinstance(ts, str) or not ts.strip():
            ctx.reject(record, "timestamp", "missing timestamp", ts, line=line)
            return
        user_hidden = _flag(rec, "userhidden")
        user = rec.get("user")
        if not user_hidden and (not isinstance(user, str) or not user.strip()):
            ctx.reject(record, "user", "missing user (and not marked userhidden)", user,
                       line=line)
            return
        title = rec.get("title")
        if not isinstance(title, str) or not title:
            ctx.reject(record, "title", "missing page title", title, line=line)
            return
        try:
            sha1 = None if _flag(rec, "sha1hidden") else normalize_sha1(rec.get("sha1"))
        except (ValueError, AttributeError):
            ctx.reject(record, "sha1", "not a SHA-1 (hex or base 36)", rec.get("sha1"),
                       line=line)
            return
        content, text_hidden = _content(rec)
        urls = None
        size = rec.get("size")
        if content is not None:
            urls = cited_urls(content)
            if sha1 is None and not _flag(rec, "sha1hidden"):
                sha1 = text_sha1(content)
            if size is None:
                size = len(content.encode("utf-8"))
        tags = rec.get("tags")
        if not isinstance(tags, list):
            tags = []
        more: dict[str, Any] = {}
        if "sizediff" in rec:
            more["sizediff"] = rec["sizediff"]
        if _flag(rec, "new"):
            more["new"] = True
        if _flag(rec, "temp"):
            more["temp"] = True
        comment = rec.get("comment")
        rows.add(record, platform, str(revid), ts.strip(), user=user, user_id=rec.get("userid"),
                 user_hidden=user_hidden,
                 anon=True if _flag(rec, "anon") else None if "anon" not in rec else False,
                 page_id=rec.get("pageid"), ns=rec.get("ns"), title=title,
                 parent_id=rec.get("parentid"),
                 comment=comment if isinstance(comment, str) else None,
                 comment_hidden=_flag(rec, "commenthidden"), sha1=sha1, size=size,
                 minor=_flag(rec, "minor"), tags=[str(t) for t in tags],
                 text_hidden=text_hidden, suppressed=_flag(rec, "suppressed"), urls=urls,
                 has_text=content is not None, more=more or None)

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        lines = getattr(self, "_lines", [])
        if not lines:
            return {}
        starts = [first for first, _ in lines]
        out = {}
        for r in records:
            i = bisect.bisect_right(starts, r) - 1
            if i >= 0:
                out[r] = lines[i][1]
        return out


def _content(rec: dict[str, Any]) -> tuple[str | None, bool]:
    """(revision text or None, text hidden?) across formatversions and slot layouts."""
    if _flag(rec, "texthidden"):
        return None, True
    slots = rec.get("slots")
    if isinstance(slots, dict) and isinstance(slots.get("main"), dict):
        main = slots["main"]
        if _flag(main, "texthidden"):
            return None, True
        for key in ("content", "*"):
            if isinstance(main.get(key), str):
                return main[key], False
        return None, False
    for key in ("content", "*"):
        if isinstance(rec.get(key), str):
            return rec[key], False
    return None, False


class _Problem:
    """A JSON element where a revision record was expected, and why it is not one."""

    def __init__(self, field: str | None, reason: str) -> None:
        self.field = field
        self.reason = reason


def _revision_records(doc: Any) -> Iterator[dict[str, Any] | _Problem]:
    """The revision records of one JSON document (a record, a response, or a list of either),
    with a :class:`_Problem` in place of each element that is not one."""
    if isinstance(doc, list):
        for item in doc:
            yield from _revision_records(item)
        return
    if not isinstance(doc, dict):
        yield _Problem(None, "expected a JSON object (a revision or an API response)")
        return
    if "revid" in doc:
        yield doc
        return
    if "error" in doc:
        err = doc["error"]
        info = err.get("info") if isinstance(err, dict) else err
        yield _Problem("error", f"the file holds an API error response: {info}")
        return
    query = doc.get("query")
    if not isinstance(query, dict):
        if doc.get("batchcomplete") is not None or "continue" in doc:
            return  # a response with no results
        yield _Problem(None, "not a revision record nor an API query response")
        return
    contribs = query.get("usercontribs")
    if isinstance(contribs, list):
        for c in contribs:
            yield c if isinstance(c, dict) else _Problem(None, "usercontribs item not an object")
    pages = query.get("pages")
    if isinstance(pages, dict):
        pages = list(pages.values())
    if isinstance(pages, list):
        for page in pages:
            if not isinstance(page, dict):
                continue
            info = {k: page[k] for k in ("pageid", "ns", "title") if k in page}
            for rev in page.get("revisions") or []:
                if isinstance(rev, dict):
                    yield {**info, **rev}
                else:
                    yield _Problem(None, "revisions item not an object")
