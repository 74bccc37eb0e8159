"""A failed engine command, made readable: what failed, the stack, the file, the fix, the log.

The Pulumi CLI's error is its whole stdout and stderr (progress, a summary, sometimes a Python
traceback). A result carries the failing resources' diagnostics and the exception's last line
instead; the full text is kept in a log file the message names. For the faults Jockey knows
(`KNOWN_FIXES`: a damaged checkpoint, an unreadable lock file, a wrong passphrase, a read-only
or full state backend, an unreachable cluster, a field manager conflict) the message starts
with the stack and what went wrong, names the file involved, and ends with the fix.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from automation._settings import Settings
from automation._state_files import (
    PROJECT,
    StackFiles,
    checkpoint_damage,
    stack_files,
    unreadable_locks,
    usable_backups,
)

_EXIT_CODE = re.compile(r"^ code: (-?\d+)$", re.MULTILINE)
_TRACEBACK_LAST = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*)$", re.MULTILINE)
_NOISE = ("warning:", "Updating (", "Previewing ", "Destroying (", "Refreshing (", "View Live:")
_PATH_ERROR = re.compile(
    r"\b(?:open|write|read|remove|rename|mkdir|stat|lstat|create|unlinkat|openat|sync) "
    r"(/[^\s:]+)"
)
"""A Go `*os.PathError` (`open /path: read-only file system`): the file the engine was using."""
_TEMPORARY = re.compile(r"(.+)\.[0-9a-f]+\.tmp")
"""The name the engine writes a file under before renaming it (`acme-dev.json.18ed5067.tmp`)."""
RECOVERY_DOC = "docs/recovery.md"


@dataclass(frozen=True)
class KnownFault:
    """One engine failure Jockey recognises.

    Attributes:
        pattern: what the engine's output says.
        what: the fault in the user's words (may name `{state}`, `{checkpoint}`, `{file}`).
        fix: what to do (may name `{state}`, `{checkpoint}`, `{backups}`, `{passphrase}`,
            `{settings_file}`, `{stack}`).
        file: which file the fault is about when the engine's output names none
            (`checkpoint`, `settings_file`), if any.
        before_changes: the engine fails this way before it changes anything.
        state_write: a write to the state backend failed (the checkpoint may be cut short,
            a lock file left behind).
        elsewhere: `what` and `fix` when the file the engine names is outside the state
            backend (a render folder, say).
    """

    pattern: re.Pattern[str]
    what: str
    fix: str
    file: str | None = None
    before_changes: bool = False
    state_write: bool = False
    elsewhere: tuple[str, str] | None = None


_DAMAGED_CHECKPOINT = KnownFault(
    re.compile(
        r"failed to load checkpoint|snapshot integrity failure|could not deserialize"
        r"|unsupported checkpoint version",
        re.I,
    ),
    "the stack's checkpoint {checkpoint} is damaged",
    "restore it from the newest of the backend's own backups that reads as JSON (in "
    f"{{backups}}) with `jockey pulumi stack import`; {RECOVERY_DOC} has the steps",
    file="checkpoint",
    before_changes=True,
)
_STATE_JSON = re.compile(
    r"(?:^|: )error: (?:place \d+: )?"
    r"(?:unexpected end of JSON input|invalid character '[^']*' [a-z ]+)$",
    re.M,
)
"""The engine's last word when a state file it reads is not JSON (which file, it does not say)."""
_UNREADABLE_LOCK = KnownFault(
    _STATE_JSON,
    "the unreadable lock file {file} blocks the stack (a lock write cut short, such as on a "
    "full disk)",
    "make sure no operation runs on {stack}, then delete that file (`pulumi cancel` deletes "
    "the stack's lock files); Jockey does so itself after a write fault it saw",
    before_changes=True,
)
_UNREADABLE_STATE = KnownFault(
    _STATE_JSON,
    "a file of the state backend is not JSON (the stack's checkpoint, or a lock file cut short)",
    "if the stack's .pulumi/locks folder holds an empty *.tmp file, delete it (`pulumi "
    f"cancel`); else restore the checkpoint from the backend's backups ({RECOVERY_DOC})",
    before_changes=True,
)

KNOWN_FIXES: tuple[KnownFault, ...] = (
    _DAMAGED_CHECKPOINT,
    KnownFault(
        re.compile(r"incorrect passphrase|failed to decrypt|unable to decrypt", re.I),
        "the passphrase ({passphrase}) does not decrypt this stack's secrets",
        "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the passphrase the "
        "stack was created with (the stack's settings file {settings_file} holds its salt)",
        file="settings_file",
        before_changes=True,
    ),
    KnownFault(
        re.compile(r"passphrase must be set", re.I),
        "no passphrase was given for this stack's secrets",
        "set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the stack's passphrase",
        before_changes=True,
    ),
    KnownFault(
        re.compile(r"connection refused|no such host|i/o timeout|unable to load schema", re.I),
        "the cluster's API server did not answer",
        "check that the cluster's API server answers (kubeconfig, context, network)",
    ),
    KnownFault(
        re.compile(r"conflict with \"[^\"]+\"|field manager conflict|Apply failed with", re.I),
        "another field manager owns fields this stack sets",
        "another field manager owns these fields; `jockey up` takes back the fields it owns",
    ),
    KnownFault(
        re.compile(r"read-only file system", re.I),
        "the state backend {state} is read-only",
        "mount the state backend {state} read-write (or point JOCKEY_HOME / PULUMI_BACKEND_URL "
        "at a writable folder), then run the operation again",
        state_write=True,
        elsewhere=("the file {file} is on a read-only file system", "make its folder writable"),
    ),
    KnownFault(
        re.compile(r"permission denied", re.I),
        "this user may not write the state backend {state}",
        "give this user write access to the state backend {state} (its owner or mode), or "
        "point JOCKEY_HOME / PULUMI_BACKEND_URL at a folder it owns, then run the operation "
        "again",
        state_write=True,
        elsewhere=("this user may not write the file {file}", "give this user write access to it"),
    ),
    KnownFault(
        re.compile(r"no space left on device|disk quota exceeded", re.I),
        "the disk holding the state backend {state} is full",
        "free space on that disk (or move JOCKEY_HOME / PULUMI_BACKEND_URL to a bigger one), "
        "then run the operation again",
        state_write=True,
        elsewhere=("the disk holding the file {file} is full", "free space on that disk"),
    ),
    _UNREADABLE_STATE,
)
"""The faults Jockey recognises, first match wins."""

_GENERIC = {
    "state": "",
    "checkpoint": "",
    "backups": f".pulumi/backups/{PROJECT}/<stack>",
    "passphrase": "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE",
    "settings_file": "",
    "stack": "the stack",
    "file": "",
}
"""What a fault's text says where a value is unknown (texts read right with an empty one)."""


@dataclass(frozen=True)
class FailureContext:
    """What Jockey knows about a failed operation beyond the engine's output.

    Attributes:
        stack: the stack's name.
        files: the stack's files when the backend is a local folder.
        passphrase: where the passphrase came from (never the passphrase).
        settings_file: the stack's settings file (`Pulumi.<stack>.yaml`, the encryption salt).
    """

    stack: str | None = None
    files: StackFiles | None = None
    passphrase: str | None = None
    settings_file: Path | None = None

    def names(self, file: Path | None) -> dict[str, str]:
        """The values a fault's text names, generic where unknown."""
        known = {
            "stack": self.stack,
            "state": str(self.files.root) if self.files else None,
            "checkpoint": str(self.files.checkpoint) if self.files else None,
            "backups": str(self.files.backups) if self.files else None,
            "passphrase": self.passphrase,
            "settings_file": str(self.settings_file) if self.settings_file else None,
            "file": str(file) if file else None,
        }
        return {key: value or _GENERIC[key] for key, value in known.items()}


def failure_context(settings: Settings, stack: str) -> FailureContext:
    """What Jockey's settings say about a stack: its files, its salt, its passphrase's source."""
    return FailureContext(
        stack=stack,
        files=stack_files(settings.backend_url, stack),
        passphrase=settings.passphrase_source,
        settings_file=settings.work_dir(stack) / f"Pulumi.{stack}.yaml",
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


def known_fault(text: str, context: FailureContext | None = None) -> KnownFault | None:
    """The fault Jockey recognises in an engine failure's text, if any.

    When the engine only says a state file is not JSON, the stack's files (if at hand) tell
    which: an unreadable lock file, or the checkpoint.
    """
    files = context.files if context else None
    if files is not None and _STATE_JSON.search(text):
        if unreadable_locks(files):
            return _UNREADABLE_LOCK
        if checkpoint_damage(files.checkpoint) is not None:
            return _DAMAGED_CHECKPOINT
    return next((fault for fault in KNOWN_FIXES if fault.pattern.search(text)), None)


def known_fix(text: str, context: FailureContext | None = None) -> str | None:
    """The fix Jockey knows for an engine failure's text, if any."""
    fault = known_fault(text, context)
    if fault is None:
        return None
    return _fill(fault.fix, (context or FailureContext()).names(None))


def _fill(template: str, names: Mapping[str, str]) -> str:
    """The template with the names put in; an empty name leaves no stray space."""
    return re.sub(r" +(?=[ ;,)]|$)", "", template.format_map(names))


def writes_failed(text: str) -> bool:
    """Whether the engine failed writing the state backend (read-only, full, forbidden).

    It may have left an unreadable lock file, which the next operation must clear.
    """
    fault = known_fault(text)
    return fault is not None and fault.state_write


def failed_file(text: str) -> Path | None:
    """The file the engine's output says it failed on (`open /path: ...`), if any.

    The engine writes `<file>.<hex>.tmp` and renames it to `<file>`: `<file>` is named.
    """
    match = _PATH_ERROR.search(text)
    if match is None:
        return None
    path = Path(match.group(1))
    written = _TEMPORARY.fullmatch(path.name)
    return path.with_name(written.group(1)) if written else path


def summarize_failure(
    text: str, diagnostics: Sequence[str], context: FailureContext | None = None
) -> str:
    """One short, readable message for a failed engine command.

    For a known fault the first line is `<stack>: <what went wrong>`, then the engine's own
    words, the file involved (`file: ...`) and the fix (`fix: ...`).

    Args:
        text: the CommandError's text (the CLI's stdout and stderr).
        diagnostics: the operation's error diagnostics (from its engine events).
        context: the stack, its files and the passphrase's source, when known.
    """
    everything = text + "\n" + "\n".join(diagnostics)
    errors = [line for line in diagnostics if line.startswith("error:")]
    # The stack-level "update failed" line repeats what the resources said.
    specific = [line for line in errors if "update failed" not in line] or errors
    lines = specific[:5]
    raised = _TRACEBACK_LAST.findall(text)
    if raised and raised[-1] not in " ".join(lines):
        lines.append(f"the program raised: {raised[-1].strip()}")
    if not lines:
        lines = _stderr_lines(text)[-3:] or [text.strip()[:300]]
    context = context or FailureContext()
    fault = known_fault(everything, context)
    if fault is None:
        return "\n".join(lines)
    file = _fault_file(fault, everything, context)
    names = context.names(file)
    what, fix = fault.what, fault.fix
    if fault.elsewhere and not _in_state(file, context):
        what, fix = fault.elsewhere
    what, fix = _fill(what, names), _fill(fix, names)
    if fault.before_changes or _at_the_lock(file, context):
        what += "; the engine stopped before changing anything"
    header = f"{context.stack}: {what}" if context.stack else what
    lines = [header, *(f"engine: {line.removeprefix('error: ')}" for line in lines)]
    if file is not None:
        lines.append(f"file: {file}")
    if _in_state(file, context):
        lines.extend(_after_a_failed_write(fault, context, names))
    lines.append(f"fix: {fix}")
    return "\n".join(lines)


def _in_state(file: Path | None, context: FailureContext) -> bool:
    """Whether a file is the state backend's (an unknown file is taken to be)."""
    files = context.files
    return file is None or files is None or file.is_relative_to(files.root)


def _at_the_lock(file: Path | None, context: FailureContext) -> bool:
    """Whether the engine failed taking its lock (it had not started the operation)."""
    files = context.files
    return file is not None and files is not None and file.is_relative_to(files.locks)


def _fault_file(fault: KnownFault, text: str, context: FailureContext) -> Path | None:
    if fault is _UNREADABLE_LOCK and context.files is not None:
        locks = unreadable_locks(context.files)
        return locks[0] if locks else None
    if fault.file == "checkpoint" and context.files is not None:
        return context.files.checkpoint
    if fault.file == "settings_file":
        return context.settings_file
    return failed_file(text)


def _after_a_failed_write(
    fault: KnownFault, context: FailureContext, names: Mapping[str, str]
) -> list[str]:
    """What a failed write left behind, and which backup to restore.

    A write cut short leaves a truncated checkpoint (the engine renames it into place).
    """
    files = context.files
    if files is None or not fault.state_write:
        return []
    damage = checkpoint_damage(files.checkpoint)
    if damage is None:
        return [f"checkpoint: {files.checkpoint} is intact"]
    backups = usable_backups(files)
    newest = f"the newest usable backup is {backups[0]}" if backups else "no usable backup"
    return [
        f"checkpoint: {files.checkpoint} {damage}",
        f"recover: once there is room, restore it from {names['backups']} ({newest}) as "
        f"{RECOVERY_DOC} says",
    ]


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


__all__ = [
    "KNOWN_FIXES",
    "RECOVERY_DOC",
    "FailureContext",
    "KnownFault",
    "engine_exit_code",
    "failed_file",
    "failure_context",
    "keep_engine_log",
    "known_fault",
    "known_fix",
    "summarize_failure",
    "writes_failed",
]
