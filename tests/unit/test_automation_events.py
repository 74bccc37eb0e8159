"""Event delivery never blocks or breaks the operation."""

from __future__ import annotations

import threading
import time

import pytest

from automation._events import EventDispatcher, EventKind, OperationEvent


def _event(n: int) -> OperationEvent:
    return OperationEvent(
        tenant="acme", stack="acme-dev", kind=EventKind.OTHER, sequence=n, timestamp=0
    )


def test_a_sleeping_callback_does_not_block_publishers() -> None:
    release = threading.Event()
    seen: list[int] = []

    def slow(event: OperationEvent) -> None:
        release.wait(5)
        seen.append(event.sequence)

    dispatcher = EventDispatcher(slow, drain_timeout=5)
    started = time.monotonic()
    for n in range(100):
        dispatcher.publish(_event(n))
    assert time.monotonic() - started < 0.5
    release.set()
    dispatcher.close()
    assert seen == list(range(100))


def test_a_raising_callback_is_logged_and_delivery_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[int] = []

    def flaky(event: OperationEvent) -> None:
        seen.append(event.sequence)
        if event.sequence % 2 == 0:
            raise RuntimeError("callback bug")

    dispatcher = EventDispatcher(flaky)
    for n in range(6):
        dispatcher.publish(_event(n))
    dispatcher.close()
    assert seen == list(range(6))
    assert "event callback raised" in caplog.text


def test_close_gives_up_on_a_stuck_callback() -> None:
    stuck = threading.Event()
    dispatcher = EventDispatcher(lambda _event: stuck.wait(30), drain_timeout=0.2)
    dispatcher.publish(_event(1))
    started = time.monotonic()
    dispatcher.close()
    assert time.monotonic() - started < 2
    stuck.set()
