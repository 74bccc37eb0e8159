"""Reaching a tenant's cluster: the kubeconfig its spec names and a lightkube client.

The typed errors say which file, context and server failed, and what to do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # lightkube loads only when a cluster is read (render-mode workers skip it)
    from lightkube import AsyncClient
    from lightkube.config.kubeconfig import SingleConfig

from automation._errors import JockeyError
from infra.spec import DeploymentSpec

REQUEST_TIMEOUT_SECONDS = 10.0
"""Connect, read and write timeout of one API request (watches and follows never time out)."""


class ClusterError(JockeyError):
    """The tenant's cluster cannot be reached or refused a request."""


def _kubeconfig_candidates(spec: DeploymentSpec) -> list[Path]:
    cluster = spec.kubernetes.cluster
    if cluster.kubeconfig is not None:
        return [cluster.kubeconfig]
    configured = os.environ.get("KUBECONFIG", "")
    paths = [Path(item).expanduser() for item in configured.split(os.pathsep) if item]
    return paths or [Path("~/.kube/config").expanduser()]


def cluster_config(spec: DeploymentSpec) -> SingleConfig:
    """The kubeconfig context the spec points at (its file, else `KUBECONFIG`'s files).

    Raises:
        ClusterError: no file holds the context, or a file is not a kubeconfig.
    """
    from lightkube import ConfigError, KubeConfig

    context = spec.kubernetes.cluster.context
    problems: list[str] = []
    for path in _kubeconfig_candidates(spec):
        try:
            config = KubeConfig.from_file(path)
            single = config.get(context_name=context)
        except (ConfigError, OSError, KeyError, TypeError, ValueError) as error:
            problems.append(f"{path}: {error}")
            continue
        if single is not None:
            return single
    raise ClusterError(
        f"no usable kubeconfig for context {context or '(current-context)'}: "
        + "; ".join(problems),
        tenant=spec.tenant.id,
        stack=spec.stack_name,
        fix="set kubernetes.cluster.kubeconfig (and context) in the spec, or KUBECONFIG",
    )


def open_client(spec: DeploymentSpec) -> AsyncClient:
    """An async lightkube client for the tenant's cluster (close it with `await close()`).

    Raises:
        ClusterError: the kubeconfig is unusable.
    """
    import httpx2
    from lightkube import AsyncClient, ConfigError

    config = cluster_config(spec)
    try:
        return AsyncClient(config=config, timeout=httpx2.Timeout(REQUEST_TIMEOUT_SECONDS))
    except (ConfigError, OSError, ValueError) as error:
        raise ClusterError(
            f"cannot build a client for context {config.context_name}: {error}",
            tenant=spec.tenant.id,
            stack=spec.stack_name,
            fix="check the kubeconfig's certificates and server URL",
        ) from error


def unreachable(spec: DeploymentSpec, server: str, error: BaseException) -> ClusterError:
    """The error for an API server that does not answer (or refuses us)."""
    return ClusterError(
        f"the cluster at {server} did not answer: {type(error).__name__}: {error}",
        tenant=spec.tenant.id,
        stack=spec.stack_name,
        fix="check that the API server runs (`kubectl cluster-info`) and the kubeconfig's "
        "credentials",
    )


def server_of(spec: DeploymentSpec) -> str:
    """The API server URL of the spec's context ("?" when the kubeconfig is unusable)."""
    try:
        return cluster_config(spec).cluster.server or "?"
    except ClusterError:
        return "?"


def uses_live_cluster(spec: DeploymentSpec) -> bool:
    """Whether the spec deploys to a cluster (Kubernetes on, not rendering YAML)."""
    return spec.kubernetes.enabled and spec.kubernetes.cluster.render_dir is None


__all__ = [
    "ClusterError",
    "cluster_config",
    "open_client",
    "server_of",
    "unreachable",
    "uses_live_cluster",
]
