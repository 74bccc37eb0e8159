"""The JSON change set: every tenant's preview as one document for machines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from automation._report._model import TenantPreview

CHANGE_SET_VERSION = 1
"""Bumped when a key changes meaning or goes away (new keys may appear at any version)."""


def change_set_json(
    previews: Sequence[TenantPreview], *, show_outputs: bool = False
) -> dict[str, Any]:
    """The previews as a JSON-ready change set (camelCase keys, secrets redacted).

    Shape: `{"kind": "jockey.dev/ChangeSet", "version": 1, "ok", "changes": {create, update,
    replace, delete, same}, "tenants": [...]}`, each tenant as `TenantPreview.to_json`
    (`tenant`, `environment`, `stack`, `operation`, `ok`, `changes`, `resources`,
    `diagnostics`, `error`, plus `outputs` with `show_outputs`). Tenants are ordered by
    stack, resources by op (riskiest first) then URN, so equal previews give equal JSON.

    Args:
        previews: one preview per tenant, in any order.
        show_outputs: include each tenant's stack outputs (secrets stay redacted).
    """
    ordered = sorted(previews, key=lambda p: (p.stack, p.tenant, p.environment))
    ops = ("create", "update", "replace", "delete", "same")
    return {
        "kind": "jockey.dev/ChangeSet",
        "version": CHANGE_SET_VERSION,
        "ok": all(preview.ok for preview in ordered),
        "changes": {op: sum(getattr(p.changes, op) for p in ordered) for op in ops},
        "tenants": [preview.to_json(show_outputs=show_outputs) for preview in ordered],
    }
