"""The pipeline's threaded stages hand on results in order, errors included."""

from __future__ import annotations

import doctest
import threading
import time
from collections.abc import Iterator

import pytest

from swarmscope import readahead
from swarmscope.readahead import ordered_map


def test_examples() -> None:
    result = doctest.testmod(readahead)
    assert result.attempted > 0 and result.failed == 0


def test_results_in_order_whatever_finishes_first() -> None:
    def slow_evens(x: int) -> int:
        time.sleep(0.02 if x % 2 == 0 else 0)
        return x

    assert list(ordered_map(slow_evens, iter(range(20)))) == list(range(20))


def test_error_of_an_item_comes_after_the_results_before_it() -> None:
    def fail_at_5(x: int) -> int:
        if x == 5:
            raise ValueError("item 5")
        time.sleep(0.01 if x < 5 else 0)  # later items finish first
        return x

    got: list[int] = []
    with pytest.raises(ValueError, match="item 5"):
        for x in ordered_map(fail_at_5, iter(range(10))):
            got.append(x)
    assert got == [0, 1, 2, 3, 4]


def test_error_of_the_items_comes_after_every_result() -> None:
    def items() -> Iterator[int]:
        yield from range(4)
        raise ValueError("bad record")

    got: list[int] = []
    with pytest.raises(ValueError, match="bad record"):
        for x in ordered_map(lambda x: x * 10, items()):
            got.append(x)
    assert got == [0, 10, 20, 30]


def test_stopping_early_leaves_no_work_running() -> None:
    started: list[int] = []
    lock = threading.Lock()

    def work(x: int) -> int:
        with lock:
            started.append(x)
        time.sleep(0.01)
        return x

    results = ordered_map(work, iter(range(1000)), workers=2)
    assert next(results) == 0
    results.close()
    done = len(started)
    time.sleep(0.05)
    assert len(started) == done <= 4


def test_read_ahead_starts_at_once_and_close_without_reading_closes_the_items() -> None:
    started = threading.Event()
    closed = threading.Event()

    def items() -> Iterator[int]:
        started.set()
        try:
            yield from range(100)
        finally:
            closed.set()

    ahead = readahead.read_ahead(items(), depth=2)
    assert started.wait(5)  # producing before anyone asked for an item
    ahead.close()
    assert closed.is_set()
    assert list(ahead) == []
