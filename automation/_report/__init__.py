"""The pull-request preview report, rendered from structured engine events (never from text).

Pure functions: engine events in, a frozen model out, and Markdown or JSON from the model.

Example:
    >>> from pathlib import Path
    >>> from automation._report import read_event_log, render_markdown, tenant_preview_from_events
    >>> events = read_event_log(Path("tests/unit/data/report/acme-dev-update.jsonl"))
    >>> preview = tenant_preview_from_events("acme", "dev", "acme-dev", events)
    >>> render_markdown([preview]).splitlines()[0]
    '<!-- jockey-preview -->'
"""

from automation._report._collect import tenant_preview_from_events
from automation._report._eventlog import parse_event_lines, read_event_log
from automation._report._json import (
    CHANGE_SET_VERSION,
    change_set_json,
    previews_from_change_set,
)
from automation._report._markdown import (
    DEFAULT_MAX_CHARS,
    DRIFT,
    DRIFT_MARKER,
    MARKER,
    render_markdown,
)
from automation._report._model import ChangeKind, PropertyChange, ResourceDiff, TenantPreview
from automation._report._values import display_value
from automation._report._write import preview_from_result, write_reports

__all__ = [
    "CHANGE_SET_VERSION",
    "DEFAULT_MAX_CHARS",
    "DRIFT",
    "DRIFT_MARKER",
    "MARKER",
    "ChangeKind",
    "PropertyChange",
    "ResourceDiff",
    "TenantPreview",
    "change_set_json",
    "display_value",
    "parse_event_lines",
    "preview_from_result",
    "previews_from_change_set",
    "read_event_log",
    "render_markdown",
    "tenant_preview_from_events",
    "write_reports",
]
