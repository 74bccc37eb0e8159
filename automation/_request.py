"""What a worker is asked to run: a small picklable request, free of engine imports.

The parent process never loads the Pulumi SDK just to ask.
"""

from __future__ import annotations

from dataclasses import dataclass

from automation._results import Operation
from infra.spec import DeploymentSpec, stack_name


@dataclass(frozen=True)
class OperationRequest:
    """What a worker runs: picklable, holds no secret values.

    Attributes:
        operation: preview, up, destroy or refresh.
        tenant: tenant id.
        environment: the tenant's environment.
        spec: the validated spec (None for a destroy by tenant and environment).
        wait_seconds: how long to wait for a busy stack (0 fails fast).
        deadline: epoch seconds by which the operation must end, or None.
        env_overrides: variables the worker sets before it starts (used by `render` to point
            at a throwaway backend).
        refresh: read the live resources first (`up` and `preview`); None lets the worker
            decide (`up` of a cluster tenant refreshes, render mode never does).
        remove_stack: after a successful `destroy`, remove the stack and Jockey's records.
    """

    operation: Operation
    tenant: str
    environment: str
    spec: DeploymentSpec | None
    wait_seconds: float = 0.0
    deadline: float | None = None
    env_overrides: tuple[tuple[str, str], ...] = ()
    refresh: bool | None = None
    remove_stack: bool = False

    @property
    def stack(self) -> str:
        """`<tenant>-<environment>`."""
        return stack_name(self.tenant, self.environment)


@dataclass(frozen=True)
class ReadRequest:
    """A read of the backend a worker runs (outputs, stack status, the list of stacks).

    The caller's process never loads the Pulumi SDK to read a stack either.

    Attributes:
        function: the name of a function in `automation._stack_reads`.
        args: its arguments (tenant, environment).
    """

    function: str
    args: tuple[str, ...] = ()
    env_overrides: tuple[tuple[str, str], ...] = ()
    deadline: float | None = None

    @property
    def tenant(self) -> str | None:
        """The tenant read, if the read concerns one."""
        return self.args[0] if self.args else None

    @property
    def stack(self) -> str | None:
        """The stack read, if the read concerns one."""
        return stack_name(*self.args[:2]) if len(self.args) >= 2 else None
