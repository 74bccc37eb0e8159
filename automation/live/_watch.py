"""`watch`: each change of the tenants' status, as it happens, from the Kubernetes watch API.

Per tenant, four informers (Deployment, ReplicaSets, pods, events of its namespace) keep the
objects current; every change recomputes the tenant's status, and a status that differs from
the last one reported (phase, replica counts, reasons, ...) is yielded. Lambda has no watch
API: its block is read at the start and, while it is not settled, every few seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Sequence
from typing import Any

import httpx2
from lightkube import ApiError
from lightkube.resources.apps_v1 import Deployment, ReplicaSet
from lightkube.resources.core_v1 import Event, Pod

from automation._results import StackStatus
from automation.live._cluster import ClusterError, open_client, server_of, unreachable
from automation.live._feed import Feed
from automation.live._informer import Informer
from automation.live._kube_phase import kubernetes_status
from automation.live._kube_read import deployment_name
from automation.live._model import KubernetesStatus, LambdaStatus, TenantStatus
from automation.live._status import assemble, read_kubernetes_block, read_lambda, read_stack
from infra.spec import DeploymentSpec

LAMBDA_POLL_SECONDS = 5.0
"""How often an unsettled Lambda function is read again (AWS has no watch API)."""


class _FleetWatch:
    def __init__(
        self,
        feed: Feed[TenantStatus],
        specs: Sequence[DeploymentSpec],
        stacks: dict[str, StackStatus],
        until_settled: bool,
    ) -> None:
        self._feed = feed
        self._specs = specs
        self._stacks = stacks
        self._until_settled = until_settled
        self._kubernetes: dict[str, KubernetesStatus | None] = {}
        self._lambdas: dict[str, LambdaStatus | None] = {}
        self._last: dict[str, TenantStatus] = {}
        self.informers: dict[str, list[Informer[Any]]] = {}

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for spec in self._specs:
            self._lambdas[spec.stack_name] = await loop.run_in_executor(
                None, read_lambda, spec, self._stacks[spec.stack_name]
            )
            if spec.kubernetes.enabled and spec.kubernetes.cluster.render_dir is None:
                self._feed.spawn(self._watch_kubernetes(spec))
            else:
                self._kubernetes[spec.stack_name] = read_kubernetes_block(spec)
                self._report(spec)
            if spec.lambda_.enabled:
                self._feed.spawn(self._poll_lambda(spec))

    def _report(self, spec: DeploymentSpec) -> None:
        key = spec.stack_name
        current = assemble(
            spec, self._stacks[key], self._kubernetes.get(key), self._lambdas.get(key)
        )
        previous = self._last.get(key)
        if previous is not None and dataclasses.replace(previous, time=0) == dataclasses.replace(
            current, time=0
        ):
            return
        self._last[key] = current
        self._feed.put(current)
        settled = all(status.phase.settled for status in self._last.values())
        if self._until_settled and len(self._last) == len(self._specs) and settled:
            self._feed.finish()

    async def _poll_lambda(self, spec: DeploymentSpec) -> None:
        from automation.live._aws import lambda_status

        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(LAMBDA_POLL_SECONDS)
            block = self._lambdas.get(spec.stack_name)
            if block is None or block.function is None or block.phase.settled:
                continue
            self._lambdas[spec.stack_name] = await loop.run_in_executor(
                None, lambda_status, block.function
            )
            self._report(spec)

    async def _watch_kubernetes(self, spec: DeploymentSpec) -> None:
        client = open_client(spec)
        self._feed.on_close(client.close)
        namespace, name = spec.namespace, deployment_name(spec)
        changed = asyncio.Event()
        deployments = Informer(client, Deployment, namespace, changed.set)
        replica_sets = Informer(client, ReplicaSet, namespace, changed.set)
        pods = Informer(client, Pod, namespace, changed.set)
        events = Informer(client, Event, namespace, changed.set)
        informers: list[Informer[Any]] = [deployments, replica_sets, pods, events]
        self.informers[spec.stack_name] = informers
        for informer in informers:
            self._feed.spawn(self._guarded(spec, informer.run()))
        await asyncio.gather(*(informer.synced.wait() for informer in informers))
        while True:
            await changed.wait()
            changed.clear()
            self._kubernetes[spec.stack_name] = kubernetes_status(
                namespace,
                name,
                deployments.objects.get(name),
                list(replica_sets.objects.values()),
                list(pods.objects.values()),
                list(events.objects.values()),
            )
            self._report(spec)

    async def _guarded(self, spec: DeploymentSpec, run: Awaitable[None]) -> None:
        try:
            await run
        except ApiError as error:
            raise ClusterError(
                f"the cluster refused to watch namespace {spec.namespace}: {error.status.message}",
                tenant=spec.tenant.id,
                stack=spec.stack_name,
                fix="use a kubeconfig whose user may list and watch deployments, replicasets, "
                "pods and events in the tenant namespace",
            ) from error
        except httpx2.HTTPError as error:
            raise unreachable(spec, server_of(spec), error) from error


def watch(
    specs: DeploymentSpec | Sequence[DeploymentSpec],
    *,
    timeout_seconds: float | None = None,
    until_settled: bool = True,
) -> Feed[TenantStatus]:
    """Each change of the tenants' status, as it happens (an iterator; close it when done).

    The first status of every tenant comes at once; then one per change. Use it in a `with`
    block (or call `close()`): closing stops every stream and leaves no thread behind.

    Args:
        specs: one tenant's spec, or several.
        timeout_seconds: stop after this long (None: no limit).
        until_settled: stop once every tenant is running, rendered or failed.

    Raises:
        ClusterError: a tenant's cluster cannot be reached (or stays away for a minute).
        JockeyError: a tenant's stack cannot be read.
    """
    tenants = [specs] if isinstance(specs, DeploymentSpec) else list(specs)
    deadline = None if timeout_seconds is None else time.time() + timeout_seconds
    stacks = {spec.stack_name: read_stack(spec) for spec in tenants}
    feed: Feed[TenantStatus] = Feed(deadline)
    fleet = _FleetWatch(feed, tenants, stacks, until_settled)
    try:
        feed.run(fleet.start())
    except BaseException:
        feed.close()
        raise
    return feed


__all__ = ["watch"]
