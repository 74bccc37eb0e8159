"""Tenants as stacks: the Automation API layer behind the `jockey` CLI.

Example:
    >>> from pathlib import Path
    >>> import automation
    >>> from infra.spec import load_spec_file
    >>> spec = load_spec_file(Path("examples/demo.yaml"))
    >>> result = automation.up(spec, on_event=print)       # doctest: +SKIP
    >>> result.ok, result.changes.create, result.outputs   # doctest: +SKIP
"""

# Names resolve lazily (PEP 562) so that `jockey --help` and `jockey validate` never import
# the Pulumi engine modules.
from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ChangeCounts": "automation._results",
    "ChangeKind": "automation._report",
    "ConfigurationError": "automation._errors",
    "DEFAULT_WAIT_SECONDS": "automation._api",
    "EngineError": "automation._errors",
    "EventCallback": "automation._events",
    "EventKind": "automation._events",
    "FanOut": "automation._fanout",
    "InvalidSpecError": "automation._errors",
    "JockeyError": "automation._errors",
    "Operation": "automation._results",
    "OperationEvent": "automation._events",
    "OperationResult": "automation._results",
    "PropertyChange": "automation._report",
    "ResourceChange": "automation._results",
    "ResourceDiff": "automation._report",
    "StackBusyError": "automation._errors",
    "StackNotFoundError": "automation._errors",
    "StackStatus": "automation._results",
    "StackSummary": "automation._api",
    "TenantPreview": "automation._report",
    "Toolchain": "automation._toolchain",
    "ToolchainMissingError": "automation._errors",
    "change_set_json": "automation._report",
    "destroy": "automation._api",
    "find_toolchain": "automation._toolchain",
    "list_stacks": "automation._api",
    "outputs": "automation._api",
    "preview": "automation._api",
    "read_event_log": "automation._report",
    "refresh": "automation._api",
    "render": "automation._render",
    "render_markdown": "automation._report",
    "run_many": "automation._api",
    "status": "automation._api",
    "tenant_preview_from_events": "automation._report",
    "up": "automation._api",
}

if TYPE_CHECKING:
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
        StackBusyError,
        StackNotFoundError,
        ToolchainMissingError,
    )
    from automation._events import EventCallback, EventKind, OperationEvent
    from automation._fanout import FanOut
    from automation._render import render
    from automation._report import (
        ChangeKind,
        PropertyChange,
        ResourceDiff,
        TenantPreview,
        change_set_json,
        read_event_log,
        render_markdown,
        tenant_preview_from_events,
    )
    from automation._results import (
        ChangeCounts,
        Operation,
        OperationResult,
        ResourceChange,
        StackStatus,
    )
    from automation._toolchain import Toolchain, find_toolchain


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'automation' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "DEFAULT_WAIT_SECONDS",
    "ChangeCounts",
    "ChangeKind",
    "ConfigurationError",
    "EngineError",
    "EventCallback",
    "EventKind",
    "FanOut",
    "InvalidSpecError",
    "JockeyError",
    "Operation",
    "OperationEvent",
    "OperationResult",
    "PropertyChange",
    "ResourceChange",
    "ResourceDiff",
    "StackBusyError",
    "StackNotFoundError",
    "StackStatus",
    "StackSummary",
    "TenantPreview",
    "Toolchain",
    "ToolchainMissingError",
    "change_set_json",
    "destroy",
    "find_toolchain",
    "list_stacks",
    "outputs",
    "preview",
    "read_event_log",
    "refresh",
    "render",
    "render_markdown",
    "run_many",
    "status",
    "tenant_preview_from_events",
    "up",
]
