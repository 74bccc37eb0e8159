"""Roll a failed `up` back to the tenant's last good configuration (runs in the worker).

After every successful `up` of a cluster tenant, the spec that produced it is kept as the
stack's last good configuration, in the backend beside the stack (in the stack's record,
`automation._deploy_record`, written by the fleet's bookkeeping), so any worker on any
machine can roll back any tenant. It holds secret *references* only (`fromEnv`, `fromFile`,
ARNs), never a secret value, and the image pinned to the digest that ran. When a later `up`
fails and the cluster shows its rollout did not finish, `RolloutGuard` runs `up` again with
that spec (its secrets resolved again from their sources), so the tenant is back where it was;
the old pods serve throughout (RollingUpdate with maxUnavailable 0). A first deployment has
nothing to roll back to; `--no-rollback` (`rollback=False`) leaves the failed state for debugging.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

import pulumi.automation as auto

from automation._deploy_record import RECORD_TAG, DeployRecord, decode_last_good
from automation._engine_errors import summarize_failure
from automation._engine_events import to_operation_event
from automation._events import OperationEvent
from automation._request import OperationRequest
from automation._results import Operation
from automation.live._cluster import ClusterError, uses_live_cluster
from automation.live._model import KubernetesStatus, Phase
from automation.live._phases import RolloutPhase, RolloutPhases
from automation.live._switch import ROLLBACK_VARIABLE
from infra.spec import DeploymentSpec, SpecError, resolve_pull_secret, resolve_secret_values

log = logging.getLogger("jockey.rollback")


def recall(stack: auto.Stack) -> DeploymentSpec | None:
    """The stack's last good configuration, or None (never deployed, or unreadable)."""
    try:
        value = stack.workspace.list_tags(stack.name).get(RECORD_TAG)
    except auto.CommandError as error:
        log.warning("could not read the last good configuration of %s: %s", stack.name, error)
        return None
    last_good = DeployRecord.decode(value).last_good
    if last_good is None:
        return None
    try:
        return decode_last_good(last_good)
    except ValueError as error:
        log.warning("ignoring an unreadable last good configuration of %s: %s", stack.name, error)
        return None


def rollback_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a failed rollout is rolled back (`JOCKEY_ROLLBACK` is not `off`)."""
    env = os.environ if environ is None else environ
    return env.get(ROLLBACK_VARIABLE, "on").lower() not in ("off", "0", "false", "no")


def not_ready_reason(kubernetes: KubernetesStatus) -> str:
    """Why the rollout did not finish: ready counts and the pods' own reasons."""
    counts = kubernetes.replicas
    head = (
        f"{kubernetes.deployment}: {counts.ready}/{counts.desired} ready, "
        f"{counts.updated} updated, rollout {kubernetes.rollout or 'unknown'}"
    )
    reasons = "; ".join(problem.describe() for problem in kubernetes.problems[:3])
    more = len(kubernetes.problems) - 3
    return head + (f" — {reasons}" if reasons else "") + (f" (+{more} more)" if more > 0 else "")


class RolloutGuard:
    """Runs an `up` and, when its rollout fails, rolls the tenant back.

    Args:
        request: the operation (only `up` of a spec is guarded).
        publish: where phase events (and the rollback's engine events) go.
        cancelled: whether the operation was cancelled (a cancelled `up` is not rolled back).
        read_kubernetes: reads the tenant's live status (tests pass their own).
    """

    def __init__(
        self,
        request: OperationRequest,
        publish: Callable[[OperationEvent], None],
        cancelled: Callable[[], bool] = lambda: False,
        read_kubernetes: Callable[[DeploymentSpec], KubernetesStatus] | None = None,
    ) -> None:
        self._request = request
        self._publish = publish
        self._cancelled = cancelled
        self._read_kubernetes = read_kubernetes
        self._active = request.operation is Operation.UP and request.spec is not None
        self.phases = RolloutPhases(request.tenant, request.stack, publish)
        self.rolled_back = False
        self.reason: str | None = None
        self.rollback_error: str | None = None

    def observe(self, event: OperationEvent) -> None:
        """Follow the operation's events (phase events come out of them)."""
        if self._active:
            self.phases.observe(event)

    def run(self, stack: auto.Stack, engine: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run the engine call; roll back a failed rollout and re-raise."""
        try:
            outputs = engine()
        except auto.CommandError:
            if self._active:
                self._after_failure(stack)
            raise
        if self._active:
            self.phases.reach(RolloutPhase.RUNNING, "up finished")
        return outputs

    def explain(self, error: str | None) -> str | None:
        """The operation's error, led by the rollout's reason and what the rollback did."""
        if error is None or self.reason is None:
            return error
        head = f"rollout failed: {self.reason}"
        if self.rolled_back:
            head += "; rolled back to the last good configuration"
        elif self.rollback_error:
            head += f"; the rollback failed too: {self.rollback_error}"
        return f"{head}\n{error}"

    def _live_status(self, spec: DeploymentSpec) -> KubernetesStatus:
        if self._read_kubernetes is not None:
            return self._read_kubernetes(spec)
        from automation.live._kube_read import kubernetes_snapshot

        return kubernetes_snapshot(spec)

    def _after_failure(self, stack: auto.Stack) -> None:
        spec = self._request.spec
        assert spec is not None
        failed = RolloutPhase.FAILED
        if self._cancelled() or not uses_live_cluster(spec):
            self.phases.reach(failed, "up failed")
            return
        try:
            live = self._live_status(spec)
        except ClusterError as error:
            self.phases.reach(failed, f"up failed; the cluster could not be read: {error}")
            return
        if live.phase is Phase.RUNNING or live.phase is Phase.ABSENT:
            self.phases.reach(failed, "up failed (the Deployment's rollout is not the cause)")
            return
        self.reason = not_ready_reason(live)
        if not rollback_enabled():
            self.phases.reach(failed, f"{self.reason}; not rolled back (--no-rollback)")
            return
        last_good = recall(stack)
        if last_good is None:
            self.phases.reach(failed, f"{self.reason}; first deployment: nothing to roll back to")
            return
        self.phases.reach(failed, self.reason)
        self._roll_back(stack, last_good)

    def _roll_back(self, stack: auto.Stack, last_good: DeploymentSpec) -> None:
        from automation._operations import inline_program

        image = last_good.agent.image.ref or "built image"
        self.phases.reach(RolloutPhase.ROLLING_BACK, f"to the last good configuration ({image})")
        request = self._request

        def forward(event: Any) -> None:
            self._publish(to_operation_event(request.tenant, request.stack, event))

        try:
            secrets = resolve_secret_values(last_good, os.environ)
            pull_secret = resolve_pull_secret(last_good, os.environ)
            stack.up(
                program=inline_program(last_good, secrets, pull_secret),
                on_event=forward,
                color="never",
                show_secrets=False,
            )
        except SpecError as error:
            self.rollback_error = f"a secret of the last good configuration is missing: {error}"
        except auto.CommandError as error:
            self.rollback_error = summarize_failure(str(error), ()).splitlines()[0]
        if self.rollback_error is not None:
            self.phases.reach(RolloutPhase.FAILED, f"rollback failed: {self.rollback_error}")
            return
        self.rolled_back = True
        self.phases.reach(
            RolloutPhase.ROLLED_BACK, f"running the last good configuration ({image})"
        )


__all__ = [
    "ROLLBACK_VARIABLE",
    "RolloutGuard",
    "not_ready_reason",
    "recall",
    "rollback_enabled",
]
