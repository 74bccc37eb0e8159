"""Tenants as stacks: the Automation API layer behind the `jockey` CLI.

Example:
    >>> from pathlib import Path
    >>> import automation
    >>> from infra.spec import load_spec_file
    >>> spec = load_spec_file(Path("examples/demo.yaml"))
    >>> result = automation.up(spec, on_event=print)       # doctest: +SKIP
    >>> result.ok, result.changes.create, result.outputs   # doctest: +SKIP
"""

# Names resolve lazily (PEP 562): `import automation` (and so `jockey --help`) loads neither
# pydantic, yaml nor the spec models until a name is used. The parent process never loads the
# Pulumi SDK at all (operations run in worker processes). `_EXPORTS` is the one list of public
# names; the TYPE_CHECKING imports below mirror it for type checkers (a test keeps them in step).
from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ChangeCounts": "automation._results",
    "ChangeKind": "automation._report",
    "ClusterError": "automation.live",
    "ConfigurationError": "automation._errors",
    "DEFAULT_WAIT_SECONDS": "automation._api",
    "DriftResult": "automation.fleet",
    "DriftState": "automation.fleet",
    "EngineError": "automation._errors",
    "EventCallback": "automation._events",
    "EventKind": "automation._events",
    "FanOut": "automation._fanout",
    "InvalidSpecError": "automation._errors",
    "JockeyError": "automation._errors",
    "LogLine": "automation.live",
    "Operation": "automation._results",
    "OperationEvent": "automation._events",
    "OperationResult": "automation._results",
    "Phase": "automation.live",
    "PropertyChange": "automation._report",
    "ResourceDiff": "automation._report",
    "RolloutPhase": "automation.live",
    "StackBusyError": "automation._errors",
    "StackNotFoundError": "automation._errors",
    "StackStatus": "automation._results",
    "StackSummary": "automation._results",
    "SyncReport": "automation.fleet",
    "TenantPreview": "automation._report",
    "TenantStatus": "automation.live",
    "Toolchain": "automation._toolchain",
    "ToolchainMissingError": "automation._errors",
    "UnsafeOutputError": "automation._errors",
    "cancel_on_signals": "automation._cancel",
    "change_set_json": "automation._report",
    "destroy": "automation._api",
    "drift": "automation.fleet",
    "find_toolchain": "automation._toolchain",
    "list_stacks": "automation._api",
    "logs": "automation.live",
    "outputs": "automation._api",
    "preview": "automation._api",
    "read_event_log": "automation._report",
    "refresh": "automation._api",
    "render": "automation._render",
    "render_markdown": "automation._report",
    "run_many": "automation._api",
    "status": "automation.live",
    "submit": "automation.remote",
    "sync": "automation.fleet",
    "tenant_preview_from_events": "automation._report",
    "up": "automation._api",
    "watch": "automation.live",
}

if TYPE_CHECKING:
    from automation._api import (
        DEFAULT_WAIT_SECONDS as DEFAULT_WAIT_SECONDS,
    )
    from automation._api import (
        destroy as destroy,
    )
    from automation._api import (
        list_stacks as list_stacks,
    )
    from automation._api import (
        outputs as outputs,
    )
    from automation._api import (
        preview as preview,
    )
    from automation._api import (
        refresh as refresh,
    )
    from automation._api import (
        run_many as run_many,
    )
    from automation._api import (
        up as up,
    )
    from automation._cancel import (
        cancel_on_signals as cancel_on_signals,
    )
    from automation._errors import (
        ConfigurationError as ConfigurationError,
    )
    from automation._errors import (
        EngineError as EngineError,
    )
    from automation._errors import (
        InvalidSpecError as InvalidSpecError,
    )
    from automation._errors import (
        JockeyError as JockeyError,
    )
    from automation._errors import (
        StackBusyError as StackBusyError,
    )
    from automation._errors import (
        StackNotFoundError as StackNotFoundError,
    )
    from automation._errors import (
        ToolchainMissingError as ToolchainMissingError,
    )
    from automation._errors import (
        UnsafeOutputError as UnsafeOutputError,
    )
    from automation._events import (
        EventCallback as EventCallback,
    )
    from automation._events import (
        EventKind as EventKind,
    )
    from automation._events import (
        OperationEvent as OperationEvent,
    )
    from automation._fanout import (
        FanOut as FanOut,
    )
    from automation._render import (
        render as render,
    )
    from automation._report import (
        ChangeKind as ChangeKind,
    )
    from automation._report import (
        PropertyChange as PropertyChange,
    )
    from automation._report import (
        ResourceDiff as ResourceDiff,
    )
    from automation._report import (
        TenantPreview as TenantPreview,
    )
    from automation._report import (
        change_set_json as change_set_json,
    )
    from automation._report import (
        read_event_log as read_event_log,
    )
    from automation._report import (
        render_markdown as render_markdown,
    )
    from automation._report import (
        tenant_preview_from_events as tenant_preview_from_events,
    )
    from automation._results import (
        ChangeCounts as ChangeCounts,
    )
    from automation._results import (
        Operation as Operation,
    )
    from automation._results import (
        OperationResult as OperationResult,
    )
    from automation._results import (
        StackStatus as StackStatus,
    )
    from automation._results import (
        StackSummary as StackSummary,
    )
    from automation._toolchain import (
        Toolchain as Toolchain,
    )
    from automation._toolchain import (
        find_toolchain as find_toolchain,
    )
    from automation.fleet import (
        DriftResult as DriftResult,
    )
    from automation.fleet import (
        DriftState as DriftState,
    )
    from automation.fleet import (
        SyncReport as SyncReport,
    )
    from automation.fleet import (
        drift as drift,
    )
    from automation.fleet import (
        sync as sync,
    )
    from automation.live import (
        ClusterError as ClusterError,
    )
    from automation.live import (
        LogLine as LogLine,
    )
    from automation.live import (
        Phase as Phase,
    )
    from automation.live import (
        RolloutPhase as RolloutPhase,
    )
    from automation.live import (
        TenantStatus as TenantStatus,
    )
    from automation.live import (
        logs as logs,
    )
    from automation.live import (
        status as status,
    )
    from automation.live import (
        watch as watch,
    )
    from automation.remote import (
        submit as submit,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'automation' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = sorted(_EXPORTS)
