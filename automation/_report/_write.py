"""Reports from operation results: the Markdown comment and the JSON change set, as files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from automation._report._json import change_set_json
from automation._report._markdown import render_markdown
from automation._report._model import TenantPreview
from automation._results import OperationResult


def preview_from_result(result: OperationResult) -> TenantPreview:
    """A tenant's report entry: the diff the worker folded into its result."""
    return TenantPreview(
        tenant=result.tenant,
        environment=result.environment,
        stack=result.stack,
        ok=result.ok,
        error=result.error,
        changes=result.changes,
        resources=result.resources,
        outputs=result.outputs,
        diagnostics=result.diagnostics,
        operation=result.operation.value,
    )


def write_reports(
    results: Sequence[OperationResult],
    *,
    markdown: Path | None = None,
    change_set: Path | None = None,
    show_outputs: bool = False,
) -> list[Path]:
    """Write the Markdown report and/or the JSON change set; returns the files written."""
    previews = [preview_from_result(result) for result in results]
    written: list[Path] = []
    if markdown is not None:
        markdown.write_text(render_markdown(previews, show_outputs=show_outputs))
        written.append(markdown)
    if change_set is not None:
        payload = change_set_json(previews, show_outputs=show_outputs)
        change_set.write_text(json.dumps(payload, indent=2) + "\n")
        written.append(change_set)
    return written
