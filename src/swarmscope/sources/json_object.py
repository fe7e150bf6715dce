"""Text columns as one JSON object per row, built with Arrow kernels instead of DuckDB.

The fixed-layout adapters keep every input column they do not map in ``extra``, as a JSON
object of the column names and their text values. DuckDB's ``json_object`` builds and serialises
a document per row, which was the most expensive part of mapping a wide export (CrowdTangle: 33
columns, a third of its mapping time). :func:`json_objects` writes the same bytes by joining
whole columns: the keys and the quotes around values are constant pieces, and a value needs
rewriting only when it holds a character JSON escapes. Columns that hold the same value in every
row of a batch (an empty one above all: many CrowdTangle columns are empty in most exports; the
page's own fields in the export of one page) become constant pieces too, so they cost nothing
per row.

The output is byte-identical to ``CAST(json_object(name1, col1, ...) AS VARCHAR)`` in DuckDB
(its yyjson writer): ``"``, ``\\`` and the control characters below U+0020 are escaped (``\\b``,
``\\t``, ``\\n``, ``\\f``, ``\\r``, else ``\\u00XX`` in upper-case hex), everything else is
written as it is (non-ASCII included), NULL becomes ``null``, and there is no white space.

Example::

    >>> import pyarrow as pa
    >>> json_objects(["a", 'b"'], [pa.array(["x", None]), pa.array(['say "hi"', ""])]).to_pylist()
    ['{"a":"x","b\\\\"":"say \\\\"hi\\\\""}', '{"a":null,"b\\\\"":""}']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..arrowbuf import repeat_string, strings

#: How yyjson (DuckDB's JSON writer) escapes the characters it must escape.
_ESCAPES: dict[str, str] = {
    "\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r",
    **{chr(c): f"\\u{c:04X}" for c in range(0x20) if chr(c) not in "\b\t\n\f\r"},
}

#: Bytes that need escaping. None of them occurs inside a multi-byte UTF-8 sequence (whose
#: bytes are all >= 0x80), so the raw bytes of a column can be tested without decoding them.
_SPECIAL = np.zeros(256, dtype=np.bool_)
_SPECIAL[[ord(ch) for ch in _ESCAPES]] = True

_EMPTY = strings([""])[0]
_NULL = strings(["null"])[0]
_QUOTE = strings(['"'])[0]


def json_string(value: str) -> str:
    """``value`` as a JSON string literal, escaped as DuckDB escapes it."""
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in value) + '"'


def json_objects(names: Sequence[str],
                 columns: Sequence[pa.Array | pa.ChunkedArray]) -> pa.Array | pa.ChunkedArray:
    """One JSON object per row: ``{"name": value, ...}`` of the string ``columns`` (arrays, or
    chunked arrays with the same chunks, as the columns of one table have)."""
    if len(names) != len(columns):
        raise ValueError("json_objects: one name per column")
    rows = len(columns[0]) if columns else 0
    if not rows:
        return strings([])
    # Constant text and value columns alternate; adjacent constants are merged into one piece.
    pieces: list[pa.Scalar | pa.Array | pa.ChunkedArray] = []
    pending = "{"
    for i, (name, col) in enumerate(zip(names, columns, strict=True)):
        pending += ("," if i else "") + json_string(name) + ":"
        chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
        data = [_value_bytes(chunk) for chunk in chunks]
        if (same := _constant(col, data)) is not None:
            pending += json_string(same)
            continue
        if col.null_count == 0 and not any(_has_special(d) for d in data):
            pieces += [strings([pending + '"'])[0], col]
            pending = '"'
            continue
        pieces += [strings([pending])[0], _quoted(col, data)]
        pending = ""
    pending += "}"
    if not pieces:
        return repeat_string(pending, rows)
    pieces.append(strings([pending])[0])
    return pc.binary_join_element_wise(*pieces, _EMPTY)


def _has_special(data: np.ndarray) -> bool:
    """Whether the bytes hold one that JSON escapes (three vectorised comparisons are several
    times faster than looking every byte up in :data:`_SPECIAL`)."""
    return bool((data < 0x20).any() or (data == ord('"')).any() or (data == ord("\\")).any())


def _value_bytes(col: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of the values of a string array (its slice of the data buffer)."""
    if not len(col):
        return np.empty(0, dtype=np.uint8)
    _, offsets, data = col.buffers()
    first = int(np.frombuffer(offsets, dtype=np.int32, count=1, offset=col.offset * 4)[0])
    last = int(np.frombuffer(offsets, dtype=np.int32, count=1,
                             offset=(col.offset + len(col)) * 4)[0])
    if data is None or last == first:
        return np.empty(0, dtype=np.uint8)
    return np.frombuffer(data, dtype=np.uint8, count=last - first, offset=first)


def _constant(col: pa.Array | pa.ChunkedArray, data: list[np.ndarray]) -> str | None:
    """The value of every row, if all rows hold the same one (never NULL)."""
    if not len(col) or col.null_count:
        return None
    size = sum(len(d) for d in data)
    if not size:
        return ""
    first = col[0]
    # comparing the byte counts rules out almost every column whose values vary
    if size != len(first.as_buffer()) * len(col):
        return None
    return first.as_py() if pc.all(pc.equal(col, first)).as_py() else None


def _quoted(col: pa.Array | pa.ChunkedArray,
            data: list[np.ndarray]) -> pa.Array | pa.ChunkedArray:
    """Each value as a JSON string literal, NULL as ``null``."""
    counts = sum(np.bincount(d[_SPECIAL[d]], minlength=256) for d in data)
    present = np.flatnonzero(counts)
    # the backslash first: the escapes added after it contain backslashes of their own
    for byte in sorted(present, key=lambda b: b != ord("\\")):
        ch = chr(byte)
        col = pc.replace_substring(col, ch, _ESCAPES[ch])
    quoted = pc.binary_join_element_wise(_QUOTE, col, _QUOTE, _EMPTY)
    return pc.fill_null(quoted, _NULL) if quoted.null_count else quoted
