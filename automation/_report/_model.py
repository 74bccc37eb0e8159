"""The preview report's frozen model: per tenant, the resources that change and how."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from automation._diff import ChangeKind, PropertyChange, ResourceDiff, resource_order
from automation._results import ChangeCounts


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


__all__ = ["ChangeKind", "PropertyChange", "ResourceDiff", "TenantPreview", "resource_order"]
