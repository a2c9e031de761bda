"""Planning ahead: generate the next batches of a plan in another process while this one writes.

The large scale plans 200,000 people and a million referrals (pure Python, about a sixth of
the build) and writes them (the database and the audit chain, the rest). On a machine with a
second core the two can overlap: a forked child runs the generator and hands over batches
through a small queue (two batches ahead, so memory stays flat), while the parent writes.

The child touches no database connection (planning is pure) and leaves with ``os._exit``, as
multiprocessing's fork children do, so the parent's connections are never closed under it.
Where fork is unavailable (Windows, macOS's default) or there is one CPU, the batches are
made in this process, in the same order: the result is the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from queue import Empty
from typing import Any, TypeVar

T = TypeVar("T")

#: Batches planned ahead of the writer.
AHEAD = 2
_DONE = b"done"


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _produce(make: Callable[[], Iterable[Any]], size: int, queue: Any) -> None:
    try:
        for batch in batched(make(), size):
            queue.put(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
        queue.put(_DONE)
    except BaseException as error:  # hand the failure to the writer, which raises it
        queue.put(pickle.dumps(RuntimeError(f"planning failed: {error!r}")))
        raise


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def planned_ahead(
    make: Callable[[], Iterable[T]], size: int, *, fork: bool | None = None
) -> Iterator[list[T]]:
    """The items ``make()`` generates, in batches of ``size``, planned in a child process
    when ``fork`` (by default: when the machine can)."""
    if not (can_fork() if fork is None else fork):
        yield from batched(make(), size)
        return
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=AHEAD)
    child = context.Process(target=_produce, args=(make, size, queue), daemon=True)
    child.start()
    try:
        while True:
            try:
                message = queue.get(timeout=5)
            except Empty:
                if not child.is_alive():
                    raise RuntimeError("the planning process stopped") from None
                continue
            if message == _DONE:
                break
            batch = pickle.loads(message)  # noqa: S301 - our own child's pickles
            if isinstance(batch, BaseException):
                raise batch
            yield batch
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
