"""What the fleet adds to one tenant operation inside its worker process.

- `up` of a cluster tenant refreshes first (unless the request says not to), so a resource
  deleted or edited behind Jockey's back is put back; render mode has nothing to read back.
- The stack's record (`automation._deploy_record`): its fingerprint dropped as an `up` or
  `destroy` starts (a failed or killed one must not leave a fingerprint that claims the stack
  matches its spec), the record written again after a successful `up`, with the last good
  configuration a rollback goes back to.
- A pruning `destroy` also removes the stack (the engine's `destroy --remove`) and then
  Jockey's own record of it (its work directory, with the stack settings).

Called by `automation._operations`; the stack is a Pulumi Automation API `Stack`.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automation._deploy_record import RECORD_TAG, DeployRecord, encode_last_good
from automation._request import OperationRequest
from automation._results import Operation
from automation.fleet._fingerprint import current_versions, fingerprint, fingerprint_material
from automation.live._cluster import uses_live_cluster

if TYPE_CHECKING:
    import pulumi.automation as auto


def renders_to_folder(request: OperationRequest) -> bool:
    """Whether the tenant's Kubernetes target only writes manifests (no live cluster)."""
    spec = request.spec
    return bool(spec and spec.kubernetes.enabled and spec.kubernetes.cluster.render_dir)


def refreshes_first(request: OperationRequest) -> bool:
    """Whether the engine reads the live resources before this `up` or `preview`.

    A request's explicit `refresh` wins, except that render mode never refreshes; by default
    only `up` refreshes.
    """
    if request.spec is None or renders_to_folder(request):
        return False
    if request.refresh is not None:
        return request.refresh
    return request.operation is Operation.UP


@dataclass
class Deployed:
    """What the caller tells the bookkeeping about a successful `up`: the stack's outputs."""

    outputs: Mapping[str, Any] = field(default_factory=dict)


@contextmanager
def fleet_bookkeeping(
    stack: auto.Stack,
    request: OperationRequest,
    secret_values: Mapping[str, str],
    cli_version: str,
    work_dir: Path,
) -> Iterator[Deployed]:
    """Around the engine call of an `up` or `destroy`: the stack's record kept in step.

    The record's fingerprint is forgotten while the engine starts (in a thread, so it costs
    no time; it has always finished when the block is left); after a successful `up` the
    record is written again, once: the new fingerprint and, for a cluster tenant, its spec as
    the last good configuration (set `outputs` on the yielded `Deployed` so a built image is
    pinned to its digest). After a successful pruning `destroy`, the stack's work directory
    goes too.

    Args:
        stack: the tenant's stack.
        request: what runs.
        secret_values: the secret values the program gets (they enter the fingerprint).
        cli_version: the Pulumi CLI's version.
        work_dir: the stack's work directory.
    """
    deployed = Deployed()
    if request.operation not in (Operation.UP, Operation.DESTROY):
        yield deployed
        return
    keep_last_good = request.operation is Operation.UP
    removal = _Background(lambda: forget_fingerprint(stack, keep_last_good=keep_last_good))
    try:
        yield deployed
    except BaseException:
        if removal.wait() is not None:
            _warn(stack.name, f"could not forget the fingerprint ({removal.error})")
        raise
    removal.wait()  # a failed removal is overwritten (up) or irrelevant (destroy)
    spec = request.spec
    if request.operation is Operation.UP and spec is not None:
        material = fingerprint_material(
            spec, secret_values, current_versions(cli_version), os.environ
        )
        last_good = encode_last_good(spec, deployed.outputs) if uses_live_cluster(spec) else None
        record_fingerprint(stack, DeployRecord(fingerprint(material), last_good))
    elif request.remove_stack:
        shutil.rmtree(work_dir, ignore_errors=True)


class _Background:
    """A call on its own thread; `wait()` joins it and returns its error, if any."""

    def __init__(self, call: Callable[[], None]) -> None:
        self.error: BaseException | None = None
        self._call = call
        self._thread = threading.Thread(target=self._run, name="jockey-fingerprint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._call()
        except Exception as error:  # reported by whoever waits
            self.error = error

    def wait(self) -> BaseException | None:
        self._thread.join()
        return self.error


def _warn(stack: str, message: str) -> None:
    print(f"[{stack}] warning: {message}", file=sys.stderr)


def record_fingerprint(stack: auto.Stack, record: DeployRecord) -> None:
    """Write the stack's record; a failure only costs a later re-run, so it warns."""
    import pulumi.automation as auto

    value = record.encode()
    try:
        if value is None:
            stack.workspace.remove_tag(stack.name, RECORD_TAG)
        else:
            stack.workspace.set_tag(stack.name, RECORD_TAG, value)
    except auto.CommandError as error:
        first = " ".join(str(error).strip().splitlines()[:1])
        _warn(stack.name, f"could not record the fingerprint ({first}); the next sync runs it")


def forget_fingerprint(stack: auto.Stack, *, keep_last_good: bool = True) -> None:
    """Drop the record's fingerprint (keeping its last good configuration unless told not to).

    A stack without a record is left as it is: no write.
    """
    recorded = DeployRecord.decode(stack.workspace.list_tags(stack.name).get(RECORD_TAG))
    if recorded.encode() is None:
        return
    pending = recorded.pending() if keep_last_good else DeployRecord()
    value = pending.encode()
    if value is None:
        stack.workspace.remove_tag(stack.name, RECORD_TAG)
    else:
        stack.workspace.set_tag(stack.name, RECORD_TAG, value)


__all__ = [
    "Deployed",
    "fleet_bookkeeping",
    "forget_fingerprint",
    "record_fingerprint",
    "refreshes_first",
    "renders_to_folder",
]
