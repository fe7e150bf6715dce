"""Turning mapped actions (one dict per record) into source batches, column by column.

:class:`~swarmscope.sources.base.RowBatcher` converts every value of every row as it is added,
which costs more than parsing a JSON record. The platform adapters (Reddit, Telegram, Bluesky,
Mastodon) already produce values of the right types (strings, lists of strings, a dict for
``extra``), so :func:`rows_to_batch` builds each column with one pass over the pending rows and
one Arrow conversion. The result is the same batch RowBatcher would give: the source columns as
strings, ``urls``/``hashtags``/``mentions`` as lists of strings without empty items, ``extra`` as
JSON text (NULL when empty), ``record`` as int64. Values of unexpected types (a number where a
string belongs) make it fall back to RowBatcher, which converts them.

Example::

    >>> batch = rows_to_batch([(1, {"platform": "p", "action_id": "1", "account": "a",
    ...                             "ts": "1600000000", "kind": "post", "urls": ["", "https://x"],
    ...                             "extra": {"k": 1}})])
    >>> batch.column("urls").to_pylist(), batch.column("extra").to_pylist()
    ([['https://x']], ['{"k":1}'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson
import pyarrow as pa

from ..schema import SOURCE_COLUMNS
from .base import LIST_COLUMNS, ReadContext, RowBatcher
from .json_records import JsonRecord, RecordError, flush_then_reject, not_an_object
from .not_actions import NotActions, NotAnAction

_STR_LIST = pa.list_(pa.string())

#: Rows an adapter collects before it emits a batch. Pending rows are Python dicts (a few KB
#: each with their ``extra``), so a quarter of ``BATCH_ROWS`` keeps an adapter's memory near
#: 100 MB whatever the file size, at no measurable cost in speed.
PENDING_ROWS = 16_384


def rows_to_batch(rows: list[tuple[int, dict[str, Any]]]) -> pa.RecordBatch:
    """A source batch of ``(record, row)`` pairs, rows as RowBatcher values."""
    try:
        return _columnar(rows)
    except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError):
        batcher = RowBatcher(rows=len(rows) + 1)
        for record, row in rows:
            batcher.add(record=record, **row)
        return batcher.flush()


def action_batches(ctx: ReadContext, records: Iterable[JsonRecord],
                   to_action: Callable[[dict[str, Any]], dict[str, Any]], *,
                   skipped: NotActions | None = None,
                   to_batch: Callable[[list[tuple[int, dict[str, Any]]]], pa.RecordBatch]
                   = rows_to_batch) -> Iterator[pa.RecordBatch]:
    """Batches of the actions of ``records`` (of :class:`~swarmscope.sources.json_records.JsonRecords`).

    ``to_action`` maps one JSON object to one action's RowBatcher values, raises
    :class:`~swarmscope.sources.json_records.RecordError` for a malformed record, or
    :class:`NotAnAction` for a record that is no action (counted in ``skipped``). Records that
    cannot be parsed or are not objects, and malformed ones, are rejected with their record
    number and line (:func:`~swarmscope.sources.json_records.flush_then_reject`). ``to_batch``
    turns pending ``(record, row)`` pairs into a batch.
    """
    pending: list[tuple[int, dict[str, Any]]] = []

    def flush() -> pa.RecordBatch | None:
        nonlocal pending
        if not pending:
            return None
        batch, pending = to_batch(pending), []
        return batch

    for rec in records:
        value = rec.value
        if rec.error is not None:
            yield from flush_then_reject(ctx, rec, flush)
            continue
        if type(value) is not dict:
            yield from flush_then_reject(ctx, rec, flush, None, not_an_object(value))
            continue
        try:
            pending.append((rec.record, to_action(value)))
        except NotAnAction as exc:
            if skipped is None:
                raise
            skipped.add(exc.what)
            continue
        except RecordError as exc:
            yield from flush_then_reject(ctx, rec, flush, exc.field, exc.reason, exc.value)
            continue
        if len(pending) >= PENDING_ROWS:
            yield to_batch(pending)
            pending = []
    if pending:
        yield to_batch(pending)


def _columnar(rows: list[tuple[int, dict[str, Any]]]) -> pa.RecordBatch:
    arrays = []
    for col in SOURCE_COLUMNS:
        if col in LIST_COLUMNS:
            values = [(v if "" not in v else [x for x in v if x]) if (v := r.get(col)) else []
                      for _, r in rows]
            arrays.append(pa.array(values, type=_STR_LIST))
        elif col == "extra":
            arrays.append(pa.array(
                [orjson.dumps(e).decode() if (e := r.get("extra")) else None for _, r in rows],
                type=pa.string()))
        else:
            arrays.append(pa.array([r.get(col) for _, r in rows], type=pa.string()))
    arrays.append(pa.array([record for record, _ in rows], type=pa.int64()))
    return pa.RecordBatch.from_arrays(arrays, names=[*SOURCE_COLUMNS, "record"])
