"""The JSON change set: every tenant's preview as one document for machines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from automation._report._model import ChangeKind, PropertyChange, ResourceDiff, TenantPreview
from automation._results import ChangeCounts

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


def previews_from_change_set(payload: Mapping[str, Any]) -> list[TenantPreview]:
    """The previews a change set holds (the inverse of `change_set_json`).

    Change sets written apart (one per shard of a sharded preview) can so be rendered as one
    report.

    Raises:
        ValueError: `payload` is not a Jockey change set of a version this code reads.
    """
    if payload.get("kind") != "jockey.dev/ChangeSet" or payload.get("version") != 1:
        raise ValueError("not a jockey.dev/ChangeSet of version 1")
    return [_preview_from_json(tenant) for tenant in payload.get("tenants") or []]


def _preview_from_json(data: Mapping[str, Any]) -> TenantPreview:
    return TenantPreview(
        tenant=data["tenant"],
        environment=data["environment"],
        stack=data["stack"],
        ok=bool(data["ok"]),
        error=data.get("error"),
        changes=ChangeCounts(**data.get("changes") or {}),
        resources=tuple(_resource_from_json(item) for item in data.get("resources") or []),
        outputs=dict(data.get("outputs") or {}),
        diagnostics=tuple(data.get("diagnostics") or ()),
        operation=data.get("operation") or "preview",
    )


def _resource_from_json(data: Mapping[str, Any]) -> ResourceDiff:
    return ResourceDiff(
        urn=data["urn"],
        type=data["type"],
        name=data["name"],
        op=data["op"],
        replace_reasons=tuple(data.get("replaceReasons") or ()),
        properties=tuple(
            PropertyChange(item["path"], ChangeKind(item["kind"]), item.get("old"), item.get("new"))
            for item in data.get("properties") or []
        ),
    )
