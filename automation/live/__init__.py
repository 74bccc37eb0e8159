"""Live tenants: status as a state machine, watch, logs, and rollback of a failed rollout.

- `status(spec)`: the tenant's phase (absent, pending, deploying, running, degraded, failed;
  rendered in render mode), its Deployment as the cluster reports it, its Lambda function as
  AWS does, and the stack's last operation.
- `watch(specs)`: each change of that status, from the Kubernetes watch API.
- `logs(spec)`: every pod's lines (and the function's CloudWatch events), optionally followed.
- In the worker, `up` waits for the rollout and rolls a failed one back to the last good
  configuration (`automation.live._rollback`), reporting phases as `phase` events.

The client library is lightkube (see docs/live.md for why). Names resolve lazily: the worker
imports the rollback guard without loading the cluster client.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ClusterError": "automation.live._cluster",
    "KubernetesStatus": "automation.live._model",
    "LambdaStatus": "automation.live._model",
    "LastOperation": "automation.live._model",
    "LogLine": "automation.live._model",
    "Phase": "automation.live._model",
    "PodProblem": "automation.live._model",
    "ReplicaCounts": "automation.live._model",
    "RolloutPhase": "automation.live._phases",
    "RolloutState": "automation.live._model",
    "TenantStatus": "automation.live._model",
    "logs": "automation.live._logs",
    "status": "automation.live._status",
    "watch": "automation.live._watch",
}

if TYPE_CHECKING:
    from automation.live._cluster import ClusterError as ClusterError
    from automation.live._logs import logs as logs
    from automation.live._model import KubernetesStatus as KubernetesStatus
    from automation.live._model import LambdaStatus as LambdaStatus
    from automation.live._model import LastOperation as LastOperation
    from automation.live._model import LogLine as LogLine
    from automation.live._model import Phase as Phase
    from automation.live._model import PodProblem as PodProblem
    from automation.live._model import ReplicaCounts as ReplicaCounts
    from automation.live._model import RolloutState as RolloutState
    from automation.live._model import TenantStatus as TenantStatus
    from automation.live._phases import RolloutPhase as RolloutPhase
    from automation.live._status import status as status
    from automation.live._watch import watch as watch


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'automation.live' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = sorted(_EXPORTS)
