"""What the fleet adds to one tenant operation inside its worker process.

- `up` of a cluster tenant refreshes first (unless the request says not to), so a resource
  deleted or edited behind Jockey's back is put back; render mode has nothing to read back.
- The fingerprint tag: removed before an `up` or `destroy` starts (a failed or killed one
  must not leave a fingerprint that claims the stack matches its spec), written again after
  a successful `up`.
- A pruning `destroy` also removes the stack (the engine's `destroy --remove`) and then
  Jockey's own record of it (its work directory, with the stack settings).

Called by `automation._operations`; the stack is a Pulumi Automation API `Stack`.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from automation._request import OperationRequest
from automation._results import Operation
from automation.fleet._fingerprint import (
    FINGERPRINT_TAG,
    current_versions,
    fingerprint,
    fingerprint_material,
)

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


def before_engine(stack: auto.Stack, request: OperationRequest) -> None:
    """Forget the stack's fingerprint before an operation that changes what it deployed."""
    if request.operation in (Operation.UP, Operation.DESTROY):
        forget_fingerprint(stack)


def after_engine(
    stack: auto.Stack,
    request: OperationRequest,
    secret_values: Mapping[str, str],
    cli_version: str,
    work_dir: Path,
) -> None:
    """After a successful operation: record the fingerprint of an `up`; forget a removed stack."""
    if request.operation is Operation.UP and request.spec is not None:
        material = fingerprint_material(
            request.spec, secret_values, current_versions(cli_version), os.environ
        )
        record_fingerprint(stack, fingerprint(material))
    elif request.operation is Operation.DESTROY and request.remove_stack:
        shutil.rmtree(work_dir, ignore_errors=True)


def record_fingerprint(stack: auto.Stack, value: str) -> None:
    """Tag the stack with its fingerprint; a failure only costs a later re-run, so it warns."""
    import pulumi.automation as auto

    try:
        stack.workspace.set_tag(stack.name, FINGERPRINT_TAG, value)
    except auto.CommandError as error:
        first = str(error).strip().splitlines()[:1]
        print(
            f"[{stack.name}] warning: could not record the fingerprint ({' '.join(first)}); "
            "the next `jockey sync` runs this tenant again",
            file=sys.stderr,
        )


def forget_fingerprint(stack: auto.Stack) -> None:
    """Remove the fingerprint tag (nothing happens when there is none)."""
    stack.workspace.remove_tag(stack.name, FINGERPRINT_TAG)


__all__ = [
    "after_engine",
    "before_engine",
    "forget_fingerprint",
    "record_fingerprint",
    "refreshes_first",
    "renders_to_folder",
]
