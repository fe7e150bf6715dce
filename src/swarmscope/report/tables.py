"""Tables for the report: Arrow or rows in, display-ready cells out (strings, clipped).

Every cell is formatted here once, in Python, so the first page rendered by the template (for
readers without JavaScript and for printing) and the pages rendered by ``report.js`` show exactly
the same text. Cells are plain strings: escaping is the template's (Jinja2 autoescape) and the
browser's (``textContent``) job, never this module's. A cell may also be ``{"t": text, "a":
anchor}``, a link to a section of the report; anchors are made by :func:`anchor` from our own
identifiers, never from data.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
import pyarrow as pa

CELL_CHARS = 300
PAGE_ROWS = 20

_ANCHOR_OK = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def anchor(*parts: object) -> str:
    """An HTML id / URL fragment made of ``[A-Za-z0-9_-]`` only."""
    raw = "-".join(str(p) for p in parts)
    out = re.sub(r"[^A-Za-z0-9_-]+", "_", raw)[:80] or "x"
    assert _ANCHOR_OK.match(out)
    return out


# Characters that change how text around them is shown, or are invisible: bidirectional
# overrides and isolates (an account named "\u202eevil" displays as "live"), zero-width
# characters, line/paragraph separators and control characters. Shown as a visible code.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e"
                        "\u2060-\u206f\ufeff\ufff9-\ufffb]")


def visible(s: str) -> str:
    """``s`` with invisible and direction-changing characters written as ``⟨U+202E⟩``."""
    return _INVISIBLE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", s)


def clip(s: str, limit: int = CELL_CHARS) -> str:
    """``s`` cut to ``limit`` characters, saying how long it was."""
    if len(s) <= limit:
        return s
    return s[:limit] + f"… [{len(s):,} characters]"


def fmt_ts(v: dt.datetime) -> str:
    if v.tzinfo is not None:
        v = v.astimezone(dt.UTC)
    s = v.strftime("%Y-%m-%d %H:%M:%S")
    if v.microsecond:
        s += f".{v.microsecond:06d}".rstrip("0")
    return s + "Z"


def fmt_number(v: float) -> str:
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return format(v, ".4g")


def cell(v: Any, limit: int = CELL_CHARS) -> str:
    """One value as display text."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return fmt_number(v)
    if isinstance(v, decimal.Decimal):
        return fmt_number(float(v))
    if isinstance(v, dt.datetime):
        return fmt_ts(v)
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return fmt_number(v.total_seconds()) + " s"
    if isinstance(v, bytes):
        return f"<{len(v):,} bytes>"
    if isinstance(v, list | tuple):
        return clip("; ".join(cell(x, min(limit, 120)) for x in v[:50])
                    + (f"; … ({len(v):,} items)" if len(v) > 50 else ""), limit)
    if isinstance(v, dict):
        return visible(clip(orjson.dumps(v, default=str).decode(), limit))
    return visible(clip(str(v), limit))


def _kind(t: pa.DataType) -> str:
    """CSS class of a column: ``num`` (right-aligned), ``ts`` (no wrapping) or ``""``."""
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "num"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "ts"
    return ""


def from_arrow(tbl: pa.Table, *, limit: int, total: int | None = None,
               labels: dict[str, str] | None = None,
               links: dict[str, Callable[[Any], str | None]] | None = None,
               export: str | None = None, page: int = PAGE_ROWS,
               kinds: dict[str, str] | None = None) -> dict[str, Any]:
    """A report table from the first ``limit`` rows of ``tbl``.

    ``links`` maps a column to a function giving the anchor a cell links to (or ``None``);
    ``kinds`` overrides a column's kind (e.g. ``wide`` for long text).
    """
    kinds = kinds or {}
    labels = labels or {}
    links = links or {}
    shown = tbl.slice(0, limit)
    cols = shown.column_names
    data = [shown.column(c).to_pylist() for c in cols]
    rows: list[list[Any]] = []
    for i in range(shown.num_rows):
        row: list[Any] = []
        for c, values in zip(cols, data, strict=True):
            text = cell(values[i])
            if c in links:
                target = links[c](values[i])
                if target is not None:
                    row.append({"t": text, "a": anchor(target)})
                    continue
            row.append(text)
        rows.append(row)
    return {
        "columns": [labels.get(c, c) for c in cols],
        "cls": [kinds.get(c, _kind(shown.schema.field(c).type)) for c in cols],
        "rows": rows,
        "total": tbl.num_rows if total is None else total,
        "export": export,
        "page": page,
    }


def from_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
              cls: Sequence[str] | None = None, total: int | None = None,
              export: str | None = None, page: int = PAGE_ROWS) -> dict[str, Any]:
    """A report table from Python rows (values formatted with :func:`cell`); ``cls`` gives
    each column's kind (``num``, ``ts``, ``id`` or ``""``)."""
    out_rows = []
    for r in rows:
        out_rows.append([v if isinstance(v, dict) else cell(v) for v in r])
    return {
        "columns": list(columns),
        "cls": list(cls) if cls is not None else [""] * len(columns),
        "rows": out_rows,
        "total": len(out_rows) if total is None else total,
        "export": export,
        "page": page,
    }


def first_page(table: dict[str, Any]) -> list[list[Any]]:
    return table["rows"][: table.get("page", PAGE_ROWS)]
