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
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_END = object()


def read_ahead(items: Iterator[T], depth: int = 2, name: str = "swarmscope-read-ahead"
               ) -> ReadAhead[T]:
    """The items of ``items``, produced in a background thread up to ``depth`` ahead.

    The thread starts at once, not at the first request for an item: a stage can start reading
    while its consumer still prepares (opens a database, waits for a file's hash).
    """
    return ReadAhead(items, depth, name)


class ReadAhead(Iterator[T]):
    """The iterator :func:`read_ahead` returns. :meth:`close` stops the thread (and closes
    ``items`` in it) whether or not any item was taken."""

    def __init__(self, items: Iterator[T], depth: int, name: str) -> None:
        self._handover: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._produce, args=(items,), name=name,
                                        daemon=True)
        self._thread.start()

    def _put(self, failed: bool, item: Any) -> bool:  # noqa: ANN401
        while not self._stop.is_set():
            try:
                self._handover.put((failed, item), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put(False, item):
                    return
            self._put(False, _END)
        except BaseException as exc:  # noqa: BLE001 - raised again in the consumer's thread
            self._put(True, exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> ReadAhead[T]:
        return self

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        failed, item = self._handover.get()
        if failed:
            self.close()
            raise item
        if item is _END:
            self.close()
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop the thread and wait for it (it closes ``items``)."""
        self._done = True
        self._stop.set()
        self._thread.join()

    def __del__(self) -> None:
        # dropped without close(): let the thread end (it closes the items itself)
        self._stop.set()


def ordered_map(fn: Callable[[T], R], items: Iterator[T], workers: int = 2,
                name: str = "swarmscope-map") -> Iterator[R]:
    """``fn(item)`` for each of ``items``, computed by ``workers`` threads, in the order of
    ``items``.

    A stage that is slower than the others would leave a core idle while the others wait for
    it; with two workers it takes both cores when it needs them. The items are taken and handed
    to the workers by a thread of their own (:func:`read_ahead`), so a result goes on as soon
    as it and those before it are done, not when the next items have arrived. As with
    :func:`read_ahead`, an exception (of ``fn`` for an item, or of ``items``) is raised where it
    occurred, after the results before it; at most ``workers + 2`` items are in flight.

    Example::

        >>> list(ordered_map(lambda x: x * x, iter(range(6))))
        [0, 1, 4, 9, 16, 25]
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    def submitted() -> Iterator[Future[R]]:
        for item in items:
            yield pool.submit(fn, item)

    futures = read_ahead(submitted(), depth=workers, name=f"{name}-feed")
    try:
        for future in futures:
            yield future.result()
    finally:
        futures.close()  # stops taking items (and closes them)
        pool.shutdown(wait=True, cancel_futures=True)
