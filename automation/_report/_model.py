"""The preview report's frozen model: per tenant, the resources that change and how."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from automation._results import ChangeCounts

OP_ORDER = ("delete", "replace", "update", "create")
"""Resource order in the report: the riskiest ops first; other ops (read, import) last."""


class ChangeKind(StrEnum):
    """How one property changes (the engine's diff kinds)."""

    ADD = "add"
    ADD_REPLACE = "add-replace"
    UPDATE = "update"
    UPDATE_REPLACE = "update-replace"
    DELETE = "delete"
    DELETE_REPLACE = "delete-replace"

    @property
    def forces_replacement(self) -> bool:
        """Whether this change alone makes the engine replace the resource."""
        return self.value.endswith("-replace")

    @property
    def base(self) -> str:
        """add, update or delete."""
        return self.value.removesuffix("-replace")


@dataclass(frozen=True)
class PropertyChange:
    """One changed property of a resource.

    Attributes:
        path: the property path, as the engine writes it (`spec.replicas`, `data["KEY"]`).
        kind: how it changes.
        old: the value before, secrets redacted; None when added or not known.
        new: the value after, secrets redacted; None when deleted or not known.
    """

    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None

    def to_json(self) -> dict[str, Any]:
        """JSON shape: path, kind, old, new."""
        return {"path": self.path, "kind": self.kind.value, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class ResourceDiff:
    """One resource a preview changes, with its property-level diff.

    Attributes:
        urn: the resource's URN.
        type: its type token (`kubernetes:apps/v1:Deployment`).
        name: its logical name (the URN's last part).
        op: create, update, replace, delete (or read, import, ...).
        replace_reasons: for a replacement, the properties that force it.
        properties: the changed properties, in path order.
    """

    urn: str
    type: str
    name: str
    op: str
    replace_reasons: tuple[str, ...] = ()
    properties: tuple[PropertyChange, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON shape: urn, type, name, op, replaceReasons, properties."""
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "op": self.op,
            "replaceReasons": list(self.replace_reasons),
            "properties": [change.to_json() for change in self.properties],
        }


@dataclass(frozen=True)
class TenantPreview:
    """What a preview would change for one tenant.

    Attributes:
        tenant: tenant id.
        environment: dev, staging or prod.
        stack: `<tenant>-<environment>`.
        ok: whether the preview succeeded.
        error: why it failed, when not ok.
        changes: counts by op, from the engine's summary event.
        resources: the resources that change, riskiest op first, then by URN.
        outputs: the stack's outputs as the preview knows them, secrets redacted.
        diagnostics: the engine's error and warning messages, each once.
        operation: the operation these events came from.
    """

    tenant: str
    environment: str
    stack: str
    ok: bool = True
    error: str | None = None
    changes: ChangeCounts = field(default_factory=ChangeCounts)
    resources: tuple[ResourceDiff, ...] = ()
    outputs: Mapping[str, Any] = field(default_factory=dict)
    diagnostics: tuple[str, ...] = ()
    operation: str = "preview"

    def to_json(self, *, show_outputs: bool = False) -> dict[str, Any]:
        """JSON shape (camelCase keys), as `jockey preview --json` results plus the diff."""
        body: dict[str, Any] = {
            "tenant": self.tenant,
            "environment": self.environment,
            "stack": self.stack,
            "operation": self.operation,
            "ok": self.ok,
            "changes": self.changes.as_dict(),
            "resources": [resource.to_json() for resource in self.resources],
            "diagnostics": list(self.diagnostics),
            "error": self.error,
        }
        if show_outputs:
            body["outputs"] = dict(self.outputs)
        return body


def resource_order(resource: ResourceDiff) -> tuple[int, str, str]:
    """Sort key: op (riskiest first, per `OP_ORDER`), then URN."""
    rank = OP_ORDER.index(resource.op) if resource.op in OP_ORDER else len(OP_ORDER)
    return rank, resource.op, resource.urn
