"""Ctrl-C and SIGTERM as cancellation: usable by any caller that runs tenant operations."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Cancellable(Protocol):
    """Anything with a `cancel()` that is safe to call from a signal handler (e.g. `FanOut`)."""

    def cancel(self) -> None:
        """Ask what runs to stop."""


@contextmanager
def cancel_on_signals(
    target: Cancellable, signals: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)
) -> Iterator[None]:
    """While the block runs, the given signals cancel `target` instead of raising.

    Each running operation's engine is interrupted (and killed after its grace period), the
    operations not yet started are skipped, and the block goes on to collect their results.
    Outside the main thread (where signal handlers cannot be set) this does nothing.

    Example:
        >>> from automation import FanOut, Operation, run_many  # doctest: +SKIP
        >>> fanout = FanOut(parallel=4)  # doctest: +SKIP
        >>> with cancel_on_signals(fanout):  # doctest: +SKIP
        ...     results = list(run_many(Operation.UP, specs, fanout=fanout))
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: target.cancel()) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


__all__ = ["Cancellable", "cancel_on_signals"]
