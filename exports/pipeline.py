"""Stages of an export overlapping: an iterable worked through in a thread of its own.

Reading rows from the database, coding them and writing the files take turns on one
core if done one after the other. The database driver, pyarrow and most of numpy let go
of the interpreter while they work, so each stage run a few chunks ahead in its own
thread keeps both cores busy; the queue between stages holds at most `depth` chunks,
so memory stays flat however many rows pass.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def ahead(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """The items of `items`, in order, worked out in a thread up to `depth` ahead.

    An error in the thread is raised here; stopping early (closing this generator, or an
    error in the consumer) stops the thread and closes `items` in it before returning.
    """
    found: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                found.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        source = None
        try:
            source = iter(items)
            for item in source:
                if not put(item):
                    break
            else:
                put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            put(_Failed(error))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # an error here, after the consumer has gone, has no one to tell

    thread = threading.Thread(target=work, name="export-stage", daemon=True)
    thread.start()
    try:
        while True:
            item = found.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


class Behind:
    """`work(item)` for each item put, in order, in a thread of its own, at most `depth`
    items behind. Use as a context manager: leaving it waits for the work to finish and
    raises the thread's error, if any (leaving on an error only stops the thread)."""

    def __init__(self, work: Callable[[T], None], depth: int = 2) -> None:
        self.work = work
        self.waiting: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="export-writer", daemon=True)

    def __enter__(self) -> Behind:
        self.thread.start()
        return self

    def _run(self) -> None:
        while (item := self.waiting.get()) is not _DONE:
            if self.error is None:
                try:
                    self.work(item)
                except BaseException as error:  # raised in the caller's thread
                    self.error = error

    def put(self, item: T) -> None:
        """Hand over an item (waits while `depth` are waiting)."""
        self._check()
        self.waiting.put(item)

    def _check(self) -> None:
        if self.error is not None:
            raise self.error

    def __exit__(self, kind, error, trace) -> None:
        self.waiting.put(_DONE)
        self.thread.join()
        if kind is None:
            self._check()
