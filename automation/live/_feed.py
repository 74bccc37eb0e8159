"""A plain (synchronous) iterator fed by asyncio tasks on a private event loop.

Watches and log streams are many concurrent HTTP streams; the caller wants one iterator. The
tasks run on an event loop owned by the iterator and driven only while the caller waits in
`next()`: no thread is started for the streams, and `close()` (or leaving a `with` block, or
the deadline) cancels every task, closes the clients and the loop, and joins the executor
threads blocking calls used (boto3), so nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_END = object()


class Feed(Iterator[T], Generic[T]):
    """Items produced by async tasks, consumed with a plain `for` loop.

    Args:
        deadline: epoch seconds after which iteration stops (None: no deadline).
    """

    def __init__(self, deadline: float | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._cleanups: list[Callable[[], Awaitable[object]]] = []
        self._deadline = deadline
        self._closed = False

    # ---- used by the producers, inside the loop
    def spawn(self, coroutine: Coroutine[Any, Any, object]) -> asyncio.Task[Any]:
        """Run a producer task; its exception (other than cancellation) ends the iteration."""
        task = self._loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def put(self, item: T) -> None:
        """Hand an item to the consumer."""
        self._queue.put_nowait(item)

    def finish(self) -> None:
        """End the iteration once the items already put are consumed."""
        self._queue.put_nowait(_END)

    def on_close(self, cleanup: Callable[[], Awaitable[object]]) -> None:
        """Await `cleanup()` when the feed closes (after the tasks are cancelled)."""
        self._cleanups.append(cleanup)

    def run(self, awaitable: Awaitable[R]) -> R:
        """Run a setup coroutine on the feed's loop (before iterating)."""
        return self._loop.run_until_complete(awaitable)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._queue.put_nowait(_Failed(task.exception()))  # type: ignore[arg-type]

    # ---- the consumer's side
    def __iter__(self) -> Feed[T]:
        return self

    def __next__(self) -> T:
        if self._closed:
            raise StopIteration
        timeout = None if self._deadline is None else max(0.0, self._deadline - time.time())
        try:
            item = self._loop.run_until_complete(asyncio.wait_for(self._queue.get(), timeout))
        except TimeoutError:
            self.close()
            raise StopIteration from None
        except BaseException:
            self.close()
            raise
        if item is _END:
            self.close()
            raise StopIteration
        if isinstance(item, _Failed):
            self.close()
            raise item.error
        return item  # type: ignore[return-value]

    def close(self) -> None:
        """Cancel every task, run the cleanups, close the loop; idempotent."""
        if self._closed:
            return
        self._closed = True
        loop = self._loop
        try:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            for cleanup in reversed(self._cleanups):
                with contextlib.suppress(Exception):
                    loop.run_until_complete(cleanup())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()

    def __enter__(self) -> Feed[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


__all__ = ["Feed"]
