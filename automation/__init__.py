"""Tenants as stacks: the Automation API layer behind the `jockey` CLI.

Example:
    >>> from pathlib import Path
    >>> import automation
    >>> from infra.spec import load_spec_file
    >>> spec = load_spec_file(Path("examples/demo.yaml"))
    >>> result = automation.up(spec, on_event=print)       # doctest: +SKIP
    >>> result.ok, result.changes.create, result.outputs   # doctest: +SKIP
"""

from automation._api import (
    DEFAULT_WAIT_SECONDS,
    StackSummary,
    destroy,
    list_stacks,
    outputs,
    preview,
    refresh,
    run_many,
    status,
    up,
)
from automation._errors import (
    ConfigurationError,
    EngineError,
    InvalidSpecError,
    JockeyError,
    OperationCancelledError,
    StackBusyError,
    StackNotFoundError,
    ToolchainMissingError,
)
from automation._events import EventCallback, EventKind, OperationEvent
from automation._fanout import FanOut
from automation._render import render
from automation._results import (
    ChangeCounts,
    Operation,
    OperationResult,
    ResourceChange,
    StackStatus,
)
from automation._toolchain import Toolchain, find_toolchain

__all__ = [
    "DEFAULT_WAIT_SECONDS",
    "ChangeCounts",
    "ConfigurationError",
    "EngineError",
    "EventCallback",
    "EventKind",
    "FanOut",
    "InvalidSpecError",
    "JockeyError",
    "Operation",
    "OperationCancelledError",
    "OperationEvent",
    "OperationResult",
    "ResourceChange",
    "StackBusyError",
    "StackNotFoundError",
    "StackStatus",
    "StackSummary",
    "Toolchain",
    "ToolchainMissingError",
    "destroy",
    "find_toolchain",
    "list_stacks",
    "outputs",
    "preview",
    "refresh",
    "render",
    "run_many",
    "status",
    "up",
]
