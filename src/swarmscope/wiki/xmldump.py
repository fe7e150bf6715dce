"""MediaWiki XML export files: stub-meta-history and pages-meta-history dumps, Special:Export.

Implements the XML export format of https://www.mediawiki.org/xml/export-0.11.xsd and its
predecessors 0.3 to 0.10 (any namespace URI, ``http`` or ``https``), compressed or not (plain,
gzip, bzip2, xz, zstandard, 7z: :func:`swarmscope.sources.compression.open_input`). One action
per ``<revision>`` (see :mod:`swarmscope.wiki.revision` for the field conventions):

- ``<page>``: ``<title>``, ``<ns>`` (0.6+), ``<id>``; ``<revision>``: ``<id>``, ``<parentid>``
  (0.7+), ``<timestamp>``, ``<contributor>`` (``<username>`` + ``<id>``, or ``<ip>``),
  ``<minor/>``, ``<comment>``, ``<text>``, ``<sha1>`` (0.6+, base 36);
- ``deleted="deleted"`` on ``<contributor>``, ``<comment>`` or ``<text>`` (revision deletion
  or suppression; dumps do not tell the two apart) sets ``extra.user_hidden`` (account
  ``(hidden)``), ``extra.comment_hidden`` (``text`` NULL) or ``extra.text_hidden``;
- revision text, when the dump has it (pages-meta-history), is not stored: it gives the cited
  URLs (``urls``, :mod:`swarmscope.wiki.citations`), the size and, when ``<sha1>`` is absent
  (schema < 0.6), the checksum; stub dumps give the size in ``<text bytes="...">``;
- the platform comes from ``<siteinfo><base>`` (``--platform`` overrides it).

Parsing streams with ``lxml.etree.iterparse`` and frees each revision once read, so memory stays
bounded whatever the dump size (``benchmarks/wiki_dump.py``). Entities are not resolved and
nothing is fetched from the network: dumps are untrusted input.

Example::

    >>> import swarmscope, tempfile, pathlib
    >>> case = swarmscope.Case.init(pathlib.Path(tempfile.mkdtemp()) / "case")
    >>> r = swarmscope.ingest(case, ["article-pyrus.xml.bz2"], format="mediawiki-xml")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from lxml import etree

from ..errors import IngestError
from ..sources.base import ReadContext, Source
from ..sources.compression import open_input
from .citations import cited_urls
from .revision import RevisionRows, normalize_sha1, platform_for, text_sha1

_TAGS = ("{*}siteinfo", "{*}page", "{*}revision")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _open_parser(stream: Any) -> etree.iterparse:
    # Hostile input: no entity expansion, no DTD, no network; huge_tree for multi-MB pages.
    return etree.iterparse(stream, events=("end",), tag=_TAGS, resolve_entities=False,
                           load_dtd=False, no_network=True, huge_tree=True)


class _Names:
    """Fully qualified tag names of one export namespace (compared as plain strings: fast)."""

    def __init__(self, tag: str) -> None:
        ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
        for local in ("id", "parentid", "timestamp", "contributor", "username", "ip", "minor",
                      "comment", "text", "sha1", "title", "ns", "revision", "base", "dbname",
                      "page"):
            setattr(self, local, ns + local)
        self.prefix = ns


class MediaWikiXmlSource(Source):
    """Revisions of a MediaWiki XML export or dump."""

    name = "mediawiki-xml"
    platform = "wikipedia"
    description = ("MediaWiki XML export/dump (stub- or pages-meta-history, schema 0.3-0.11; "
                   "any compression)")
    extensions = (".xml",)

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        start = head[:8192]
        return b"<mediawiki" in start and b"mediawiki.org/xml/export-" in start

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        stream, counter = open_input(ctx.path)
        try:
            yield from self._read(ctx, stream, counter)
        except etree.XMLSyntaxError as exc:
            raise IngestError(ctx.display_name, None, None, f"malformed XML: {exc.msg}",
                              line=exc.lineno) from exc
        except (EOFError, OSError) as exc:
            raise IngestError(ctx.display_name, None, None,
                              f"truncated or corrupt file: {exc}") from exc
        finally:
            stream.close()

    def _read(self, ctx: ReadContext, stream: Any, counter: Any) -> Iterator[pa.RecordBatch]:
        platform = platform_for(self.options.platform) if self.options.platform else None
        namespaces: dict[str, int] = {}
        rows = RevisionRows()
        names: _Names | None = None
        page: Any = None
        page_id = ns = title = None
        record = 0
        for _event, el in _open_parser(stream):
            if names is None:
                names = _Names(el.tag)
            tag = el.tag
            if tag == names.revision:
                record += 1
                if el.getparent() is not page:
                    page = el.getparent()
                    page_id, ns, title = _page_fields(page, names)
                    if ns is None and title is not None:
                        ns = _namespace_of(title, namespaces)
                self._revision(ctx, rows, names, el, record, platform or "wikipedia",
                               page_id, ns, title)
                el.clear()
                # Free what was read: the page's header and earlier revisions.
                while el.getprevious() is not None:
                    del page[0]
                if rows.full:
                    ctx.progress(counter.consumed)
                    yield rows.flush()
            elif tag == names.page:
                el.clear()
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
                page = None
            else:  # siteinfo
                if platform is None:
                    base = el.findtext(names.base)
                    dbname = el.findtext(names.dbname)
                    platform = platform_for(base or dbname) if (base or dbname) else None
                for item in el.iter(names.prefix + "namespace"):
                    key = _int_or_none(item.get("key"))
                    if key is not None and item.text:
                        namespaces[item.text] = key
                el.clear()
        if len(rows):
            ctx.progress(counter.consumed)
            yield rows.flush()

    def _revision(self, ctx: ReadContext, rows: RevisionRows, n: _Names, rev: Any,
                  record: int, platform: str, page_id: Any, ns: Any, title: str | None) -> None:
        revid = parent = ts = user = user_id = comment = sha1 = size = text = None
        user_hidden = comment_hidden = text_hidden = minor = has_text = False
        anon = contributor_seen = False
        for child in rev:
            tag = child.tag
            if tag == n.id:
                revid = child.text
            elif tag == n.timestamp:
                ts = child.text
            elif tag == n.contributor:
                contributor_seen = True
                if child.get("deleted") is not None:
                    user_hidden = True
                for c in child:
                    ctag = c.tag
                    if ctag == n.username:
                        user = c.text
                    elif ctag == n.id:
                        user_id = c.text
                    elif ctag == n.ip:
                        user = c.text
                        anon = True
            elif tag == n.comment:
                if child.get("deleted") is not None:
                    comment_hidden = True
                else:
                    comment = child.text or ""
            elif tag == n.text:
                if child.get("deleted") is not None:
                    text_hidden = True
                else:
                    size = child.get("bytes")
                    text = child.text
                    # Stubs carry a reference (id/location) instead of the text; an empty
                    # revision in a full dump is an empty element without one.
                    has_text = text is not None or (
                        child.get("id") is None and child.get("location") is None
                        and (child.get(_XML_SPACE) is not None or size == "0"))
            elif tag == n.sha1:
                sha1 = child.text
            elif tag == n.parentid:
                parent = child.text
            elif tag == n.minor:
                minor = True
        line = rev.sourceline
        if revid is None or not revid.strip().isdigit():
            ctx.reject(record, "revision/id", "missing or non-numeric revision id", revid,
                       line=line)
            return
        if not ts or not ts.strip():
            ctx.reject(record, "revision/timestamp", "missing timestamp", ts, line=line)
            return
        if title is None:
            ctx.reject(record, "page/title", "revision outside a page with a title", line=line)
            return
        if not user_hidden and (user is None or not user.strip()):
            why = ("missing contributor" if not contributor_seen
                   else "contributor has neither username nor ip and is not marked deleted")
            ctx.reject(record, "revision/contributor", why, line=line)
            return
        try:
            sha1 = normalize_sha1(sha1)
        except ValueError:
            ctx.reject(record, "revision/sha1", "not a SHA-1 (base 36 or hex)", sha1, line=line)
            return
        urls = None
        if has_text:
            body = text or ""
            if sha1 is None:
                sha1 = text_sha1(body)
            if size is None:
                size = len(body.encode("utf-8"))
            urls = cited_urls(body)
        if size is not None:
            try:
                size = int(size)
            except ValueError:
                ctx.reject(record, "revision/text@bytes", "not an integer", size, line=line)
                return
        rows.add(record, platform, revid.strip(), ts.strip(), user=user, user_id=user_id,
                 user_hidden=user_hidden, anon=anon, page_id=page_id, ns=ns, title=title,
                 parent_id=parent, comment=comment, comment_hidden=comment_hidden, sha1=sha1,
                 size=size, minor=minor, text_hidden=text_hidden, urls=urls,
                 has_text=has_text)

    def field_label(self, column: str) -> str:
        return {"action_id": "revision/id", "ts": "revision/timestamp",
                "account": "revision/contributor", "title": "page/title"}.get(column, column)

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        wanted = set(records)
        out: dict[int, int] = {}
        if not wanted:
            return out
        stream, _ = open_input(ctx.path)
        try:
            record = 0
            for _event, el in etree.iterparse(stream, events=("end",), tag="{*}revision",
                                              resolve_entities=False, no_network=True,
                                              huge_tree=True):
                record += 1
                if record in wanted:
                    out[record] = el.sourceline
                    if len(out) == len(wanted):
                        break
                el.clear()
        except etree.XMLSyntaxError:
            pass
        finally:
            stream.close()
        return out


def _page_fields(page: Any, n: _Names) -> tuple[int | None, int | None, str | None]:
    page_id = ns = title = None
    for child in page:
        tag = child.tag
        if tag == n.title:
            title = child.text
        elif tag == n.id:
            page_id = _int_or_none(child.text)
        elif tag == n.ns:
            ns = _int_or_none(child.text)
        elif tag == n.revision:
            break
    return page_id, ns, title


def _namespace_of(title: str, namespaces: dict[str, int]) -> int:
    """Namespace number from a title prefix (schemas before 0.6 have no ``<ns>``)."""
    prefix, sep, _ = title.partition(":")
    if sep and prefix in namespaces:
        return namespaces[prefix]
    return 0


def _int_or_none(v: str | None) -> int | None:
    try:
        return int(v) if v is not None else None
    except ValueError:
        return None
