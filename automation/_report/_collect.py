"""A tenant's engine events, folded into its `TenantPreview`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from automation._diff import step_op
from automation._report._compare import differences
from automation._report._model import (
    ChangeKind,
    PropertyChange,
    ResourceDiff,
    TenantPreview,
    resource_order,
)
from automation._report._paths import (
    PathSyntaxError,
    Segment,
    format_path,
    parse_path,
    resolve,
)
from automation._report._values import redact
from automation._results import ChangeCounts

if TYPE_CHECKING:
    from pulumi.automation.events import EngineEvent, StepEventMetadata, StepEventStateMetadata

STACK_TYPE = "pulumi:pulumi:Stack"
"""The stack's own root resource: never a change worth listing."""

# A replacement is three engine steps for one URN (the logical `replace`, its
# `create-replacement` and `delete-replaced`); the summary counts it once, and so does the report.
_FOLDED_OPS = {
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "read-replacement": "read",
    "import-replacement": "import",
    "discard-replaced": "discard",
}
_UNCHANGED_OPS = frozenset({"same", "refresh", "remove-pending-replace"})
_DIAGNOSTIC_SEVERITIES = ("error", "warning")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|<\{%[^%]*%\}>")


@dataclass
class _Steps:
    """Every step the engine reported for one URN."""

    urn: str
    type: str
    op: str | None = None
    keys: list[str] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    detailed: dict[str, Any] = field(default_factory=dict)
    old: StepEventStateMetadata | None = None
    new: StepEventStateMetadata | None = None

    def add(self, meta: StepEventMetadata) -> None:
        op = step_op(meta.op)
        folded = _FOLDED_OPS.get(op, op)
        if self.op in _UNCHANGED_OPS and folded not in _UNCHANGED_OPS:
            # A refresh step came first (`preview --refresh`, `up --refresh`): the step
            # that follows it is the change, diffed against what the refresh read.
            self.op, self.old, self.new = None, None, None
            self.keys, self.diffs, self.detailed = [], [], {}
        if self.op is None or folded == "replace":
            self.op = folded
        self.keys.extend(key for key in meta.keys or () if key not in self.keys)
        self.diffs.extend(key for key in meta.diffs or () if key not in self.diffs)
        for path, diff in (meta.detailed_diff or {}).items():
            self.detailed.setdefault(path, diff)
        if meta.old is not None and (self.old is None or meta.logical):
            self.old = meta.old
        if meta.new is not None and (self.new is None or meta.logical):
            self.new = meta.new

    @property
    def custom(self) -> bool:
        state = self.new or self.old
        return bool(state is not None and state.custom)


def tenant_preview_from_events(
    tenant: str,
    environment: str,
    stack: str,
    events: Iterable[EngineEvent | None],
    *,
    ok: bool = True,
    error: str | None = None,
    operation: str = "preview",
) -> TenantPreview:
    """Fold one tenant's engine events (as the Automation API delivers them) into a preview.

    Resources come from resource-pre events; the stack resource, unchanged resources and
    component resources without a property diff are left out. Property diffs come from the
    step's detailed diff, else its changed top-level keys, else a comparison of old and new
    inputs. Every value is redacted: a secret shows as `[secret]`, never its value.

    Args:
        tenant: tenant id.
        environment: the tenant's environment.
        stack: the tenant's stack name.
        events: the operation's engine events, in order (None entries are skipped).
        ok: whether the operation succeeded.
        error: its error message, when it failed.
        operation: the operation the events came from.

    Returns:
        The tenant's preview; change counts come from the engine's summary event (or, when
        the engine sent none, from the resources found).
    """
    steps: dict[str, _Steps] = {}
    outputs: dict[str, Any] = {}
    diagnostics: list[str] = []
    summary: dict[str, int] | None = None
    for event in events:
        if event is None:
            continue
        if event.resource_pre_event is not None:
            meta = event.resource_pre_event.metadata
            steps.setdefault(meta.urn, _Steps(meta.urn, meta.type)).add(meta)
        elif event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            if meta.type == STACK_TYPE and meta.new is not None and meta.new.outputs:
                outputs = redact(dict(meta.new.outputs))
        elif event.diagnostic_event is not None:
            message = _diagnostic(event)
            if message is not None and message not in diagnostics:
                diagnostics.append(message)
        elif event.summary_event is not None:
            changes = event.summary_event.resource_changes
            summary = {step_op(op): int(count) for op, count in changes.items()}
    resources = tuple(
        sorted(
            (resource for resource in map(_resource, steps.values()) if resource is not None),
            key=resource_order,
        )
    )
    return TenantPreview(
        tenant=tenant,
        environment=environment,
        stack=stack,
        ok=ok,
        error=error,
        changes=ChangeCounts.from_summary(summary) if summary is not None else _count(resources),
        resources=resources,
        outputs=outputs,
        diagnostics=tuple(diagnostics),
        operation=operation,
    )


def _count(resources: Sequence[ResourceDiff]) -> ChangeCounts:
    ops = [resource.op for resource in resources]
    return ChangeCounts.from_summary({op: ops.count(op) for op in set(ops)})


def _diagnostic(event: EngineEvent) -> str | None:
    diag = event.diagnostic_event
    if diag is None or diag.severity not in _DIAGNOSTIC_SEVERITIES or diag.ephemeral:
        return None
    message = _ANSI.sub("", diag.message).strip()
    if not message:
        return None
    name = diag.urn.rsplit("::", 1)[-1] if diag.urn and STACK_TYPE not in diag.urn else None
    return f"{diag.severity}: {name}: {message}" if name else f"{diag.severity}: {message}"


def _resource(steps: _Steps) -> ResourceDiff | None:
    if steps.type == STACK_TYPE or steps.op is None or steps.op in _UNCHANGED_OPS:
        return None
    properties = _properties(steps)
    if not steps.custom and not properties:
        return None
    return ResourceDiff(
        urn=steps.urn,
        type=steps.type,
        name=steps.urn.rsplit("::", 1)[-1],
        op=steps.op,
        replace_reasons=tuple(steps.keys) if steps.op == "replace" else (),
        properties=properties,
    )


def _properties(steps: _Steps) -> tuple[PropertyChange, ...]:
    old_inputs = redact(dict(steps.old.inputs or {})) if steps.old is not None else {}
    old_state = redact(dict(steps.old.outputs or {})) if steps.old is not None else {}
    new_inputs = redact(dict(steps.new.inputs or {})) if steps.new is not None else {}
    reasons = [_segments(key) for key in steps.keys]

    changes: list[tuple[tuple[Segment, ...] | None, PropertyChange]] = []
    if steps.detailed:
        for path, diff in steps.detailed.items():
            kind = ChangeKind(step_op(diff.diff_kind))
            segments = _segments(path)
            # The provider diffed against the old state unless it says the inputs changed.
            sources = (old_inputs,) if diff.input_diff else (old_state, old_inputs)
            old = None if kind.base == "add" else _lookup(segments, *sources)
            new = None if kind.base == "delete" else _lookup(segments, new_inputs)
            changes.append((segments, PropertyChange(path, kind, old, new)))
    elif steps.diffs:
        for key in steps.diffs:
            segments = (key,)
            base = "update" if key in old_inputs and key in new_inputs else "add"
            if key not in new_inputs:
                base = "delete"
            kind = _kind(base, segments, reasons)
            change = PropertyChange(key, kind, old_inputs.get(key), new_inputs.get(key))
            changes.append((segments, change))
    elif steps.old is not None and steps.new is not None and steps.op in ("update", "replace"):
        for segments, base, old, new in differences(old_inputs, new_inputs):
            change = PropertyChange(format_path(segments), _kind(base, segments, reasons), old, new)
            changes.append((segments, change))
    return tuple(change for _, change in sorted(changes, key=_property_order))


def _segments(path: str) -> tuple[Segment, ...] | None:
    try:
        return parse_path(path)
    except PathSyntaxError:
        return None


def _lookup(segments: tuple[Segment, ...] | None, *sources: Any) -> Any:
    if segments is None:
        return None
    for source in sources:
        found, value = resolve(source, segments)
        if found:
            return value
    return None


def _kind(
    base: str, segments: tuple[Segment, ...], reasons: Sequence[tuple[Segment, ...] | None]
) -> ChangeKind:
    forces = any(reason is not None and segments[: len(reason)] == reason for reason in reasons)
    return ChangeKind(f"{base}-replace" if forces else base)


def _property_order(
    item: tuple[tuple[Segment, ...] | None, PropertyChange],
) -> tuple[tuple[int, str, int], ...]:
    segments, change = item
    if segments is None:
        return ((2, change.path, 0),)
    return tuple((1, s, 0) if isinstance(s, str) else (0, "", s) for s in segments)
