"""`sync` and `drift` on the queue keep the local runner's two-stage interrupt (batch faked)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from automation._api import failed_result
from automation._errors import ConfigurationError
from automation._request import OperationRequest
from automation._results import Operation, OperationResult
from automation.fleet._runner import NOT_STARTED, FailureFactory, FleetRunner, fleet_runner
from automation.remote import QueuedFleetRunner


class FakeBatch:
    """Stands in for `RemoteBatch`: records which cancel was asked and what was queued."""

    def __init__(self, _parallel: int, _on_event: object, *, broker_url: str | None) -> None:
        self.broker_url = broker_url
        self.calls: list[str] = []
        self.queued: list[str] = []

    def cancel(self) -> None:
        self.calls.append("cancel")

    def cancel_pending(self) -> None:
        self.calls.append("cancel_pending")

    def started(self, stack: str) -> bool:
        return stack in self.queued

    def run(
        self, requests: Sequence[OperationRequest], on_failure: FailureFactory
    ) -> Iterator[OperationResult]:
        for request in requests:
            self.queued.append(request.stack)
            yield OperationResult(
                tenant=request.tenant,
                environment=request.environment,
                stack=request.stack,
                operation=request.operation,
                ok=True,
            )


def _request(tenant: str) -> OperationRequest:
    return OperationRequest(Operation.UP, tenant, "dev", None)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> QueuedFleetRunner:
    monkeypatch.setattr("automation.remote._fleet.RemoteBatch", FakeBatch)
    return QueuedFleetRunner(broker_url="redis://127.0.0.1:1/0")


def test_the_first_interrupt_cancels_only_what_no_worker_took_the_second_everything(
    runner: QueuedFleetRunner,
) -> None:
    seen: list[int] = []
    runner._on_interrupt = seen.append
    runner.cancel()
    assert runner.interrupted
    runner.cancel()
    runner.cancel()
    assert runner._batch.calls == ["cancel_pending", "cancel", "cancel"]  # type: ignore[attr-defined]
    assert seen == [1, 2], "each stage is announced once"


def test_after_an_interrupt_a_later_round_queues_nothing(runner: QueuedFleetRunner) -> None:
    assert [r.ok for r in runner.run([_request("alpha")], failed_result)] == [True]
    assert runner.started("alpha-dev")
    runner.cancel()
    (result,) = runner.run([_request("beta")], failed_result)
    assert not result.ok and result.error == NOT_STARTED
    assert not runner.started("beta-dev"), "an untouched tenant"


def test_a_fleet_runs_here_without_a_broker_and_on_the_queue_with_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert isinstance(fleet_runner(2), FleetRunner)
    monkeypatch.setattr("automation.remote._fleet.RemoteBatch", FakeBatch)
    queued = fleet_runner(2, broker_url="redis://127.0.0.1:6379/0")
    assert isinstance(queued, QueuedFleetRunner)


def test_a_broker_that_is_not_redis_is_refused_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("JOCKEY_BROKER_URL", raising=False)
    with pytest.raises(ConfigurationError, match="must be a Redis URL"):
        fleet_runner(1, broker_url="amqp://127.0.0.1:5672")
