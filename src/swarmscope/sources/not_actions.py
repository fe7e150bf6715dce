"""Counting input records that are valid but are not actions, so none disappears silently.

Some formats carry records that are neither actions nor errors: Telegram service messages (joins,
pins), Bluesky deletes and identity events, follows and blocks. Adapters do not emit them, and do
not reject them either (``--on-error stop`` would then refuse every real export). Instead they
count them by what they are, and at the end of the file :meth:`NotActions.report` logs one
warning on the ``swarmscope.sources`` logger naming the file and each count. The CLI shows
warnings on standard error (Python's default handler); a library user sees them through
:mod:`logging` (``caplog`` in tests).

Example::

    >>> skipped = NotActions()
    >>> skipped.add("service messages (joins, pins...)")
    >>> skipped.add("service messages (joins, pins...)")
    >>> skipped.summary()
    '2 service messages (joins, pins...)'
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter

from .base import ReadContext

logger = logging.getLogger("swarmscope.sources")


class NotAnAction(Exception):
    """Raised by a record mapper for a valid record that is not an action; ``what`` names the
    kind of record, plural, as it appears in the count (``"delete commits"``)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class NotActions:
    """A counter of records that were read and deliberately not turned into actions.

    Labels may come from the data (a Bluesky collection name), so they are shown with control
    and formatting characters escaped (no terminal escape sequences, no bidi tricks), and at
    most ``max_kinds`` distinct labels are kept: later new labels count as ``other records``
    (a hostile file cannot grow the counter or the message without bound).
    """

    OTHER = "other records"

    def __init__(self, max_kinds: int = 50) -> None:
        self.counts: Counter[str] = Counter()
        self.max_kinds = max_kinds

    def add(self, what: str, n: int = 1) -> None:
        if what not in self.counts and len(self.counts) >= self.max_kinds:
            what = self.OTHER
        self.counts[what] += n

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        return "; ".join(f"{n:,} {printable(what)}" for what, n in self.counts.most_common())

    def report(self, ctx: ReadContext) -> None:
        """Log the counts of this file (nothing when every record was an action)."""
        if self.total:
            logger.warning("%s: %s records read are not actions and were not ingested: %s",
                           ctx.display_name, f"{self.total:,}", self.summary())


def printable(label: str, limit: int = 200) -> str:
    """``label`` safe for a terminal: control and format characters as ``\\uXXXX``, cut at
    ``limit`` characters."""
    if len(label) > limit:
        label = label[:limit] + "..."
    if label.isprintable():
        return label
    return "".join(c if c.isprintable() or unicodedata.category(c) == "Zs"
                   else f"\\u{ord(c):04x}" for c in label)
