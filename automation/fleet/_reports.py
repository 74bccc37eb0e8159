"""Sync and drift reports in the pull-request report model: Markdown and JSON change sets.

A sync's report holds the operations it ran (orphans as destroy previews or destroys) and
notes the tenants it skipped; a drift report holds one drift section per checked tenant.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from automation._report import (
    DRIFT_MARKER,
    TenantPreview,
    change_set_json,
    preview_from_result,
    previews_from_change_set,
    render_markdown,
)
from automation.fleet._drift import DriftResult, DriftState
from automation.fleet._plan import SyncPlan
from automation.fleet._sync import SyncOutcome, SyncReport

NOTE_NAMES = 20
"""Stacks named in one note line; the rest are counted."""


def _names(stacks: Sequence[str]) -> str:
    shown = ", ".join(stacks[:NOTE_NAMES])
    more = len(stacks) - NOTE_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


def _sync_previews(report: SyncReport) -> list[TenantPreview]:
    ran = (SyncOutcome.DONE, SyncOutcome.FAILED, SyncOutcome.CANCELLED)
    return [
        preview_from_result(tenant.result)
        for tenant in report.tenants
        if tenant.result is not None and tenant.outcome in ran
    ]


def sync_notes(report: SyncReport) -> list[str]:
    """One line per group of tenants the report's sections do not show (or show specially)."""
    entries = [(t.plan.stack, t.plan.plan.value, t.outcome.value) for t in report.tenants]
    return _sync_notes(entries, preview=report.preview, prune=report.prune)


def _sync_notes(
    entries: Sequence[tuple[str, str, str]], *, preview: bool, prune: bool
) -> list[str]:
    """Notes from `(stack, plan, outcome)` entries."""
    notes: list[str] = []
    unchanged = sorted(stack for stack, plan, _ in entries if plan == SyncPlan.UNCHANGED)
    orphans = sorted(stack for stack, plan, _ in entries if plan == SyncPlan.ORPHAN)
    untouched = sorted(stack for stack, _, outcome in entries if outcome == SyncOutcome.UNTOUCHED)
    if unchanged:
        notes.append(
            f"{len(unchanged)} tenant(s) unchanged since their last successful up "
            f"(not {'previewed' if preview else 'run'}): {_names(unchanged)}"
        )
    if orphans and preview:
        notes.append(
            f"{len(orphans)} orphan(s) (a stack without a spec), previewed as destroys; "
            f"`jockey sync --prune` destroys them: {_names(orphans)}"
        )
    elif orphans and prune:
        notes.append(
            f"{len(orphans)} orphan(s) pruned (destroyed, stack removed): {_names(orphans)}"
        )
    elif orphans:
        notes.append(
            f"{len(orphans)} orphan(s) (a stack without a spec) kept; "
            f"`jockey sync --prune` destroys them: {_names(orphans)}"
        )
    if untouched:
        notes.append(f"interrupted: {len(untouched)} tenant(s) untouched: {_names(untouched)}")
    return notes


def _sync_title(preview: bool) -> str:
    return "Jockey preview (sync)" if preview else "Jockey sync"


def sync_markdown(report: SyncReport) -> str:
    """The sync as one pull-request comment (`<!-- jockey-preview -->` first)."""
    title = _sync_title(report.preview)
    return render_markdown(_sync_previews(report), title=title, notes=sync_notes(report))


def sync_change_set(report: SyncReport) -> dict[str, Any]:
    """The JSON change set of the operations the sync ran, plus `sync`.

    `sync` holds the summary and each tenant's plan and outcome.
    """
    payload = change_set_json(_sync_previews(report))
    payload["sync"] = {
        "preview": report.preview,
        "prune": report.prune,
        "summary": report.summary(),
        "tenants": [
            {**tenant.plan.to_json(), "outcome": tenant.outcome.value, "pruned": tenant.pruned}
            for tenant in report.tenants
        ],
    }
    return payload


def drift_notes(results: Sequence[DriftResult]) -> list[str]:
    """Lines for the tenants without a drift section, and for the remediations."""
    notes: list[str] = []
    for state, words in (
        (DriftState.NOT_APPLICABLE, "not applicable (render mode: nothing live)"),
        (DriftState.NOT_DEPLOYED, "not deployed yet"),
    ):
        stacks = [r.stack for r in results if r.state is state]
        if stacks:
            notes.append(f"{len(stacks)} tenant(s) {words}: {_names(stacks)}")
    changed = [r.stack for r in results if r.state is DriftState.DRIFTED and r.spec_changed]
    if changed:
        notes.append(
            f"the spec changed since the last up of {_names(changed)}: some differences may be "
            "changes not deployed yet rather than drift"
        )
    for result in results:
        fix = result.remediation
        if fix is None:
            continue
        counts = fix.changes
        if fix.ok:
            notes.append(
                f"{result.stack}: put back by `jockey up` (created {counts.create}, updated "
                f"{counts.update}, replaced {counts.replace}, deleted {counts.delete})"
            )
        else:
            error = (fix.error or "unknown error").splitlines()[0]
            notes.append(f"{result.stack}: remediation failed: {error}")
    return notes


def drift_markdown(results: Sequence[DriftResult]) -> str:
    """The drift report: `<!-- jockey-drift -->`, a summary table, a section per tenant.

    Each checked tenant gets one drift section.
    """
    checked = [
        r.to_preview() for r in results if r.check is not None or r.state is DriftState.FAILED
    ]
    return render_markdown(
        checked, title="Jockey drift", marker=DRIFT_MARKER, notes=drift_notes(results)
    )


def drift_change_set(results: Sequence[DriftResult]) -> dict[str, Any]:
    """The drift checks as a JSON change set, each tenant with its `drift` state."""
    payload = change_set_json([r.to_preview() for r in results])
    states = {r.stack: r for r in results}
    for tenant in payload["tenants"]:
        result = states[tenant["stack"]]
        tenant["drift"] = result.state.value
        tenant["specChanged"] = result.spec_changed
        tenant["remediation"] = result.remediation.to_json() if result.remediation else None
    payload["drift"] = {state.value: sum(r.state is state for r in results) for state in DriftState}
    return payload


_SUMMED = ("create", "update", "unchanged", "orphan", "pruned", "failed")


def merge_change_sets(payloads: Sequence[Mapping[str, Any]]) -> tuple[str, dict[str, Any]]:
    """One Markdown report and one change set from change sets written apart.

    They are the shards of a sharded `sync --preview`, or several `preview`/`drift` runs.

    Raises:
        ValueError: a payload is not a Jockey change set.
    """
    previews = [preview for payload in payloads for preview in previews_from_change_set(payload)]
    merged = change_set_json(previews)
    if any("drift" in payload for payload in payloads):
        markdown = render_markdown(previews, title="Jockey drift", marker=DRIFT_MARKER)
        return markdown, merged
    syncs = [payload["sync"] for payload in payloads if "sync" in payload]
    if not syncs:
        return render_markdown(previews), merged
    preview = any(sync.get("preview") for sync in syncs)
    prune = any(sync.get("prune") for sync in syncs)
    tenants = [tenant for sync in syncs for tenant in sync.get("tenants") or []]
    entries = [(t["stack"], t["plan"], t["outcome"]) for t in tenants]
    summaries = [sync.get("summary") or {} for sync in syncs]
    merged["sync"] = {
        "preview": preview,
        "prune": prune,
        "summary": {
            "kind": "summary",
            **{key: sum(int(s.get(key, 0)) for s in summaries) for key in _SUMMED},
            "preview": preview,
            "interrupted": any(s.get("interrupted") for s in summaries),
            "done": sorted(stack for s in summaries for stack in s.get("done") or []),
            "untouched": sorted(stack for s in summaries for stack in s.get("untouched") or []),
        },
        "tenants": sorted(tenants, key=lambda tenant: tenant["stack"]),
    }
    notes = _sync_notes(entries, preview=preview, prune=prune)
    return render_markdown(previews, title=_sync_title(preview), notes=notes), merged


def write_report(path: Path, content: str | dict[str, Any]) -> Path:
    """Write Markdown text, or a JSON document, to `path`."""
    text = content if isinstance(content, str) else json.dumps(content, indent=2) + "\n"
    path.write_text(text)
    return path


__all__ = [
    "drift_change_set",
    "drift_markdown",
    "drift_notes",
    "merge_change_sets",
    "sync_change_set",
    "sync_markdown",
    "sync_notes",
    "write_report",
]
