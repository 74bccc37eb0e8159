"""The pull-request comment: a summary table, then one collapsed section per tenant.

Everything taken from the engine or a spec is rendered as a code span, a fenced block or
escaped HTML, so no value can open a tag, close the `<details>` or break the table.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from enum import IntEnum

from automation._report._model import PropertyChange, ResourceDiff, TenantPreview, resource_order
from automation._report._values import display_value

MARKER = "<!-- jockey-preview -->"
"""The first line of every report: the workflow finds (and updates) its comment by it."""
DRIFT_MARKER = "<!-- jockey-drift -->"
"""The first line of a drift report (`jockey drift --markdown`): the drift issue's marker."""
DRIFT = "drift"
"""The `operation` of a drift check's previews: their sections read as drift, not changes."""
DEFAULT_MAX_CHARS = 64_000
"""Under GitHub's 65,536-character limit for a comment body, with room to spare."""

_VALUE_LIMIT = 120
_PATH_LIMIT = 200
_MAX_PROPERTIES = 40
_MAX_REASONS = 10
_MAX_DIAGNOSTICS = 10
_DIAGNOSTIC_LIMIT = 500
_ERROR_LIMIT = 2_000
_NOTE_NAMES = 10
_SYMBOLS = {
    "create": "+",
    "update": "~",
    "replace": "+-",
    "delete": "-",
    "read": ">",
    "import": "=",
    "discard": "<",
}
_COUNT_WORDS = (
    ("create", "to create"),
    ("update", "to update"),
    ("replace", "to replace"),
    ("delete", "to delete"),
)


class _Detail(IntEnum):
    """How much of a tenant's section is shown; each level drops more."""

    FULL = 0
    NO_VALUES = 1
    NO_PROPERTIES = 2
    OMITTED = 3


def render_markdown(
    previews: Sequence[TenantPreview],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    show_outputs: bool = False,
    title: str = "Jockey preview",
    marker: str = MARKER,
    notes: Sequence[str] = (),
) -> str:
    """Render previews as one pull-request comment.

    The comment starts with the `<!-- jockey-preview -->` marker, a title and a summary
    table (tenant, stack, create, update, replace, delete, status), then one collapsed
    `<details>` section per tenant listing the resources that change (op symbol, type,
    name), their property diffs (old → new) and replacement reasons. Tenants are ordered by
    stack; resources by op, riskiest first, then URN.

    When the comment would exceed `max_chars`, the largest tenant sections are trimmed one
    step at a time (first values, then property lists, then the whole section, leaving the
    tenant's row in the table) and a note says what was trimmed. The summary table is never
    trimmed.

    Args:
        previews: one preview per tenant, in any order.
        max_chars: the most characters the comment may have.
        show_outputs: list each tenant's stack outputs (secrets stay redacted).
        title: the heading under the marker.
        marker: the first line (`MARKER`, or `DRIFT_MARKER` for a drift report).
        notes: plain-text lines listed under the summary table (escaped, never trimmed).

    A drift check's previews (operation `drift`) get drift sections: the resources whose
    live state differs from the spec, each property as `live → spec`, and what `jockey up`
    would do to put it back.

    Returns:
        The Markdown text.
    """
    ordered = sorted(previews, key=lambda p: (p.stack, p.tenant, p.environment))
    head = _head(ordered, title, marker, notes)
    sections = [
        [_section(preview, detail, show_outputs) for detail in _Detail] for preview in ordered
    ]
    levels = [_Detail.FULL] * len(ordered)

    def size() -> int:
        body = sum(len(sections[i][level]) for i, level in enumerate(levels))
        return len(head) + len(_note(ordered, levels, max_chars)) + body

    if len(head) + len(_note(ordered, [_Detail.OMITTED] * len(ordered), max_chars)) > max_chars:
        levels = [_Detail.OMITTED] * len(ordered)
    while size() > max_chars:
        candidates = [i for i, level in enumerate(levels) if level < _Detail.OMITTED]
        if not candidates:
            break
        largest = max(candidates, key=lambda i: (len(sections[i][levels[i]]), i))
        levels[largest] = _Detail(levels[largest] + 1)
    body = "".join(sections[i][level] for i, level in enumerate(levels))
    return head + _note(ordered, levels, max_chars) + body


def _head(previews: Sequence[TenantPreview], title: str, marker: str, notes: Sequence[str]) -> str:
    lines = [marker, f"## {html.escape(title)}", ""]
    noted = [f"- {html.escape(note)}" for note in notes]
    if not previews:
        lines += ["No tenant specs to preview." if not notes else "Nothing to preview.", ""]
        return "\n".join([*lines, *noted, *([""] if noted else [])]) + "\n"
    totals = {op: sum(getattr(p.changes, op) for p in previews) for op, _ in _COUNT_WORDS}
    failed = sum(not p.ok for p in previews)
    tenants = f"{len(previews)} tenant" + ("s" if len(previews) != 1 else "")
    sentence = f"**{tenants}**: " + ", ".join(f"{totals[op]} {word}" for op, word in _COUNT_WORDS)
    if all(p.operation == DRIFT for p in previews):
        drifted = sum(bool(p.ok and p.resources) for p in previews)
        sentence = f"**{tenants}**: {drifted} drifted"
    lines += [sentence + (f". **{failed} failed.**" if failed else "."), ""]
    lines += [
        "| Tenant | Stack | Create | Update | Replace | Delete | Status |",
        "| :-- | :-- | --: | --: | --: | --: | :-- |",
    ]
    for preview in previews:
        counts = [str(getattr(preview.changes, op)) for op, _ in _COUNT_WORDS]
        cells = [_cell(preview.tenant), _code(preview.stack).replace("|", "\\|")]
        lines.append("| " + " | ".join([*cells, *counts, _status(preview)]) + " |")
    if len(previews) > 1:
        counts = [f"**{totals[op]}**" for op, _ in _COUNT_WORDS]
        lines.append("| " + " | ".join(["**Total**", "", *counts, ""]) + " |")
    if noted:
        lines += ["", *noted]
    return "\n".join(lines) + "\n\n"


def _status(preview: TenantPreview) -> str:
    if not preview.ok:
        return "❌ failed"
    if preview.operation == DRIFT:
        return "⚠️ drifted" if preview.resources else "✅ no drift"
    return "✅ ok" if preview.changes.total_changes else "✅ no changes"


def _note(previews: Sequence[TenantPreview], levels: Sequence[_Detail], max_chars: int) -> str:
    if not any(levels):
        return ""
    parts = []
    for level, what in (
        (_Detail.NO_VALUES, "values left out for"),
        (_Detail.NO_PROPERTIES, "property lists left out for"),
        (_Detail.OMITTED, "details left out (summary table only) for"),
    ):
        stacks = [p.stack for p, at in zip(previews, levels, strict=True) if at == level]
        if stacks:
            named = ", ".join(_code(stack) for stack in stacks[:_NOTE_NAMES])
            more = f" and {len(stacks) - _NOTE_NAMES} more" if len(stacks) > _NOTE_NAMES else ""
            parts.append(f"{what} {len(stacks)} tenant(s): {named}{more}")
    return (
        "> [!NOTE]\n"
        f"> Trimmed to stay under {max_chars:,} characters: " + "; ".join(parts) + ". "
        "Run `jockey preview` on the spec files for the full diff.\n\n"
    )


def _section(preview: TenantPreview, detail: _Detail, show_outputs: bool) -> str:
    if detail is _Detail.OMITTED:
        return ""
    label = f"<b>{html.escape(preview.stack)}</b> ({html.escape(preview.tenant)}): "
    label += html.escape(_phrase(preview))
    lines = ["<details open>" if not preview.ok else "<details>", f"<summary>{label}</summary>", ""]
    drift = preview.operation == DRIFT
    if not preview.ok:
        what = "Drift check" if drift else preview.operation.capitalize()
        lines += [f"**{what} failed:**", "", *_fenced(preview.error or "unknown error"), ""]
    resources = sorted(preview.resources, key=resource_order)
    if drift and resources:
        lines += [
            "Live state that differs from the spec (values `live → spec`; the op is what "
            "`jockey up` does to put it back):",
            "",
        ]
    for resource in resources:
        lines += _resource_lines(resource, detail)
    if preview.ok and not resources:
        lines.append("No drift." if drift else "No resource changes.")
    if resources:
        lines.append("")
    if show_outputs and detail is _Detail.FULL and preview.outputs:
        lines += ["Stack outputs:", ""]
        for key in sorted(preview.outputs):
            value = display_value(preview.outputs[key], _VALUE_LIMIT)
            lines.append(f"- {_code(key)}: {_code(value)}")
        lines.append("")
    if preview.diagnostics:
        shown = [_cut(message, _DIAGNOSTIC_LIMIT) for message in preview.diagnostics]
        if len(shown) > _MAX_DIAGNOSTICS:
            shown = [*shown[:_MAX_DIAGNOSTICS], f"… and {len(shown) - _MAX_DIAGNOSTICS} more"]
        lines += ["Engine messages:", "", *_fenced("\n".join(shown)), ""]
    lines += ["</details>", ""]
    return "\n".join(lines) + "\n"


def _phrase(preview: TenantPreview) -> str:
    if not preview.ok:
        return f"{preview.operation} failed"
    if preview.operation == DRIFT:
        count = len(preview.resources)
        return f"{count} drifted resource{'s' if count != 1 else ''}" if count else "no drift"
    words = [
        f"{getattr(preview.changes, op)} {word}"
        for op, word in _COUNT_WORDS
        if getattr(preview.changes, op)
    ]
    return ", ".join(words) if words else "no changes"


def _resource_lines(resource: ResourceDiff, detail: _Detail) -> list[str]:
    symbol = _SYMBOLS.get(resource.op, "?")
    line = f"- {_code(symbol)} {resource.op} {_code(resource.type)} {_code(resource.name)}"
    if resource.replace_reasons:
        reasons = [_code(_cut(r, _PATH_LIMIT)) for r in resource.replace_reasons[:_MAX_REASONS]]
        extra = len(resource.replace_reasons) - _MAX_REASONS
        more = f" and {extra} more" if extra > 0 else ""
        line += ", replaced because of " + ", ".join(reasons) + more
    if detail is _Detail.NO_PROPERTIES:
        count = len(resource.properties)
        return [line + (f" ({count} properties)" if count else "")]
    lines = [line]
    for change in resource.properties[:_MAX_PROPERTIES]:
        lines.append("  - " + _property(change, with_values=detail is _Detail.FULL))
    if len(resource.properties) > _MAX_PROPERTIES:
        lines.append(f"  - … and {len(resource.properties) - _MAX_PROPERTIES} more properties")
    return lines


def _property(change: PropertyChange, *, with_values: bool) -> str:
    symbol = {"add": "+", "delete": "-"}.get(change.kind.base, "~")
    text = _code(f"{symbol} {_cut(change.path, _PATH_LIMIT)}")
    if with_values:
        old = _code(display_value(change.old, _VALUE_LIMIT))
        new = _code(display_value(change.new, _VALUE_LIMIT))
        shown = {"add": f": {new}", "delete": f": was {old}"}
        text += shown.get(change.kind.base, f": {old} → {new}")
    if change.kind.forces_replacement:
        text += " (forces replacement)"
    return text


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _code(text: str) -> str:
    """An inline code span that shows `text` literally, whatever backticks it holds."""
    text = text.replace("\r", " ").replace("\n", " ") or " "
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _fenced(text: str) -> list[str]:
    """A fenced `text` block, its fence longer than any backtick run inside."""
    text = _cut(text, _ERROR_LIMIT)
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return [f"{fence}text", *text.splitlines(), fence]


def _cell(text: str) -> str:
    return html.escape(text).replace("|", "\\|").replace("\n", " ")
