"""A failed engine command, made readable: what failed, why, the fix, and where the full log is.

The Pulumi CLI's error is its whole stdout and stderr (progress, a summary, sometimes a Python
traceback). A result carries the failing resources' diagnostics and the exception's last line
instead; the full text is kept in a log file the message names.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path

_EXIT_CODE = re.compile(r"^ code: (-?\d+)$", re.MULTILINE)
_TRACEBACK_LAST = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*)$", re.MULTILINE)
_NOISE = ("warning:", "Updating (", "Previewing ", "Destroying (", "Refreshing (", "View Live:")

KNOWN_FIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"incorrect passphrase|failed to decrypt|passphrase must be set", re.I),
        "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the stack's passphrase",
    ),
    (
        re.compile(r"connection refused|no such host|i/o timeout|unable to load schema", re.I),
        "check that the cluster's API server answers (kubeconfig, context, network)",
    ),
    (
        re.compile(r"conflict with \"[^\"]+\"|field manager conflict|Apply failed with", re.I),
        "another field manager owns these fields; `jockey up` takes back the fields it owns",
    ),
    (
        re.compile(r"read-only file system|permission denied", re.I),
        "make the state backend writable by this user (JOCKEY_HOME / PULUMI_BACKEND_URL)",
    ),
    (
        re.compile(r"no space left on device", re.I),
        "free space on the state backend's disk, then run the operation again",
    ),
    (
        re.compile(r"could not deserialize|invalid character|unexpected end of JSON", re.I),
        "the stack's checkpoint is damaged: restore it from the backend's backups "
        "(see the README, 'Recovering a damaged checkpoint')",
    ),
)


def engine_exit_code(text: str) -> int | None:
    """The CLI's exit code from a CommandError's text (negative: killed by a signal)."""
    match = _EXIT_CODE.search(text)
    return int(match.group(1)) if match else None


def _stderr_lines(text: str) -> list[str]:
    stderr = text.split("\n stderr: ", 1)[-1] if "\n stderr: " in text else text
    return [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and not line.strip().startswith(_NOISE)
    ]


def known_fix(text: str) -> str | None:
    """The fix Jockey knows for an engine failure's text, if any."""
    return next((fix for pattern, fix in KNOWN_FIXES if pattern.search(text)), None)


def summarize_failure(text: str, diagnostics: Sequence[str]) -> str:
    """One short, readable message for a failed engine command.

    Args:
        text: the CommandError's text (the CLI's stdout and stderr).
        diagnostics: the operation's error diagnostics (from its engine events).
    """
    errors = [line for line in diagnostics if line.startswith("error:")]
    # The stack-level "update failed" line repeats what the resources said.
    specific = [line for line in errors if "update failed" not in line] or errors
    lines = specific[:5]
    raised = _TRACEBACK_LAST.findall(text)
    if raised and raised[-1] not in " ".join(lines):
        lines.append(f"the program raised: {raised[-1].strip()}")
    if not lines:
        lines = _stderr_lines(text)[-3:] or [text.strip()[:300]]
    fix = known_fix(text + "\n" + "\n".join(diagnostics))
    if fix:
        lines.append(f"fix: {fix}")
    return "\n".join(lines)


def keep_engine_log(log_dir: Path, stack: str, operation: str, text: str) -> Path | None:
    """Write the engine's full output to `<log_dir>/<stack>/<time>-<operation>.log`."""
    folder = log_dir / stack
    path = folder / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{operation}.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError:
        return None
    return path


__all__ = ["engine_exit_code", "keep_engine_log", "known_fix", "summarize_failure"]
