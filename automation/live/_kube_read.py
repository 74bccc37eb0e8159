"""One look at a tenant's Kubernetes objects, folded into a `KubernetesStatus`.

The Deployment, its ReplicaSets, pods and events are read concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx2
from lightkube import ApiError, AsyncClient
from lightkube.core.resource import NamespacedResource
from lightkube.resources.apps_v1 import Deployment, ReplicaSet
from lightkube.resources.core_v1 import Event, Pod

from automation.live._cluster import ClusterError, open_client, server_of, unreachable
from automation.live._kube_phase import kubernetes_status
from automation.live._model import KubernetesStatus
from infra.spec import DeploymentSpec

T = TypeVar("T", bound=NamespacedResource)


def deployment_name(spec: DeploymentSpec) -> str:
    """The agent's Deployment: named after the agent (infra/components/kubernetes)."""
    return spec.agent.name


async def _all(client: AsyncClient, kind: type[T], namespace: str) -> list[T]:
    return [item async for item in client.list(kind, namespace=namespace)]


async def read_kubernetes(client: AsyncClient, spec: DeploymentSpec) -> KubernetesStatus:
    """The tenant's Kubernetes status from one concurrent read of its namespace."""
    namespace, name = spec.namespace, deployment_name(spec)
    try:
        deployment: Deployment | None = await client.get(Deployment, name, namespace=namespace)
    except ApiError as error:
        if error.status.code != 404:
            raise
        deployment = None
    if deployment is None:
        return kubernetes_status(namespace, name, None)
    replica_sets, pods, events = await asyncio.gather(
        _all(client, ReplicaSet, namespace),
        _all(client, Pod, namespace),
        _all(client, Event, namespace),
    )
    return kubernetes_status(namespace, name, deployment, replica_sets, pods, events)


async def with_client(
    spec: DeploymentSpec, work: Callable[[AsyncClient], Awaitable[KubernetesStatus]]
) -> KubernetesStatus:
    """Run `work` with a client for the spec's cluster, turning failures into ClusterError."""
    client = open_client(spec)
    try:
        return await work(client)
    except ApiError as error:
        raise ClusterError(
            f"the cluster refused to read namespace {spec.namespace}: {error.status.message}",
            tenant=spec.tenant.id,
            stack=spec.stack_name,
            fix="use a kubeconfig whose user may get and list deployments, replicasets, pods "
            "and events in the tenant namespace",
        ) from error
    except httpx2.HTTPError as error:
        raise unreachable(spec, server_of(spec), error) from error
    finally:
        await client.close()


def kubernetes_snapshot(spec: DeploymentSpec) -> KubernetesStatus:
    """The tenant's Kubernetes status, read now (blocks; runs its own event loop).

    Raises:
        ClusterError: the cluster cannot be reached or refused the reads.
    """
    # A private loop, not `asyncio.run`: that would leave the caller's thread without a
    # current event loop (and break code of the caller's that expects one).
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(
            with_client(spec, lambda client: read_kubernetes(client, spec))
        )
    finally:
        loop.close()


__all__ = ["deployment_name", "kubernetes_snapshot", "read_kubernetes", "with_client"]
