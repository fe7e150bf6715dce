"""Column blocks of synthetic social actions, before ids and names are assigned.

Generators add :class:`Block` s to a :class:`SocialRows`: numpy columns for account (an index
into the account registry), time (µs since the epoch, UTC), kind and references to other rows
(``parent`` / ``repost`` are *global row numbers*, -1 for none), Arrow columns for text and the
list columns, and ground-truth tags (operation index, a short detail) that go to
``labels/actions.csv`` and never into the actions table. :mod:`.writer` turns row numbers into
Twitter-style time-ordered ids at the end.

Example::

    >>> import numpy as np
    >>> rows = SocialRows()
    >>> first = rows.add(Block.of(account=np.array([0, 1]), ts=np.array([5, 6]), kind="post"))
    >>> first.tolist(), len(rows)
    ([0, 1], 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Kind codes of the ``kind`` column.
KINDS = ("post", "repost", "reply", "quote")
POST, REPOST, REPLY, QUOTE = range(4)
STR_LIST = pa.list_(pa.string())


def empty_lists(n: int) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, dtype=np.int32)),
                                    pa.array([], pa.string()))


def lists_from(counts: np.ndarray, values: pa.Array | list[str]) -> pa.Array:
    """A list<string> array whose row ``i`` holds the next ``counts[i]`` of ``values``."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    vals = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), vals.cast(pa.string()))


def singleton_lists(values: pa.Array, present: np.ndarray) -> pa.Array:
    """A list<string> array with ``[values[i]]`` where ``present[i]`` else ``[]``."""
    idx = np.flatnonzero(present)
    return lists_from(present.astype(np.int32), values.take(pa.array(idx)))


def concat_lists(a: pa.Array, b: pa.Array) -> pa.Array:
    """Row-wise concatenation of two list<string> arrays of equal length."""
    la = pc.list_value_length(a).fill_null(0).to_numpy(zero_copy_only=False)
    lb = pc.list_value_length(b).fill_null(0).to_numpy(zero_copy_only=False)
    n = len(la)
    row_a = np.repeat(np.arange(n), la)
    row_b = np.repeat(np.arange(n), lb)
    rows = np.concatenate([row_a, row_b])
    order = np.argsort(rows, kind="stable")
    values = pa.concat_arrays([pc.list_flatten(a), pc.list_flatten(b)]).take(pa.array(order))
    return lists_from(la + lb, values)


def _plain(arr: pa.Array | pa.ChunkedArray, type_: pa.DataType) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == type_ else arr.cast(type_)


@dataclass
class Block:
    """A batch of actions of one generator (see the module docstring)."""

    account: np.ndarray
    ts: np.ndarray
    kind: np.ndarray
    parent: np.ndarray
    repost: np.ndarray
    text: pa.Array
    urls: pa.Array
    hashtags: pa.Array
    mentions: pa.Array
    #: Operation index (into the scenario's operation list) or -1 for organic actions.
    op: np.ndarray
    #: Ground-truth detail per action (e.g. "coordinated", "organic-looking", "shift-A").
    detail: pa.Array
    #: Ground-truth group per action (e.g. the farm message a copy belongs to), or null.
    group: pa.Array

    @classmethod
    def of(cls, account: np.ndarray, ts: np.ndarray, kind: str | np.ndarray,
           parent: np.ndarray | None = None, repost: np.ndarray | None = None,
           text: pa.Array | None = None, urls: pa.Array | None = None,
           hashtags: pa.Array | None = None, mentions: pa.Array | None = None,
           op: int = -1, detail: str | pa.Array | None = None,
           group: pa.Array | None = None) -> Block:
        n = len(account)
        none = np.full(n, -1, dtype=np.int64)
        k = (np.full(n, KINDS.index(kind), dtype=np.int8) if isinstance(kind, str)
             else np.asarray(kind, dtype=np.int8))
        if detail is None or isinstance(detail, str):
            detail = pa.nulls(n, pa.string()) if detail is None else pa.array([detail] * n,
                                                                               pa.string())
        return cls(
            account=np.asarray(account, dtype=np.int64), ts=np.asarray(ts, dtype=np.int64), kind=k,
            parent=none if parent is None else np.asarray(parent, dtype=np.int64),
            repost=none if repost is None else np.asarray(repost, dtype=np.int64),
            text=pa.nulls(n, pa.string()) if text is None else _plain(text, pa.string()),
            urls=empty_lists(n) if urls is None else _plain(urls, STR_LIST),
            hashtags=empty_lists(n) if hashtags is None else _plain(hashtags, STR_LIST),
            mentions=empty_lists(n) if mentions is None else _plain(mentions, STR_LIST),
            op=np.full(n, op, dtype=np.int16), detail=_plain(detail, pa.string()),
            group=pa.nulls(n, pa.string()) if group is None else _plain(group, pa.string()),
        )

    def __len__(self) -> int:
        return len(self.account)


class SocialRows:
    """All social blocks, addressed by global row number (block order, then row order)."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def add(self, block: Block) -> np.ndarray:
        """Append ``block``; return the global row numbers it got."""
        rows = np.arange(self._n, self._n + len(block), dtype=np.int64)
        self.blocks.append(block)
        self._n += len(block)
        return rows

    def column(self, name: str) -> np.ndarray:
        """A numpy column over all blocks added so far."""
        if not self.blocks:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([getattr(b, name) for b in self.blocks])
