"""The fleet runner's interrupts (workers faked: no engine).

The first lets running tenants finish and starts no more, the second cancels the running
ones.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from automation._api import failed_result
from automation._request import OperationRequest
from automation._results import Operation, OperationResult
from automation.fleet import FleetRunner
from automation.fleet._runner import NOT_STARTED


class FakeWorker:
    """Stands in for `WorkerHandle`: finishes when released, or cancelled when asked."""

    started: list[str] = []
    release = threading.Event()
    first_started = threading.Event()

    def __init__(self, request: OperationRequest, _on_event: object) -> None:
        self.request = request
        self._cancelled = threading.Event()
        FakeWorker.started.append(request.stack)
        FakeWorker.first_started.set()

    def cancel(self) -> None:
        self._cancelled.set()

    def wait(self, _deadline: float | None) -> OperationResult:
        while not (FakeWorker.release.is_set() or self._cancelled.is_set()):
            self._cancelled.wait(0.01)
        cancelled = self._cancelled.is_set()
        return OperationResult(
            tenant=self.request.tenant,
            environment=self.request.environment,
            stack=self.request.stack,
            operation=self.request.operation,
            ok=not cancelled,
            cancelled=cancelled,
            error="cancelled" if cancelled else None,
        )


@pytest.fixture(autouse=True)
def fake_workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    FakeWorker.started = []
    FakeWorker.release = threading.Event()
    FakeWorker.first_started = threading.Event()
    monkeypatch.setattr("automation.fleet._runner.WorkerHandle", FakeWorker)
    yield


def _requests(*tenants: str) -> list[OperationRequest]:
    return [OperationRequest(Operation.UP, tenant, "dev", None) for tenant in tenants]


def _run_in_background(
    runner: FleetRunner, requests: list[OperationRequest]
) -> tuple[threading.Thread, list[OperationResult]]:
    results: list[OperationResult] = []
    thread = threading.Thread(
        target=lambda: results.extend(runner.run(requests, failed_result)), daemon=True
    )
    thread.start()
    return thread, results


def test_without_interrupts_everything_runs() -> None:
    FakeWorker.release.set()
    runner = FleetRunner(parallel=2)
    results = list(runner.run(_requests("a", "b", "c"), failed_result))
    assert sorted(result.stack for result in results) == ["a-dev", "b-dev", "c-dev"]
    assert all(result.ok for result in results)
    assert not runner.interrupted


def test_a_first_interrupt_finishes_what_runs_and_starts_nothing_more() -> None:
    interrupts: list[int] = []
    runner = FleetRunner(parallel=1, on_interrupt=interrupts.append)
    thread, results = _run_in_background(runner, _requests("a", "b", "c"))
    assert FakeWorker.first_started.wait(5)
    runner.cancel()
    FakeWorker.release.set()
    thread.join(10)
    by_stack = {result.stack: result for result in results}
    (first,) = FakeWorker.started
    assert by_stack[first].ok, "the running tenant finished"
    untouched = [stack for stack in by_stack if stack != first]
    assert len(untouched) == 2
    for stack in untouched:
        assert not runner.started(stack)
        assert NOT_STARTED in (by_stack[stack].error or "")
    assert runner.started(first) and runner.interrupted
    assert interrupts == [1]


def test_a_second_interrupt_cancels_the_running_ones() -> None:
    interrupts: list[int] = []
    runner = FleetRunner(parallel=2, on_interrupt=interrupts.append)
    thread, results = _run_in_background(runner, _requests("a", "b", "c"))
    assert FakeWorker.first_started.wait(5)
    while len(FakeWorker.started) < 2:
        threading.Event().wait(0.01)
    runner.cancel()
    runner.cancel()
    thread.join(10)
    ran = [result for result in results if runner.started(result.stack)]
    assert len(ran) == 2 and all(result.cancelled for result in ran)
    assert interrupts == [1, 2]


def test_parallel_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        FleetRunner(parallel=0)
