"""Repair what a crashed operation left behind, before the next one goes on.

A killed worker or engine leaves Pulumi's lock (which never expires) and pending
operations in the state. Holding the stack's lease proves nobody else runs on it, so the
new holder clears the lock, then refreshes: the engine reads every resource back from its
provider and clears the pending creates that refresh cannot find. Kubernetes creates are
idempotent on the next `up` (render mode rewrites the file, server-side apply upserts),
so nothing is orphaned.
"""

from __future__ import annotations

from pathlib import Path

import pulumi.automation as auto

from automation._lease import Lease

_DIRTY_SUFFIX = ".needs-repair"


def mark_needs_repair(lease_dir: Path, stack: str) -> None:
    """Record that the engine stopped abnormally (killed, cancelled) under our lease."""
    (lease_dir / f"{stack}{_DIRTY_SUFFIX}").touch()


def _pending_operations(stack: auto.Stack) -> int:
    deployment = stack.export_stack().deployment or {}
    return len(deployment.get("pending_operations") or [])


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
    pending = _pending_operations(stack)
    if pending:
        stack.refresh(clear_pending_creates=True, color="never", show_secrets=False)
        done.append(f"refreshed and cleared {pending} pending operation(s)")
    marker.unlink(missing_ok=True)
    return tuple(done)
