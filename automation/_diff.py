"""One model of "a changed resource": the property-level diff an operation reports.

The worker folds the engine's events into these once; results, the pull-request report and
the JSON change set all carry the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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


def resource_order(resource: ResourceDiff) -> tuple[int, str, str]:
    """Sort key: op (riskiest first, per `OP_ORDER`), then URN."""
    rank = OP_ORDER.index(resource.op) if resource.op in OP_ORDER else len(OP_ORDER)
    return rank, resource.op, resource.urn


def step_op(op: object) -> str:
    """An engine step kind as text (the SDK gives enums or plain strings)."""
    return str(getattr(op, "value", op))
