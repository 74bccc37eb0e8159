"""Checks a cluster tenant's API server before the stack is touched; waits out short outages.

A spec whose cluster does not answer fails before anything runs, naming the kubeconfig file,
the context, the server and the fix: no traceback, no stack or resource left behind. An
operation that fails because the API server went away for a moment (a control-plane restart)
is retried (it is idempotent: server-side apply) once the server answers again, within the
operation's deadline.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from automation._errors import JockeyError
from infra.spec import DeploymentSpec

PROBE_TIMEOUT_SECONDS = 5.0
"""How long one probe of the API server may take."""
OUTAGE_BUDGET_SECONDS = 60.0
"""How long an operation waits for an API server that went away, when it has no deadline."""
MAX_ATTEMPTS = 3
"""Engine runs per operation when the API server keeps going away."""

_OUTAGE = re.compile(
    r"connection refused|connection reset by peer|i/o timeout|TLS handshake timeout|"
    r"http2: client connection lost|unexpected EOF|the server is currently unable|"
    r"dial tcp [^:]+:\d+: connect",
    re.IGNORECASE,
)
_POLL_SECONDS = 1.0

T = TypeVar("T")


class ClusterUnreachableError(JockeyError):
    """The tenant's API server did not answer; nothing was changed."""


def _describe(spec: DeploymentSpec, server: str) -> str:
    cluster = spec.kubernetes.cluster
    kubeconfig = str(cluster.kubeconfig) if cluster.kubeconfig else "$KUBECONFIG"
    context = cluster.context or "(current-context)"
    return f"kubeconfig {kubeconfig}, context {context}, server {server}"


def probe(spec: DeploymentSpec) -> str | None:
    """None when the spec's API server answers (any HTTP answer, even 403); else why not."""
    import httpx2
    from lightkube import ApiError, Client
    from lightkube.resources.core_v1 import Namespace

    from automation.live._cluster import ClusterError, cluster_config

    try:
        config = cluster_config(spec)
    except ClusterError as error:
        return error.message
    try:
        client = Client(config=config, timeout=httpx2.Timeout(PROBE_TIMEOUT_SECONDS))
    except Exception as error:  # lightkube raises several types for bad certificates
        return f"cannot build a client: {type(error).__name__}: {error}"
    try:
        client.get(Namespace, name="default")
    except ApiError:
        return None  # the server answered (perhaps 403 or 404): it is there
    except httpx2.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    finally:
        client.close()
    return None


def _server(spec: DeploymentSpec) -> str:
    from automation.live._cluster import server_of

    return server_of(spec)


def require_cluster(spec: DeploymentSpec) -> None:
    """Fail before anything runs when the spec's API server does not answer.

    Raises:
        ClusterUnreachableError: naming the kubeconfig, context and server, with the fix.
    """
    problem = probe(spec)
    if problem is None:
        return
    raise ClusterUnreachableError(
        f"the cluster does not answer ({_describe(spec, _server(spec))}): {problem}; "
        "nothing was changed",
        tenant=spec.tenant.id,
        stack=spec.stack_name,
        fix="start or reach the API server (`kubectl --kubeconfig FILE cluster-info`), or fix "
        "kubernetes.cluster.kubeconfig / context in the spec",
    )


def is_outage(engine_output: str) -> bool:
    """Whether an engine failure reads as the API server going away."""
    return _OUTAGE.search(engine_output) is not None


def wait_for_cluster(spec: DeploymentSpec, until: float) -> bool:
    """Poll the API server until it answers (True) or the epoch time `until` passes (False)."""
    while time.time() < until:
        if probe(spec) is None:
            return True
        time.sleep(_POLL_SECONDS)
    return probe(spec) is None


def ride_out_outages(
    spec: DeploymentSpec,
    run: Callable[[], T],
    failure_text: Callable[[Exception], str | None],
    *,
    deadline: float | None,
    on_retry: Callable[[int, str], None],
) -> tuple[T, int]:
    """Run `run`; when it fails because the API server went away, wait for it and run again.

    Args:
        spec: the tenant (a live-cluster tenant).
        run: the idempotent engine call.
        failure_text: the engine output of an exception `run` raised, or None if it is not an
            engine failure (then it propagates at once).
        deadline: the operation's deadline (epoch seconds), or None.
        on_retry: called with the attempt number about to start and the reason.

    Returns:
        What `run` returned, and how many attempts it took.
    """
    attempt = 1
    while True:
        try:
            return run(), attempt
        except Exception as error:
            text = failure_text(error)
            if text is None or attempt >= MAX_ATTEMPTS or not is_outage(text):
                raise
            until = deadline if deadline is not None else time.time() + OUTAGE_BUDGET_SECONDS
            if not wait_for_cluster(spec, until):
                raise
            attempt += 1
            on_retry(attempt, "the API server went away and answers again")


__all__ = [
    "ClusterUnreachableError",
    "is_outage",
    "require_cluster",
    "ride_out_outages",
    "wait_for_cluster",
]
