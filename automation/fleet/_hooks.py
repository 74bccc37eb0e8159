"""What the fleet adds to one tenant operation inside its worker process.

- `up` of a cluster tenant refreshes first (unless the request says not to), so a resource
  deleted or edited behind Jockey's back is put back; render mode has nothing to read back.
- The fingerprint tag: removed as an `up` or `destroy` starts (a failed or killed one must
  not leave a fingerprint that claims the stack matches its spec), written again after a
  successful `up`.
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


@contextmanager
def fleet_bookkeeping(
    stack: auto.Stack,
    request: OperationRequest,
    secret_values: Mapping[str, str],
    cli_version: str,
    work_dir: Path,
) -> Iterator[None]:
    """Around the engine call of an `up` or `destroy`: the stack's fingerprint kept in step.

    The fingerprint is forgotten while the engine starts (in a thread, so the removal costs no
    time; it has always finished when the block is left), recorded again after a successful
    `up`; after a successful pruning `destroy`, the stack's work directory goes too.

    Args:
        stack: the tenant's stack.
        request: what runs.
        secret_values: the secret values the program gets (they enter the fingerprint).
        cli_version: the Pulumi CLI's version.
        work_dir: the stack's work directory.
    """
    if request.operation not in (Operation.UP, Operation.DESTROY):
        yield
        return
    removal = _Background(lambda: forget_fingerprint(stack))
    try:
        yield
    except BaseException:
        if removal.wait() is not None:
            _warn(stack.name, f"could not forget the fingerprint ({removal.error})")
        raise
    removal.wait()  # a failed removal is overwritten (up) or irrelevant (destroy)
    if request.operation is Operation.UP and request.spec is not None:
        material = fingerprint_material(
            request.spec, secret_values, current_versions(cli_version), os.environ
        )
        record_fingerprint(stack, fingerprint(material))
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


def record_fingerprint(stack: auto.Stack, value: str) -> None:
    """Tag the stack with its fingerprint; a failure only costs a later re-run, so it warns."""
    import pulumi.automation as auto

    try:
        stack.workspace.set_tag(stack.name, FINGERPRINT_TAG, value)
    except auto.CommandError as error:
        first = " ".join(str(error).strip().splitlines()[:1])
        _warn(stack.name, f"could not record the fingerprint ({first}); the next sync runs it")


def forget_fingerprint(stack: auto.Stack) -> None:
    """Remove the fingerprint tag (nothing happens when there is none)."""
    stack.workspace.remove_tag(stack.name, FINGERPRINT_TAG)


__all__ = [
    "fleet_bookkeeping",
    "forget_fingerprint",
    "record_fingerprint",
    "refreshes_first",
    "renders_to_folder",
]
