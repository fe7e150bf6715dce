"""NumPy <-> Arrow conversions through raw buffers, which never load pandas.

pyarrow imports pandas (when it is installed) the first time it converts Python or NumPy objects
(``pa.array``, ``pa.scalar``, ``Array.to_numpy``, a Python number given to a compute function):
0.3-0.5 s of CPU, paid by the first call in a process. The detection path needs only numeric
columns without nulls in and out of NumPy, so it goes through the buffers instead, and a process
that only runs detection never imports pandas.

Example::

    >>> import numpy as np
    >>> from_numpy(np.array([1.5, 2.0])).to_pylist()
    [1.5, 2.0]
    >>> to_numpy(from_numpy(np.array([3, 4]))).tolist()
    [3, 4]
    >>> from_numpy(np.array([True, False, True])).to_pylist()
    [True, False, True]
    >>> repeat_string("repost", 2).to_pylist()
    ['repost', 'repost']
"""

from __future__ import annotations

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


def repeat_string(value: str, n: int) -> pa.Array:
    """A string array of ``n`` copies of ``value``, built from buffers (``pa.scalar`` on a Python
    string would import pandas)."""
    data = value.encode()
    offsets = np.arange(n + 1, dtype=np.int32) * len(data)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(data * n)])
