"""NumPy <-> Arrow conversions through raw buffers, which never load pandas.

pyarrow imports pandas (when it is installed) the first time it converts Python or NumPy objects
(``pa.array``, ``pa.scalar``, ``Array.to_numpy``, a Python number given to a compute function):
0.3-0.5 s of CPU, paid by the first call in a process. The detection path needs only numeric
columns without nulls in and out of NumPy, so it goes through the buffers instead, and a process
that only runs detection never imports pandas. The ingest path of the tabular formats builds its
few arrays of its own (record numbers, the ingest id, normalised URLs) with :func:`int64_range`,
:func:`repeat_string` and :func:`strings` for the same reason.

Example::

    >>> import numpy as np
    >>> from_numpy(np.array([1.5, 2.0])).to_pylist()
    [1.5, 2.0]
    >>> to_numpy(from_numpy(np.array([3, 4]))).tolist()
    [3, 4]
    >>> from_numpy(np.array([True, False, True])).to_pylist()
    [True, False, True]
    >>> strings(["a", None, "é"]).to_pylist()
    ['a', None, 'é']
    >>> repeat_string("x-0", 2).to_pylist(), int64_range(5, 3).to_pylist()
    (['x-0', 'x-0'], [5, 6, 7])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

_TYPES = {np.dtype(np.float64): pa.float64(), np.dtype(np.int64): pa.int64(),
          np.dtype(np.int32): pa.int32()}


def from_numpy(values: np.ndarray) -> pa.Array:
    """A one-dimensional float64, int64, int32 or bool NumPy array as an Arrow array (no nulls)."""
    values = np.ascontiguousarray(values)
    if values.dtype == np.bool_:
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
    if values.dtype not in _TYPES:
        raise TypeError(f"from_numpy: unsupported dtype {values.dtype}")
    return pa.Array.from_buffers(_TYPES[values.dtype], len(values),
                                 [None, pa.py_buffer(values)])


def to_numpy(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numeric Arrow column without nulls as a NumPy array (a copy)."""
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 0:  # combining no chunks would build an array from a list
            column = pa.Array.from_buffers(column.type, 0, [None, None])
        else:
            column = column.combine_chunks() if column.num_chunks > 1 else column.chunk(0)
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        raise TypeError(f"to_numpy: unsupported type {column.type}")
    if column.null_count:
        raise ValueError("to_numpy: the column has nulls")
    dtype = np.dtype(column.type.to_pandas_dtype())
    buf = column.buffers()[1]
    if buf is None:  # an empty array may have no data buffer
        return np.empty(0, dtype)
    return np.frombuffer(buf, dtype=dtype, count=len(column),
                         offset=column.offset * dtype.itemsize).copy()


def scalar_of(values: np.ndarray) -> pa.Scalar:
    """The first element of a NumPy array as an Arrow scalar (for ``fill_null`` and friends)."""
    return from_numpy(values[:1])[0]


def int64_range(start: int, count: int) -> pa.Array:
    """``start, start + 1, ..., start + count - 1`` as an int64 array."""
    return from_numpy(np.arange(start, start + count, dtype=np.int64))


def strings(values: Sequence[str | None]) -> pa.Array:
    """Python strings (``None`` for NULL) as an Arrow string array."""
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    if offsets[-1] >= 2**31:
        raise ValueError("strings: more than 2 GiB of text")
    validity = None
    if any(v is None for v in values):
        valid = np.array([v is not None for v in values], dtype=np.bool_)
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(pa.string(), len(encoded),
                                 [validity, pa.py_buffer(offsets.astype(np.int32)),
                                  pa.py_buffer(b"".join(encoded))])


def repeat_string(value: str, count: int) -> pa.Array:
    """``value`` ``count`` times as a string array."""
    return pa.repeat(strings([value])[0], count)


#: Constants for compute functions, which would convert a Python ``""`` or ``True`` themselves.
EMPTY_STRING: pa.Scalar = strings([""])[0]
TRUE: pa.Scalar = from_numpy(np.array([True]))[0]
