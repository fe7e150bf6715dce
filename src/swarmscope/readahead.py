"""Run an iterator in a background thread, a few items ahead of its consumer.

Ingest is a chain of stages (read CSV blocks, map them to source rows, derive and write), each
spending most of its time in pyarrow or DuckDB, which release the GIL. :func:`read_ahead` lets
one stage produce its next items while the next stage works on the current one, so the stages
share the machine's cores instead of taking turns.

The consumer sees exactly what iterating directly would give: the same items in the same order,
and an exception of the iterator at the point where it occurred, after the items produced before
it. At most ``depth`` items wait between the two threads, so memory stays bounded. When the
consumer stops early (an error, or ``break``), the thread is told to stop and the iterator is
closed in its own thread, so a generator's ``finally`` blocks run (files get closed).

Example::

    >>> list(read_ahead(iter(range(5)), depth=2))
    [0, 1, 2, 3, 4]
    >>> def failing():
    ...     yield 1
    ...     raise ValueError("bad record")
    >>> got = []
    >>> try:
    ...     for x in read_ahead(failing()):
    ...         got.append(x)
    ... except ValueError as exc:
    ...     got.append(str(exc))
    >>> got
    [1, 'bad record']
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_END = object()


def read_ahead(items: Iterator[T], depth: int = 2, name: str = "swarmscope-read-ahead"
               ) -> Iterator[T]:
    """The items of ``items``, produced in a background thread up to ``depth`` ahead."""
    handover: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(failed: bool, item: Any) -> bool:
        while not stop.is_set():
            try:
                handover.put((failed, item), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(False, item):
                    return
            put(False, _END)
        except BaseException as exc:  # noqa: BLE001 - raised again in the consumer's thread
            put(True, exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            failed, item = handover.get()
            if failed:
                raise item
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def ordered_map(fn: Callable[[T], R], items: Iterator[T], workers: int = 2,
                name: str = "swarmscope-map") -> Iterator[R]:
    """``fn(item)`` for each of ``items``, computed by ``workers`` threads, in the order of
    ``items``.

    A stage that is slower than the others would leave a core idle while the others wait for
    it; with two workers it takes both cores when it needs them. As with :func:`read_ahead`, an
    exception (of ``fn`` for an item, or of ``items``) is raised where it occurred, after the
    results before it, and at most ``workers + 1`` items are in flight.

    Example::

        >>> list(ordered_map(lambda x: x * x, iter(range(6))))
        [0, 1, 4, 9, 16, 25]
    """
    pending: deque[Future[R]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as pool:
        try:
            while True:
                try:
                    item = next(items)
                except StopIteration:
                    break
                except Exception:
                    # the items before the failure go first: an error in them comes first
                    while pending:
                        yield pending.popleft().result()
                    raise
                pending.append(pool.submit(fn, item))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
