"""Repair what a crashed operation left behind, before the next one goes on.

A killed worker or engine leaves Pulumi's lock (which never expires) and pending
operations in the state. Holding the stack's lease proves nobody else runs on it, so the
new holder clears the lock, then deals with the pending operations:
- against a cluster, it refreshes: the engine reads every resource back from its provider
  and clears the pending creates refresh cannot find;
- in render mode there is nothing to read back (the provider only writes files), so it
  drops the pending operations from the state; the next `up` rewrites their manifests.
Kubernetes creates are idempotent (server-side apply upserts; render mode overwrites the
file), so nothing is orphaned and nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi.automation as auto

from automation._lease import Lease

_DIRTY_SUFFIX = ".needs-repair"


def mark_needs_repair(lease_dir: Path, stack: str) -> None:
    """Record that the engine stopped abnormally (killed, cancelled) under our lease."""
    (lease_dir / f"{stack}{_DIRTY_SUFFIX}").touch()


def _renders_to_folder(deployment: Mapping[str, Any]) -> bool:
    return any(
        resource.get("type") == "pulumi:providers:kubernetes"
        and (resource.get("inputs") or {}).get("renderYamlToDirectory")
        for resource in deployment.get("resources") or []
    )


def _drop_pending_operations(stack: auto.Stack, exported: auto.Deployment) -> None:
    deployment = dict(exported.deployment or {})
    deployment["pending_operations"] = []
    stack.import_stack(auto.Deployment(version=exported.version, deployment=deployment))


def repair_stack(stack: auto.Stack, lease: Lease, lease_dir: Path) -> tuple[str, ...]:
    """Repair the stack if its previous operation died; returns what was done.

    Only runs when the lease shows a dead holder or an abnormal stop was recorded, so a
    healthy stack pays nothing.
    """
    marker = lease_dir / f"{lease.stack}{_DIRTY_SUFFIX}"
    if lease.taken_over is None and not marker.exists():
        return ()
    done: list[str] = []
    stack.cancel()  # removes Pulumi's stale lock; a no-op when there is none
    done.append("cleared Pulumi's stale lock")
    exported = stack.export_stack()
    deployment = exported.deployment or {}
    pending = len(deployment.get("pending_operations") or [])
    if pending and _renders_to_folder(deployment):
        _drop_pending_operations(stack, exported)
        done.append(f"cleared {pending} pending operation(s); `up` rewrites their manifests")
    elif pending:
        stack.refresh(clear_pending_creates=True, color="never", show_secrets=False)
        done.append(f"refreshed and cleared {pending} pending operation(s)")
    marker.unlink(missing_ok=True)
    return tuple(done)
