"""Where a `file://` backend keeps one stack's files, and what can be checked on them.

Pulumi v3.274's file ("diy") backend, under its folder:
- `.pulumi/stacks/<project>/<stack>.json`: the checkpoint (the stack's state); before each
  write the previous one is copied to `<stack>.json.bak`;
- `.pulumi/backups/<project>/<stack>/<stack>.<unix-nanos>.json`: a copy of the checkpoint
  after every `up`, `destroy` and `refresh` (not `preview`), never pruned;
- `.pulumi/history/<project>/<stack>/`: each update's summary and checkpoint;
- `.pulumi/locks/organization/<project>/<stack>/<id>.json`: the engine's lock while it runs.

The engine writes every file to a temporary name and renames it, but a write that fails part
way (a full disk) is still renamed into place: the checkpoint is then truncated, and so are
the copies taken from it. Jockey checks for room before it lets the engine write, and
names damaged files after a failure.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from automation._errors import ConfigurationError

PROJECT = "jockey"
"""The Pulumi project every tenant stack belongs to (as in Pulumi.yaml)."""
HEADROOM_COPIES = 4
"""Copies of the checkpoint an update may need room for at once: the new one (written
beside the old one), `.bak`, and the history and backup copies written at its end."""
HEADROOM_MARGIN = 1 << 20
"""Room kept on top of the copies (the lock, tags, history summary, a checkpoint's growth)."""


@dataclass(frozen=True)
class StackFiles:
    """One stack's files in a `file://` backend.

    Attributes:
        root: the backend's folder.
        stack: the stack's name.
    """

    root: Path
    stack: str

    @property
    def checkpoint(self) -> Path:
        """The stack's state."""
        return self.root / ".pulumi" / "stacks" / PROJECT / f"{self.stack}.json"

    @property
    def previous(self) -> Path:
        """The checkpoint as it was before the engine's last write of it."""
        return self.checkpoint.with_name(f"{self.stack}.json.bak")

    @property
    def backups(self) -> Path:
        """The folder of the checkpoint copies taken after each update."""
        return self.root / ".pulumi" / "backups" / PROJECT / self.stack

    @property
    def locks(self) -> Path:
        """The folder of the engine's lock files for this stack."""
        return self.root / ".pulumi" / "locks" / "organization" / PROJECT / self.stack


def stack_files(backend_url: str, stack: str) -> StackFiles | None:
    """The stack's files when the backend is a local folder (`None` for S3, Pulumi Cloud...)."""
    if not backend_url.startswith("file://"):
        return None
    return StackFiles(Path(urlsplit(backend_url).path or "/"), stack)


def checkpoint_damage(path: Path) -> str | None:
    """Why a checkpoint (or a copy of one) cannot be used, or `None` when it reads as one.

    A missing file is not damage (a new stack has none).
    """
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        return f"cannot be read ({error.strerror or type(error).__name__})"
    if not content:
        return "is empty: it was cut short"
    try:
        data = json.loads(content)
    except ValueError as error:  # json.JSONDecodeError, UnicodeDecodeError
        return f"is not JSON ({error}): it was cut short or overwritten"
    if not isinstance(data, dict) or not isinstance(data.get("checkpoint"), dict):
        return "is JSON but not a Pulumi checkpoint (no `checkpoint` object)"
    return None


def usable_backups(files: StackFiles) -> list[Path]:
    """The stack's checkpoint backups that read as checkpoints, newest first."""
    try:
        found = [path for path in files.backups.iterdir() if path.suffix == ".json"]
    except OSError:
        return []
    newest_first = sorted(found, key=_backup_time, reverse=True)
    return [path for path in newest_first if checkpoint_damage(path) is None]


def _backup_time(path: Path) -> int:
    stamp = path.stem.rsplit(".", 1)[-1]
    return int(stamp) if stamp.isdigit() else 0


def unreadable_locks(files: StackFiles) -> list[Path]:
    """Lock files the engine cannot read; the engine refuses every operation while one is there.

    A lock write that failed part way leaves an empty `<id>.json.<hex>.tmp`.
    """
    try:
        candidates = sorted(path for path in files.locks.iterdir() if path.is_file())
    except OSError:
        return []
    unreadable = []
    for path in candidates:
        try:
            json.loads(path.read_bytes())
        except (OSError, ValueError):
            unreadable.append(path)
    return unreadable


def require_headroom(files: StackFiles, *, tenant: str | None = None) -> None:
    """Refuse to let the engine write a stack's state without room for it.

    Raises:
        ConfigurationError: the disk holding the backend has less free space than
            `HEADROOM_COPIES` checkpoints plus `HEADROOM_MARGIN`.
    """
    try:
        size = files.checkpoint.stat().st_size
    except OSError:
        size = 0
    folder = next((path for path in (files.root, *files.root.parents) if path.exists()), None)
    if folder is None:
        return
    try:
        stats = os.statvfs(folder)
    except OSError:
        return  # not a local file system Jockey can measure; the engine reports its errors
    free = stats.f_bavail * stats.f_frsize
    needed = HEADROOM_COPIES * size + HEADROOM_MARGIN
    if free >= needed:
        return
    raise ConfigurationError(
        f"the disk holding the state backend {files.root} has {_size(free)} free, and an "
        f"update of this stack needs about {_size(needed)} (its checkpoint "
        f"{files.checkpoint} is {_size(size)}); the engine was not started, nothing changed",
        tenant=tenant,
        stack=files.stack,
        fix="free space on that disk (or move JOCKEY_HOME / PULUMI_BACKEND_URL to a bigger "
        "one), then run the operation again; a full disk mid-write truncates the checkpoint "
        "(see docs/recovery.md)",
    )


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    value = count / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


__all__ = [
    "HEADROOM_COPIES",
    "HEADROOM_MARGIN",
    "PROJECT",
    "StackFiles",
    "checkpoint_damage",
    "require_headroom",
    "stack_files",
    "unreadable_locks",
    "usable_backups",
]
