"""The WikiSocks CSV: revisions around one sockpuppet investigation, with a sockpuppet label.

Implements the format of the WikiSocks dataset (Raszewski, ACL 2025,
https://github.com/lraszewski/wiki-socks): one CSV per investigation, named
``Category_Wikipedia_sockpuppets_of_<master>.csv``, with the header
``timestamp,revid,parentid,sock,user,page,message``. ``sock`` is 1 for edits by confirmed
sockpuppets of the master, 0 for other editors of the same pages in the same period.

``sock`` is a **label**: :class:`WikiSocksSource` (``--format wikisocks``) ingests the
revisions and drops it, never copying it into the actions or ``extra``;
:func:`read_labels` turns it into rows of the ``labels`` table (:mod:`swarmscope.wiki.labels`):
``sock`` for an account with any ``sock = 1`` row, ``non_sock`` otherwise, grouped by the
master named in the file name. :func:`ingest_wikisocks` (``swarmscope wiki labels``) does both.

Sock names in WikiSocks are written with underscores (``Goat_boy_doyle``) where the other rows
and every other source use spaces; MediaWiki treats both as the same name, so ``account`` is the
spaced form and ``extra.user_as_given`` keeps the original when it differs. Rows have no page
id and no checksum: identity reverts need the page histories (``swarmscope wiki pages``).

Example::

    >>> import swarmscope, tempfile, pathlib
    >>> case = swarmscope.Case.init(pathlib.Path(tempfile.mkdtemp()) / "case")
    >>> report = ingest_wikisocks(case, ["Category_Wikipedia_sockpuppets_of_X.csv"])  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..case import Case
from ..errors import IngestError
from ..ingest import IngestReport, ingest
from ..sources.base import ReadContext, Source, SourceOptions
from ..sources.compression import open_input
from .labels import LABELS_SCHEMA, add_labels
from .revision import RevisionRows, canonical_name, platform_for

HEADER = ("timestamp", "revid", "parentid", "sock", "user", "page", "message")
_MASTER_RE = re.compile(r"sockpuppets_of_(.+?)(?:\.csv)?(?:\.(?:gz|bz2|xz|zst|7z))?$",
                        re.IGNORECASE)


def sockmaster_from_filename(path: str | Path) -> str | None:
    """The master of ``Category_Wikipedia_sockpuppets_of_<master>.csv``, if the name says."""
    m = _MASTER_RE.search(Path(path).name)
    return canonical_name(m.group(1)) if m else None


def _rows(ctx: ReadContext) -> Iterator[tuple[int, int, dict[str, str]]]:
    """(record, physical line, row) of the data rows; checks the header."""
    stream, counter = open_input(ctx.path)
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            return
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        missing = [c for c in HEADER if c not in header]
        if missing:
            raise IngestError(ctx.display_name, None, missing[0],
                              f"not a WikiSocks CSV: no column {missing[0]!r} "
                              f"(expected {', '.join(HEADER)})", line=1)
        start = reader.line_num + 1
        for record, values in enumerate(reader, start=1):
            line = start
            start = reader.line_num + 1
            if len(values) != len(header):
                ctx.reject(record, None, f"expected {len(header)} fields, found {len(values)}",
                           ",".join(values)[:200], line=line)
                continue
            yield record, line, dict(zip(header, values, strict=True))
            if record % 10_000 == 0:
                ctx.progress(counter.consumed)
    finally:
        stream.close()


class WikiSocksSource(Source):
    """Revisions of a WikiSocks CSV (the ``sock`` label column is not ingested)."""

    name = "wikisocks"
    platform = "wikipedia"
    description = ("WikiSocks CSV (timestamp, revid, parentid, sock, user, page, message); "
                   "the sock label goes to 'swarmscope wiki labels', never into actions")
    extensions = (".csv",)

    @classmethod
    def sniff(cls, head: bytes, path: Path) -> bool:
        first = head.split(b"\n", 1)[0].rstrip(b"\r").lstrip(b"\xef\xbb\xbf")
        return tuple(first.decode("utf-8", "replace").split(",")) == HEADER

    def field_label(self, column: str) -> str:
        return {"action_id": "revid", "ts": "timestamp", "account": "user", "title": "page",
                "parent_id": "parentid", "text": "message"}.get(column, column)

    def read(self, ctx: ReadContext) -> Iterator[pa.RecordBatch]:
        platform = platform_for(self.options.platform)
        rows = RevisionRows()
        for record, line, row in _rows(ctx):
            revid = row["revid"].strip()
            if not revid.isdigit():
                ctx.reject(record, "revid", "missing or non-numeric revision id", revid,
                           line=line)
                continue
            user = row["user"].strip()
            if not user:
                ctx.reject(record, "user", "missing user", line=line)
                continue
            page = row["page"]
            if not page.strip():
                ctx.reject(record, "page", "missing page title", line=line)
                continue
            parent = row["parentid"].strip()
            if parent and not parent.isdigit():
                ctx.reject(record, "parentid", "not a revision id", parent, line=line)
                continue
            account = canonical_name(user)
            more: dict[str, Any] = {k: v for k, v in row.items()
                                    if k not in HEADER and v != ""}
            if account != user:
                more["user_as_given"] = user
            rows.add(record, platform, revid, row["timestamp"], user=account,
                     title=canonical_name(page), parent_id=parent or None,
                     comment=row["message"], more=more or None)
            if rows.full:
                yield rows.flush()
        if len(rows):
            yield rows.flush()

    def locate_lines(self, ctx: ReadContext, records: list[int]) -> dict[int, int]:
        wanted = set(records)
        out: dict[int, int] = {}
        if not wanted:
            return out
        probe = ReadContext(ctx.path, ctx.display_name, ctx.options, on_error="skip")
        for record, line, _row in _rows(probe):
            if record in wanted:
                out[record] = line
                if len(out) == len(wanted):
                    break
        return out


def read_labels(path: str | Path, *, platform: str | None = None, group: str | None = None,
                on_error: str = "stop") -> pa.Table:
    """The ``labels`` rows of one WikiSocks file (one per account)."""
    path = Path(path)
    ctx = ReadContext(path, str(path), SourceOptions(), on_error=on_error)
    group = group or sockmaster_from_filename(path)
    plat = platform_for(platform)
    sock: dict[str, bool] = {}
    for record, line, row in _rows(ctx):
        value = row["sock"].strip()
        if value not in ("0", "1"):
            ctx.reject(record, "sock", "the sock label must be 0 or 1", value, line=line)
            continue
        user = row["user"].strip()
        if not user:
            continue
        account = canonical_name(user)
        sock[account] = sock.get(account, False) or value == "1"
    n = len(sock)
    return pa.table({
        "platform": [plat] * n, "account": list(sock),
        "label": ["sock" if s else "non_sock" for s in sock.values()],
        "group_name": [group] * n, "source": [f"wikisocks:{path.name}"] * n,
    }, schema=LABELS_SCHEMA)


@dataclass
class WikiSocksReport:
    """Actions ingested and labels added by :func:`ingest_wikisocks`."""

    ingest: IngestReport
    labels_added: int
    socks: int


def ingest_wikisocks(case: Case | str | Path, files: Iterable[str | Path], *,
                     platform: str | None = None, on_error: str = "stop") -> WikiSocksReport:
    """Ingest WikiSocks files: revisions into the actions (one transaction, through the ingest
    pipeline), then the labels into the ``labels`` table (a second transaction).

    Both steps are idempotent, so running it again after an interruption completes it.
    """
    case = case if isinstance(case, Case) else Case.open(case)
    paths = [Path(f) for f in files]
    report = ingest(case, paths, format="wikisocks", platform=platform, on_error=on_error)
    tables = [read_labels(p, platform=platform, on_error=on_error) for p in paths]
    labels = pa.concat_tables(tables) if tables else LABELS_SCHEMA.empty_table()
    socks = sum(1 for v in labels.column("label").to_pylist() if v == "sock")
    return WikiSocksReport(ingest=report, labels_added=add_labels(case, labels), socks=socks)
