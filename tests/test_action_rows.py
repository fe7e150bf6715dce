"""Columnar batch building gives exactly what RowBatcher gives."""

from __future__ import annotations

from swarmscope.sources.action_rows import rows_to_batch
from swarmscope.sources.base import RowBatcher

ROWS = [
    (1, {"platform": "reddit", "action_id": "t3_a", "account": "ann", "ts": "1600000000",
         "kind": "post", "title": "T", "text": "x\ny \U0001F600", "urls": ["https://a", ""],
         "extra": {"subreddit": "pics", "score": 3, "nested": {"k": [1, None]}}}),
    (3, {"platform": "reddit", "action_id": "t1_b", "account": "bob", "account_id": "t2_b",
         "ts": "1600000001.500000", "kind": "comment", "parent_id": "t3_a", "mentions": ["ann"],
         "extra": {}}),
]


def test_same_batch_as_row_batcher():
    batcher = RowBatcher()
    for record, row in ROWS:
        batcher.add(record=record, **row)
    assert rows_to_batch(ROWS).to_pylist() == batcher.flush().to_pylist()


def test_values_of_other_types_fall_back_to_row_batcher_conversion():
    rows = [(1, {**ROWS[0][1], "ts": 1600000000, "action_id": 42})]
    batch = rows_to_batch(rows)
    assert batch.column("ts").to_pylist() == ["1600000000"]
    assert batch.column("action_id").to_pylist() == ["42"]
