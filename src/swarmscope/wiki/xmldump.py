"""MediaWiki XML export files: stub-meta-history and pages-meta-history dumps, Special:Export.

Implements the XML export format of https://www.mediawiki.org/xml/export-0.11.xsd and its
predecessors 0.3 to 0.10 (any namespace URI, ``http`` or ``https``), compressed or not (plain,
gzip, bzip2, xz, zstandard, 7z: :func:`swarmscope.sources.compression.open_input`). One action
per ``<revision>`` (see :mod:`swarmscope.wiki.revision` for the field conventions):

- ``<page>``: ``<title>``, ``<ns>`` (0.6+; before that the namespace comes from the title
  prefix and ``<siteinfo><namespaces>``), ``<id>``; ``<revision>``: ``<id>``, ``<parentid>``
  (0.7+), ``<timestamp>``, ``<contributor>`` (``<username>`` + ``<id>``, or ``<ip>``),
  ``<minor/>``, ``<comment>``, ``<text>``, ``<sha1>`` (0.6+, base 36);
- ``deleted="deleted"`` on ``<contributor>``, ``<comment>`` or ``<text>`` (revision deletion
  or suppression; dumps do not tell the two apart) sets ``extra.user_hidden`` (account
  ``(hidden):<revision id>``), ``extra.comment_hidden`` (``text`` NULL) or ``extra.text_hidden``;
- revision text, when the dump has it (pages-meta-history), is not stored: it gives the cited
  URLs (``urls``, :mod:`swarmscope.wiki.citations`), the size and, when ``<sha1>`` is absent
  (schema < 0.6), the checksum; stub dumps give the size in ``<text bytes="...">``;
- the platform comes from ``<siteinfo><base>`` (``--platform`` overrides it).

**How it parses.** Dumps are huge (English Wikipedia's stub-meta-history holds over a billion
revisions), so the common case takes a fast path: a streaming scanner cuts the file into
``<revision>...</revision>`` pieces (memory stays bounded by the largest revision, even for a
page with a multi-gigabyte history) and reads each piece with a strict regular grammar of the
markup MediaWiki's dump writer emits. The grammar comes in two widths. The narrow one accepts
only revisions that need no decision of their own (stub revisions with well-formed names,
timestamps and checksums, the five XML entities); a match is kept as its tuple of groups and
the batch's columns, the ``extra`` JSON included, are built from them with Arrow and numpy, so
Python does little more per revision than run the match. The wide one reads the rest (text to
scan for URLs, character references, CRs, odd checksums...) field by field. A piece neither
matches exactly (comments, CDATA, unknown entities, unusual attribute order...) is parsed with
``lxml``, as are page headers and ``<siteinfo>``. Files with a DOCTYPE, a namespace prefix on
the root or an encoding other than UTF-8 are read entirely with ``lxml.etree.iterparse``,
freeing each revision once read. Both paths yield identical rows (tested on every sample);
neither resolves entities or touches the network: dumps are untrusted input. Speed:
``benchmarks/wiki_dump.py``.

Example::

    >>> import swarmscope, tempfile, pathlib
    >>> case = swarmscope.Case.init(pathlib.Path(tempfile.mkdtemp()) / "case")
    >>> r = swarmscope.ingest(case, ["article-pyrus.xml.bz2"], format="mediawiki-xml")  # doctest: +SKIP
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from ..errors import IngestError
from ..schema import SOURCE_COLUMNS
from ..sources.base import BATCH_ROWS, ReadContext, Source
from ..sources.compression import open_input
from .citations import cited_urls
from .revision import (
    HIDDEN_USER_PREFIX,
    RevisionRows,
    normalize_sha1,
    platform_for,
    text_sha1,
)

_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_BLOCK = 1 << 20


class _Fields(NamedTuple):
    """What one ``<revision>`` says, before validation (both parsing paths produce this)."""

    revid: str | None
    parent: str | None
    ts: str | None
    user: str | None
    user_id: str | None
    anon: bool
    user_hidden: bool
    contributor_seen: bool
    comment: str | None
    comment_hidden: bool
    minor: bool
    text: str | None
    has_text: bool
    text_hidden: bool
    size: str | None
    sha1: str | None


class _Page(NamedTuple):
    page_id: int | None
    ns: int | None
    title: str | None


# ---------------------------------------------------------------------------- lxml path
def _xml_parser() -> etree.XMLParser:
    # Hostile input: no entity expansion, no DTD, no network; huge_tree for multi-MB pages.
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True,
                           huge_tree=True, remove_blank_text=True)


class _Names:
    """Fully qualified tag names of one export namespace (compared as plain strings: fast)."""

    def __init__(self, ns: str) -> None:
        self.prefix = ns
        for local in ("id", "parentid", "timestamp", "contributor", "username", "ip", "minor",
                      "comment", "text", "sha1", "title", "ns", "revision", "base", "dbname",
                      "page", "namespace"):
            setattr(self, local, ns + local)

    @classmethod
    def of(cls, tag: str) -> _Names:
        return cls(tag[: tag.index("}") + 1] if tag.startswith("{") else "")


def _element_fields(rev: Any, n: _Names) -> _Fields:
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
    return _Fields(revid, parent, ts, user, user_id, anon, user_hidden, contributor_seen,
                   comment, comment_hidden, minor, text, has_text, text_hidden, size, sha1)


def _page_fields(page: Any, n: _Names) -> _Page:
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
    return _Page(page_id, ns, title)


def _site_fields(el: Any, n: _Names) -> tuple[str | None, dict[str, int]]:
    base = el.findtext(n.base)
    dbname = el.findtext(n.dbname)
    namespaces = {}
    for item in el.iter(n.namespace):
        key = _int_or_none(item.get("key"))
        if key is not None and item.text:
            namespaces[item.text] = key
    return (base or dbname), namespaces


# ---------------------------------------------------------------------------- fast path
# The markup MediaWiki's XmlDumpWriter emits for a revision, schemas 0.3 to 0.11.
_REVISION = re.compile(rb"""
    <revision>\s*
    <id>(?P<id>\d+)</id>\s*
    (?:<parentid>(?P<parent>\d+)</parentid>\s*)?
    <timestamp>(?P<ts>[^<]*)</timestamp>\s*
    (?:<contributor>\s*
         (?:<username>(?P<user>[^<]*)</username>\s*(?:<id>(?P<uid>\d+)</id>\s*)?
           |<ip>(?P<ip>[^<]*)</ip>\s*)
       </contributor>
      |(?P<udel><contributor\s+deleted="deleted"\s*/>))\s*
    (?P<minor><minor\s*/>\s*)?
    (?:<comment>(?P<comment>[^<]*)</comment>\s*
      |(?P<cempty><comment\s*/>)\s*
      |(?P<cdel><comment\s+deleted="deleted"\s*/>)\s*)?
    (?:<origin>\d+</origin>\s*)?
    (?:<model>[^<]*</model>\s*)?
    (?:<format>[^<]*</format>\s*)?
    (?:<text(?P<tattrs>(?:\s+[a-z0-9:_-]+="[^"<]*")*)\s*(?:/>|>(?P<text>[^<]*)</text>)\s*)?
    (?:<content>(?:[^<]|<(?!/?content>|/?revision>))*</content>\s*)*
    (?:<sha1>(?P<sha1>[^<]*)</sha1>\s*|<sha1\s*/>\s*)?
    (?:<content>(?:[^<]|<(?!/?content>|/?revision>))*</content>\s*)*
    </revision>""", re.VERBOSE)


def _base36_at_most(bound: str) -> str:
    """A pattern for ``len(bound)`` lower-case base-36 digits whose value is at most ``bound``
    (the same length, so digit order is numeric order)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    alternatives = []
    for i, c in enumerate(bound):
        if c != "0":
            alternatives.append(f"{bound[:i]}[{digits[:digits.index(c)]}]"
                                f"[0-9a-z]{{{len(bound) - i - 1}}}")
    return "(?:" + "|".join(alternatives + [bound]) + ")"


# The revisions the fast route reads straight into columns: the same grammar as _REVISION
# (every match is also a _REVISION match with the same span), narrowed to what needs no
# decision per revision, so that a match is always a valid row. Anything else (an entity
# other than the five XML ones, a CR, revision text, a blank name, an odd checksum...) takes
# the general route. Flags are empty groups: present or None. Quantifiers are possessive
# (no backtracking into an element once it matched; the grammar never needs it): sre's
# backtracking stack then stays small, and it is reallocated for every match.
_ENT = r"&(?:lt|gt|amp|quot|apos);"
_TEXT = rf"[^<&\r]*+(?:{_ENT}[^<&\r]*+)*+"
# What str.strip() removes, in UTF-8, so that a name of only these is missing, as for lxml
# (but a CR, which XML turns into LF, takes the general route).
_SPACE = "|".join(sorted({"".join(f"\\x{b:02x}" for b in chr(c).encode())
                          for c in range(0x110000) if chr(c).isspace() and c != 13}))
_NAME = (rf"(?:[^<&\s\x1c-\x1f\x80-\xff]"  # the common case: starts with a visible ASCII
         rf"|(?:{_SPACE})*+(?!{_SPACE})(?:[^<&\r]|{_ENT})){_TEXT}")
_STRICT = re.compile(rf"""
    <revision>\s*+
    <id>(?P<id>\d++)</id>\s*+
    (?:<parentid>(?:0</parentid>(?P<new>)|(?P<parent>\d++)</parentid>)\s*+)?+
    <timestamp>(?P<ts>[0-9A-Za-z:.+-]+)</timestamp>\s*+
    (?:<contributor>\s*+
         (?:<username>(?P<user>{_NAME})</username>\s*+
            (?:<id>(?:0</id>|(?P<uid>\d++)</id>)\s*+)?+
           |<ip>(?P<ip>{_NAME})</ip>\s*+)
       </contributor>
      |<contributor\s+deleted="deleted"\s*+/>)\s*+
    (?:<minor\s*+/>(?P<minor>)\s*+)?+
    (?:<comment>(?P<comment>{_TEXT})</comment>\s*+
      |<comment\s*+/>(?P<cempty>)\s*+
      |<comment\s+deleted="deleted"\s*+/>(?P<cdel>)\s*+)?+
    (?:<origin>\d++</origin>\s*+)?+
    (?:<model>[^<]*+</model>\s*+)?+
    (?:<format>[^<]*+</format>\s*+)?+
    (?:<text(?:\s+(?:deleted="[^"<]*"(?P<tdel>)
                    |bytes="0*(?P<size>\d+)"
                    |(?:id|location)="[^"<]*"(?P<ref>)
                    |(?!(?:deleted|bytes|id|location)=)[a-z0-9:_-]+="[^"<]*"))*+
         (?(ref)|(?(tdel)|(?!)))  # a stub (text elsewhere) or deleted text: no text to read
         \s*+/>\s*+)?+
    (?:<content>(?:[^<]|<(?!/?content>|/?revision>))*</content>\s*+)*+
    (?:<sha1>(?P<sha1>{_base36_at_most("twj4yidkw7a8pn4g709kzmfoaol3x8f")}  # < 2**160
                      |[0-9a-z]{{1,30}})?</sha1>\s*+
      |<sha1\s*+/>\s*+)?+
    (?:<content>(?:[^<]|<(?!/?content>|/?revision>))*</content>\s*+)*+
    </revision>""".encode(), re.VERBOSE)
# Positions in m.groups(), by group name.
(_ID, _NEW, _PARENT, _TS, _USER, _UID, _IP, _MINOR, _COMMENT, _CEMPTY, _CDEL, _TDEL, _SIZE,
 _SHA1) = (_STRICT.groupindex[name] - 1 for name in (
    "id", "new", "parent", "ts", "user", "uid", "ip", "minor", "comment", "cempty", "cdel",
    "tdel", "size", "sha1"))
_ATTR = re.compile(rb'([a-z0-9:_-]+)="([^"]*)"')
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);")
_XML_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_MARK = re.compile(rb"<page>|<revision>|</page>|</mediawiki>")
_HEADER_END = re.compile(rb"<revision>|</page>")
_ROOT = re.compile(rb"<(\w+:)?mediawiki\b[^>]*>")
_DEFAULT_NS = re.compile(rb'\sxmlns="([^"]*)"')
_ENCODING = re.compile(rb"""<\?xml[^>]*encoding=["']([^"']+)["']""")


class _NotSimple(Exception):
    """A piece of the dump the fast grammar does not cover (parse it with lxml)."""


def _unescape(s: str) -> str:
    def entity(m: re.Match[str]) -> str:
        name = m.group(1)
        if name[0] == "#":
            return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
        if name not in _XML_ENTITIES:
            raise _NotSimple(name)  # undeclared entity: lxml reports the malformed XML
        return _XML_ENTITIES[name]

    return _ENTITY.sub(entity, s)


def _unescape_xml(raw: bytes) -> bytes:
    """Resolve the five XML entities (all a :data:`_STRICT` value can hold); ``&amp;`` last,
    so that ``&amp;lt;`` stays ``&lt;``."""
    return (raw.replace(b"&lt;", b"<").replace(b"&gt;", b">").replace(b"&quot;", b'"')
            .replace(b"&apos;", b"'").replace(b"&amp;", b"&"))


_TEXT_GROUPS = operator.itemgetter(_USER, _IP, _COMMENT)
_CHUNK_ROWS = 8192
# The groups of a _STRICT match as an Arrow struct (None: the group did not take part).
_GROUPS = pa.struct([(name, pa.binary())
                     for name in sorted(_STRICT.groupindex, key=_STRICT.groupindex.get)])


def _unescaped(g: tuple[Any, ...]) -> tuple[Any, ...]:
    """Match groups ``g`` of :data:`_STRICT` with entities resolved in names and comments."""
    out = list(g)
    for i in (_USER, _IP, _COMMENT):
        if out[i] is not None:
            out[i] = _unescape_xml(out[i])
    return tuple(out)


def _str(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    s = raw.decode("utf-8")
    if "&" in s:
        s = _unescape(s)
    if "\r" in s:  # XML parsers normalise line ends
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return s


def _groups_fields(g: tuple[Any, ...]) -> _Fields:
    """:class:`_Fields` from the groups of a :data:`_REVISION` match (the general route)."""
    (rid, parent, ts, user, uid, ip, udel, minor, comment, cempty, cdel, tattrs, text,
     sha1) = g
    text_hidden = has_text = False
    size = body = None
    if tattrs is not None:
        attrs = dict(_ATTR.findall(tattrs))
        if b"deleted" in attrs:
            text_hidden = True
        else:
            raw_size = attrs.get(b"bytes")
            size = raw_size.decode() if raw_size is not None else None
            body = _str(text)
            has_text = body is not None or (
                b"id" not in attrs and b"location" not in attrs
                and (b"xml:space" in attrs or size == "0"))
    comment_hidden = cdel is not None
    comment_s = None if comment_hidden else (_str(comment) if comment is not None
                                             else "" if cempty is not None else None)
    return _Fields(
        rid.decode(), None if parent is None else parent.decode(), _str(ts),
        _str(ip if ip is not None else user), None if uid is None else uid.decode(),
        ip is not None, udel is not None, True, comment_s, comment_hidden, minor is not None,
        body, has_text, text_hidden, size, _str(sha1))


# Hex digit pairs of each byte value, as the uint16 that holds them in memory order.
_HEX_PAIR = np.frombuffer(bytes(range(256)).hex().encode(), np.uint16)


def _sha1_json(sha1: pa.Array) -> pa.Array:
    """JSON of base-36 checksums (at most 31 digits, below 2**160): ``"<40 hex digits>"``, or
    ``null`` where absent. A column at a time with numpy: ``int(s, 36)`` and formatting cost
    ~0.7 µs a revision."""
    n = len(sha1)
    padded = pc.ascii_lpad(pc.fill_null(sha1.cast(pa.string()), ""), 31, "0")
    _, offsets, data = padded.buffers()
    start = int(np.frombuffer(offsets, np.int32)[padded.offset])
    chars = np.frombuffer(data, np.uint8)[start:start + 31 * n].reshape(n, 31)
    digits = chars - np.uint8(ord("0"))
    digits -= (chars > ord("9")).view(np.uint8) * np.uint8(ord("a") - ord("0") - 10)
    # Six digits at a time (36**6 < 2**32), then Horner's rule in base 36**6 on 32-bit limbs
    # (least significant first) held in uint64, so that limb * 36**6 + carry never overflows.
    sixes = np.ascontiguousarray(digits[:, 1:].reshape(n, 5, 6).transpose(2, 0, 1))
    chunk = sixes[0].astype(np.uint32)
    for j in range(1, 6):
        chunk *= np.uint32(36)
        chunk += sixes[j]
    chunks = chunk.astype(np.uint64)
    limbs = [digits[:, 0].astype(np.uint64)] + [np.zeros(n, np.uint64) for _ in range(4)]
    base, low, shift = np.uint64(36 ** 6), np.uint64(0xFFFFFFFF), np.uint64(32)
    for k in range(5):
        carry = chunks[:, k]
        for i in range(min(k + 2, 5)):  # the limbs the value can reach so far
            t = limbs[i] * base
            t += carry
            limbs[i] = t & low
            carry = t >> shift
    be = np.stack(limbs[::-1], axis=1).astype(">u4").view(np.uint8)  # 20 bytes, big-endian
    quoted = np.empty((n, 42), np.uint8)
    quoted[:, 0] = quoted[:, 41] = ord('"')
    quoted[:, 1:41] = np.take(_HEX_PAIR, be).view(np.uint8)
    offsets = np.arange(0, 42 * (n + 1), 42, dtype=np.int32)
    json = pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(quoted)])
    return pc.if_else(sha1.is_valid(), json, b"null")


class _FastRows:
    """Revisions matched by :data:`_STRICT`, kept as their match groups and turned into
    columns with Arrow, a batch at a time.

    Produces exactly what :class:`~swarmscope.wiki.revision.RevisionRows` would: the grammar
    has already settled every per-revision choice, so what is left is column arithmetic.
    Matches wait in :attr:`pending` until :meth:`settle` (called before anything else in the
    file is read, so errors come in file order) checks their text is UTF-8 and files them
    under their page.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[Any, ...]] = []
        self.reset()

    def reset(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self.chunks: list[pa.StructArray] = []  # earlier rows, as Arrow (less memory)
        self.record: list[int] = []
        self.pages: list[_Page] = []
        self.page_index: list[int] = []

    def __len__(self) -> int:
        return len(self.record)

    def settle(self, page: _Page, last_record: int) -> None:
        """File the pending matches, the revisions up to record ``last_record`` (consecutive:
        nothing else lies between them), under ``page``."""
        pending = self.pending
        if not pending:
            return
        # '<' never occurs in a value: joined with it, an invalid sequence stays invalid.
        joined = b"<".join(filter(None, chain.from_iterable(map(_TEXT_GROUPS, pending))))
        try:
            joined.decode("utf-8")
        except UnicodeDecodeError:
            self._raise_first_undecodable()
        if b"&" in joined:
            pending[:] = map(_unescaped, pending)
        n = len(pending)
        self.rows += pending
        if len(self.rows) >= _CHUNK_ROWS:
            self.chunks.append(pa.array(self.rows, type=_GROUPS))  # transposed in C++
            self.rows.clear()
        self.record += range(last_record - n + 1, last_record + 1)
        if not self.pages or self.pages[-1] is not page:
            self.pages.append(page)
        self.page_index += [len(self.pages) - 1] * n
        pending.clear()

    def _raise_first_undecodable(self) -> None:
        # The same error as decoding revision by revision, name before comment.
        for g in self.pending:
            for raw in (g[_IP] if g[_IP] is not None else g[_USER], g[_COMMENT]):
                if raw is not None:
                    raw.decode("utf-8")

    def flush(self, platform: str) -> pa.RecordBatch:
        n = len(self.record)
        b, s = pa.binary(), pa.string()
        groups = pa.concat_arrays([*self.chunks, pa.array(self.rows, type=_GROUPS)])
        self.chunks.clear()  # free what was copied before building the columns
        self.rows.clear()
        col = [groups.field(i) for i in range(groups.type.num_fields)]

        def flag(i: int, yes: bytes, no: bytes = b"") -> pa.Array:
            return pc.if_else(col[i].is_valid(), yes, no)

        name = pc.coalesce(col[_USER], col[_IP])
        pages = pa.array(self.page_index, pa.int32())
        page_head = pa.array([f'{{"page_id":{_json(p.page_id)},"ns":{_json(p.ns)},"sha1":'
                              for p in self.pages], s).cast(b).take(pages)
        size = pc.if_else(col[_TDEL].is_valid(), b"null", pc.fill_null(col[_SIZE], b"null"))
        extra = pc.binary_join_element_wise(
            page_head, _sha1_json(col[_SHA1]), b',"size":', size,
            flag(_MINOR, b',"minor":true,"tags":[],"anon":', b',"minor":false,"tags":[],"anon":'),
            flag(_IP, b"true", b"false"), flag(_NEW, b',"new":true'),
            pc.if_else(name.is_null(), b',"user_hidden":true', b""),
            flag(_CDEL, b',"comment_hidden":true'), flag(_TDEL, b',"text_hidden":true'), b"}",
            b"")
        empty = pa.array([[]] * n, type=pa.list_(s))
        cols = {
            "platform": pa.repeat(pa.scalar(platform, s), n),
            "action_id": col[_ID].cast(s),
            "account": pc.coalesce(name, pc.binary_join_element_wise(
                HIDDEN_USER_PREFIX.encode(), col[_ID], b"")).cast(s),
            "account_id": col[_UID].cast(s),
            "ts": col[_TS].cast(s),
            "kind": pa.repeat(pa.scalar("edit", s), n),
            "parent_id": col[_PARENT].cast(s),
            "repost_of": pa.nulls(n, type=s),
            "text": pc.if_else(col[_CEMPTY].is_valid(), b"", col[_COMMENT]).cast(s),
            "urls": empty, "hashtags": empty, "mentions": empty,
            "title": pa.array([p.title for p in self.pages], s).take(pages),
            "extra": extra.cast(s),
        }
        arrays = [cols[c] for c in SOURCE_COLUMNS] + [pa.array(self.record, type=pa.int64())]
        self.reset()
        return pa.RecordBatch.from_arrays(arrays, names=list(SOURCE_COLUMNS) + ["record"])


def _json(v: int | None) -> str:
    return "null" if v is None else str(v)


class _FastReader:
    """Reads regions of a dump buffer: :data:`_STRICT` matches take the fast route; what lies
    between them (page headers, ``</page>``, revisions that need the general route, the end
    tag) is read in order by :meth:`gap`."""

    def __init__(self, source: MediaWikiXmlSource, ctx: ReadContext, names: _Names,
                 ns: bytes | None) -> None:
        self.source = source
        self.ctx = ctx
        self.names = names
        self.ns_decl = b' xmlns="' + ns + b'"' if ns else b""
        self.fast = _FastRows()
        self.slow = RevisionRows()
        self.record = 0
        self.parser = _xml_parser()
        self.line_base = 1  # line number of the buffer's first byte
        self.closed = False
        self.page = _Page(None, None, None)

    def line(self, buf: bytearray, pos: int) -> Callable[[], int]:
        """The line of ``buf[pos]``, computed only if asked (for an error message)."""
        base = self.line_base
        return lambda: base + buf.count(b"\n", 0, pos)

    def _parse(self, xml: bytes, line: Callable[[], int]) -> Any:
        try:
            return etree.fromstring(xml, self.parser)
        except etree.XMLSyntaxError as exc:
            raise IngestError(self.ctx.display_name, None, None, f"malformed XML: {exc.msg}",
                              line=line() + (exc.lineno or 1) - 1) from exc

    def region(self, buf: bytearray, limit: int, eof: bool) -> None:
        pos = 0
        # Per match only this loop runs in Python; the columns are built at flush.
        keep = self.fast.pending.append
        record = self.record
        titled = self.page.title is not None
        for m in _STRICT.finditer(buf, 0, limit):
            start, end = m.span()
            # Between two revisions of a page there is only white space.
            if start != pos and (start - pos > 64 or not buf[pos:start].isspace()):
                self.record = record
                self.gap(buf, pos, start)
                record = self.record
                titled = self.page.title is not None
            record += 1
            if titled:
                keep(m.groups())
            else:  # rejected, by the general route's rules
                self.general(record, buf, start, end, _REVISION.match(buf, start, end))
            pos = end
        self.record = record
        if pos < limit:
            self.gap(buf, pos, limit)
        self.fast.settle(self.page, self.record)

    def general(self, record: int, buf: bytearray, start: int, end: int,
                m: re.Match[bytes] | None) -> None:
        """A revision that is not a :data:`_STRICT` match: the groups of its :data:`_REVISION`
        match if it has one, else ``lxml``."""
        line = self.line(buf, start)
        try:
            if m is None:
                raise _NotSimple
            fields = _groups_fields(m.groups())
        except (_NotSimple, UnicodeDecodeError, ValueError):
            el = self._parse(b"<revision" + self.ns_decl + bytes(buf[start + 9:end]), line)
            fields = _element_fields(el, self.names)
        self.source._emit(self.ctx, self.slow, record, line, self.page, fields)

    def gap(self, buf: bytearray, a: int, b: int) -> None:
        self.fast.settle(self.page, self.record)  # what came before is read first
        i = a
        while True:
            mk = _MARK.search(buf, i, b)
            if mk is None:
                return
            tag = mk.group()
            if tag == b"<revision>":
                start = mk.start()
                m = _REVISION.match(buf, start, b)
                if m is not None:
                    end = m.end()
                else:
                    end = buf.find(b"</revision>", mk.end(), b)
                    if end < 0:
                        raise EOFError("the file ends inside a <revision> (truncated?)")
                    end += len(b"</revision>")
                self.record += 1
                self.general(self.record, buf, start, end, m)
                i = end
            elif tag == b"<page>":
                hm = _HEADER_END.search(buf, mk.end(), b)
                end = hm.start() if hm is not None else b
                el = self._parse(b"<page" + self.ns_decl + b">" + bytes(buf[mk.end():end])
                                 + b"</page>", self.line(buf, mk.start()))
                self.page = self.source._state.page(_page_fields(el, self.names))
                i = end
            elif tag == b"</page>":
                self.page = _Page(None, None, None)
                i = mk.end()
            else:
                self.closed = True
                return

    def batches(self, final: bool) -> Iterator[pa.RecordBatch]:
        platform = self.source._state.platform or "wikipedia"
        if len(self.fast) >= BATCH_ROWS or (final and len(self.fast)):
            yield self.fast.flush(platform)
        if self.slow.full or (final and len(self.slow)):
            yield self.slow.flush()


# ---------------------------------------------------------------------------- the source
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

    def field_label(self, column: str) -> str:
        return {"action_id": "revision/id", "ts": "revision/timestamp",
                "account": "revision/contributor", "title": "page/title"}.get(column, column)

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        stream, counter = open_input(ctx.path)
        self._state = _State(platform_for(self.options.platform)
                             if self.options.platform else None)
        try:
            head = _read_head(stream)
            if _fast_path_possible(head):
                yield from self._read_fast(ctx, stream, counter, head)
            else:
                yield from self._read_lxml(ctx, _Prepended(head, stream), counter)
        except etree.XMLSyntaxError as exc:
            raise IngestError(ctx.display_name, None, None, f"malformed XML: {exc.msg}",
                              line=exc.lineno) from exc
        except EOFError as exc:
            raise IngestError(ctx.display_name, None, None,
                              f"malformed XML: {exc}") from exc
        except OSError as exc:
            raise IngestError(ctx.display_name, None, None,
                              f"truncated or corrupt file: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise IngestError(ctx.display_name, None, None,
                              f"malformed XML: not UTF-8 ({exc.reason})") from exc
        finally:
            stream.close()

    # ---------------------------------------------------------------- fast path
    def _read_fast(self, ctx: ReadContext, stream: Any, counter: Any,
                   head: bytes) -> Iterator[pa.RecordBatch]:
        root = _ROOT.search(head)
        assert root is not None
        ns_match = _DEFAULT_NS.search(root.group())
        names = _Names("{" + ns_match.group(1).decode() + "}" if ns_match else "")
        site_end = min(i for i in (head.find(b"<page>"), head.find(b"</mediawiki>"), len(head))
                       if i >= 0)
        if b"<siteinfo" in head[:site_end]:
            doc = etree.fromstring(head[:site_end] + b"</mediawiki>", _xml_parser())
            el = doc.find(names.prefix + "siteinfo")
            if el is not None:
                self._state.site(*_site_fields(el, names))
        reader = _FastReader(self, ctx, names, ns_match.group(1) if ns_match else None)
        buf = bytearray(head)
        eof = False
        while True:
            if eof:
                limit = len(buf)
            else:
                # Whole revisions (or whole pages) only: the rest waits for the next block.
                last = buf.rfind(b"</revision>")
                limit = last + len(b"</revision>") if last >= 0 else 0
                closed = buf.rfind(b"</page>")
                if closed >= 0:
                    limit = max(limit, closed + len(b"</page>"))
            reader.region(buf, limit, eof)
            for batch in reader.batches(final=eof):
                ctx.progress(counter.consumed)
                yield batch
            if eof:
                break
            reader.line_base += buf.count(b"\n", 0, limit)
            del buf[:limit]
            data = stream.read(_BLOCK)
            if data:
                buf += data
            else:
                eof = True
        if not reader.closed:
            raise EOFError("the file ends before </mediawiki> (truncated?)")

    # ---------------------------------------------------------------- lxml path
    def _read_lxml(self, ctx: ReadContext, stream: Any,
                   counter: Any) -> Iterator[pa.RecordBatch]:
        st = self._state
        rows = RevisionRows()
        names: _Names | None = None
        page_el: Any = None
        page = _Page(None, None, None)
        record = 0
        for _event, el in etree.iterparse(
                stream, events=("end",), tag=("{*}siteinfo", "{*}page", "{*}revision"),
                resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True,
                remove_blank_text=True):
            if names is None:
                names = _Names.of(el.tag)
            tag = el.tag
            if tag == names.revision:
                record += 1
                if el.getparent() is not page_el:
                    page_el = el.getparent()
                    page = st.page(_page_fields(page_el, names))
                self._emit(ctx, rows, record, el.sourceline, page, _element_fields(el, names))
                el.clear()
                # Free what was read: the page's header and earlier revisions.
                while el.getprevious() is not None:
                    del page_el[0]
                if rows.full:
                    ctx.progress(counter.consumed)
                    yield rows.flush()
            elif tag == names.page:
                el.clear()
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
                page_el = None
            else:
                st.site(*_site_fields(el, names))
                el.clear()
        if len(rows):
            ctx.progress(counter.consumed)
            yield rows.flush()

    # ---------------------------------------------------------------- both paths
    def _emit(self, ctx: ReadContext, rows: RevisionRows, record: int,
              where: int | Callable[[], int] | None, page: _Page, f: _Fields) -> None:
        revid, ts, user, size = f.revid, f.ts, f.user, f.size

        def reject(field: str, reason: str, value: Any = None) -> None:
            # Lines are counted only to report a problem.
            ctx.reject(record, field, reason, value, line=where() if callable(where) else where)

        if revid is None or not revid.strip().isdigit():
            reject("revision/id", "missing or non-numeric revision id", revid)
            return
        if not ts or not ts.strip():
            reject("revision/timestamp", "missing timestamp", ts)
            return
        if page.title is None:
            reject("page/title", "revision outside a page with a title")
            return
        if not f.user_hidden and (user is None or not user.strip()):
            why = ("missing contributor" if not f.contributor_seen
                   else "contributor has neither username nor ip and is not marked deleted")
            reject("revision/contributor", why)
            return
        try:
            sha1 = normalize_sha1(f.sha1)
        except ValueError:
            reject("revision/sha1", "not a SHA-1 (base 36 or hex)", f.sha1)
            return
        urls = None
        if f.has_text:
            body = f.text or ""
            if sha1 is None:
                sha1 = text_sha1(body)
            if size is None:
                size = str(len(body.encode("utf-8")))
            urls = cited_urls(body)
        n_size = None
        if size is not None:
            try:
                n_size = int(size)
            except ValueError:
                reject("revision/text@bytes", "not an integer", size)
                return
        rows.add(record, self._state.platform or "wikipedia", revid.strip(), ts.strip(),
                 user=user, user_id=f.user_id, user_hidden=f.user_hidden, anon=f.anon,
                 page_id=page.page_id, ns=page.ns, title=page.title, parent_id=f.parent,
                 comment=f.comment, comment_hidden=f.comment_hidden, sha1=sha1, size=n_size,
                 minor=f.minor, text_hidden=f.text_hidden, urls=urls, has_text=f.has_text)

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


class _State:
    """Per-file facts from ``<siteinfo>``: platform and namespace names."""

    def __init__(self, platform: str | None) -> None:
        self.platform = platform
        self.forced = platform is not None
        self.namespaces: dict[str, int] = {}

    def site(self, base: str | None, namespaces: dict[str, int]) -> None:
        if not self.forced and base:
            self.platform = platform_for(base)
        self.namespaces = namespaces

    def page(self, p: _Page) -> _Page:
        if p.ns is None and p.title is not None:
            return p._replace(ns=_namespace_of(p.title, self.namespaces))
        return p


class _Prepended:
    """A stream that first returns ``head``, then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: Any) -> None:
        self.head = head
        self.stream = stream

    def read(self, n: int = -1) -> bytes:
        if self.head:
            if n is None or n < 0:
                out, self.head = self.head + self.stream.read(), b""
                return out
            out, self.head = self.head[:n], self.head[n:]
            return out
        return self.stream.read(n)


def _read_head(stream: Any) -> bytes:
    """The start of the file up to the first ``<page>`` (at most a few MB), to choose a path."""
    head = b""
    while b"<page>" not in head and len(head) < 16 * _BLOCK:
        data = stream.read(_BLOCK)
        if not data:
            break
        head += data
    return head


def _fast_path_possible(head: bytes) -> bool:
    root = _ROOT.search(head[:65536])
    if root is None or root.group(1) is not None:
        return False  # no <mediawiki>, or a prefixed root: leave it to lxml
    if b"<!DOCTYPE" in head[: root.start()] or b"<!ENTITY" in head:
        return False
    enc = _ENCODING.search(head[: root.start()])
    return enc is None or enc.group(1).lower() in (b"utf-8", b"utf8")


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
