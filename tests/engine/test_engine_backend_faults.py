"""Faults on the state backend, on the real engine.

A read-only state folder, a damaged checkpoint, a wrong passphrase, a full disk (a small
tmpfs), an unreadable lock file.

Each must give an error naming the stack, the file and the fix, write nothing half-way, and
let the next operation succeed once the fault is mended; a damaged checkpoint is restored
from the backend's own backups by the steps docs/recovery.md gives, run as written.

A read-only folder and a small disk are made with `mount` (a read-only bind mount, a tmpfs):
these tests run as root, or with passwordless sudo.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import automation
from automation import OperationEvent
from automation._state_files import StackFiles, checkpoint_damage, usable_backups
from infra.spec import load_spec_file
from tests.engine.engine_support import TenantFiles, jockey_cli

REPO = Path(__file__).resolve().parents[2]
STACK = "acme-dev"


def _state(files: TenantFiles) -> StackFiles:
    return StackFiles(files.home / "state", STACK)


def _snapshot(*folders: Path) -> dict[str, bytes]:
    """Every file under the folders, by path: what "nothing written" is checked against.

    The stack's tags file is left out: Jockey removes its fingerprint tag before every `up`
    on purpose (a failed `up` must not leave a fingerprint claiming the stack matches).
    """
    return {
        str(path): path.read_bytes()
        for folder in folders
        if folder.exists()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".pulumi-tags" not in path.name
    }


def _privileged(*command: str) -> None:
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    done = subprocess.run([*prefix, *command], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(
            f"`{' '.join(command)}` failed ({done.stderr.strip()}): these tests mount a "
            "read-only bind mount and a small tmpfs, so they need root or passwordless sudo"
        )


def _unmount(folder: Path) -> None:
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if subprocess.run([*prefix, "umount", str(folder)], check=False).returncode != 0:
        subprocess.run([*prefix, "umount", "-l", str(folder)], check=False)


@contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """The folder, read-only for every user (root included): a read-only bind mount."""
    _privileged("mount", "--bind", str(folder), str(folder))
    try:
        _privileged("mount", "-o", "remount,bind,ro", str(folder))
        yield
    finally:
        _unmount(folder)


@contextmanager
def _small_disk(folder: Path, size: str = "4m") -> Iterator[None]:
    """The folder on a disk of its own, `size` large (a tmpfs)."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size},uid={os.getuid()},gid={os.getgid()},mode=0755"
    _privileged("mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder))
    try:
        yield
    finally:
        _unmount(folder)


def _fill(folder: Path, leave: int = 0) -> Path:
    """Fill the disk holding `folder`, leaving `leave` bytes; returns the filler file."""
    filler = folder / "filler.bin"
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    with filler.open("wb") as out:
        try:
            out.write(b"\0" * max(free - leave, 0))
            out.flush()
        except OSError:
            pass  # the disk is full: that is the point
    return filler


def _assert_names(error: str | None, *expected: str) -> str:
    """The message starts with the stack and names every expected piece."""
    assert error, "the operation should have failed"
    assert error.startswith(f"{STACK}: "), error
    for piece in expected:
        assert piece in error, f"{piece!r} not in:\n{error}"
    assert "\nfix: " in error, error
    return error


def test_a_read_only_state_folder(tenant_files: TenantFiles) -> None:
    spec = load_spec_file(tenant_files.write("acme"))
    assert automation.up(spec).ok
    changed = load_spec_file(tenant_files.write("acme", replicas=2))
    state = _state(tenant_files)
    before = _snapshot(state.root, tenant_files.out)

    with _read_only(state.root):
        failed = automation.up(changed)
        previewed = automation.preview(changed)
        after = _snapshot(state.root, tenant_files.out)

    error = _assert_names(
        failed.error,
        f"the state backend {state.root} is read-only",
        f"file: {state.root}/",
        f"checkpoint: {state.checkpoint} is intact",
        f"fix: mount the state backend {state.root} read-write",
    )
    assert not failed.ok and failed.changes.total_changes == 0, error
    assert after == before, "nothing was written"
    assert previewed.ok, "a preview writes nothing, so it works on a read-only backend"
    assert previewed.changes.update == 1
    assert previewed.repaired, "the write fault was recorded: the next operation cleared locks"

    mended = automation.up(changed)
    assert mended.ok, mended.error
    assert mended.changes.update == 1
    assert automation.up(changed).changes.total_changes == 0


def _truncate(path: Path, rng: random.Random) -> None:
    content = path.read_bytes()
    path.write_bytes(content[: rng.randrange(1, len(content) - 1)])


def _garble(path: Path, rng: random.Random) -> None:
    path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4096))))


def _empty(path: Path, rng: random.Random) -> None:
    path.write_bytes(b"")


def _not_a_checkpoint(path: Path, rng: random.Random) -> None:
    path.write_text(json.dumps({"version": 3, "checkpoint": {"latest": {"resources": [7]}}}))


DAMAGE = [_truncate, _garble, _empty, _not_a_checkpoint]


def _recovery_steps() -> str:
    """Steps 1-3 of docs/recovery.md's restore, exactly as written there."""
    text = (REPO / "docs" / "recovery.md").read_text()
    section = text.split("## Restoring a damaged checkpoint from the backups", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "docs/recovery.md lost its restore steps"
    steps = block.group(1).split("# 4.", 1)[0]
    assert "jockey pulumi stack import" in steps
    return steps


def _run_recovery(files: TenantFiles, workdir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _recovery_steps()],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda damage: damage.__name__.strip("_"))
def test_a_damaged_checkpoint_is_named_and_restored_from_backups(
    tenant_files: TenantFiles, damage: Callable[[Path, random.Random], None]
) -> None:
    spec = load_spec_file(tenant_files.write("acme"))
    assert automation.up(spec).ok
    changed = load_spec_file(tenant_files.write("acme", replicas=2))
    assert automation.up(changed).ok
    state = _state(tenant_files)
    assert len(usable_backups(state)) == 2, "each up left a backup of the checkpoint"
    damage(state.checkpoint, random.Random())
    before = _snapshot(state.root, tenant_files.out)

    for result in (automation.preview(changed), automation.up(changed)):
        _assert_names(
            result.error,
            f"the stack's checkpoint {state.checkpoint} is damaged",
            "the engine stopped before changing anything",
            f"file: {state.checkpoint}",
            f"backups that reads as JSON (in {state.backups})",
            "docs/recovery.md",
        )
    assert _snapshot(state.root, tenant_files.out) == before, "nothing was written"

    done = _run_recovery(tenant_files, tenant_files.spec_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"restoring {usable_backups(state)[0]}" in done.stderr
    assert (tenant_files.spec_dir / f"{STACK}.damaged.json").is_file()
    assert checkpoint_damage(state.checkpoint) is None

    restored = automation.up(changed)
    assert restored.ok, restored.error
    assert restored.changes.total_changes == 0, "the newest backup held the last up"


def test_a_wrong_passphrase(tenant_files: TenantFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec_file(tenant_files.write("acme"))
    assert automation.up(spec).ok
    changed = load_spec_file(tenant_files.write("acme", replicas=2))
    state = _state(tenant_files)
    settings_file = tenant_files.home / "stacks" / STACK / f"Pulumi.{STACK}.yaml"
    before = _snapshot(state.root, tenant_files.out, settings_file.parent)
    right = os.environ["PULUMI_CONFIG_PASSPHRASE"]
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", f"not-{uuid.uuid4()}")

    for result in (automation.preview(changed), automation.up(changed)):
        _assert_names(
            result.error,
            "the passphrase (PULUMI_CONFIG_PASSPHRASE) does not decrypt this stack's secrets",
            "the engine stopped before changing anything",
            f"file: {settings_file}",
            "fix: set PULUMI_CONFIG_PASSPHRASE",
        )
    assert _snapshot(state.root, tenant_files.out, settings_file.parent) == before

    wrong_file = tenant_files.home / "passphrase"
    wrong_file.write_text("still-not-it\n")
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(wrong_file))
    from_file = automation.preview(changed)
    _assert_names(from_file.error, f"the passphrase (PULUMI_CONFIG_PASSPHRASE_FILE ({wrong_file}))")

    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", right)
    mended = automation.up(changed)
    assert mended.ok, mended.error
    assert mended.changes.update == 1


def test_a_full_disk_is_refused_before_the_engine_writes(tenant_files: TenantFiles) -> None:
    state = _state(tenant_files)
    with _small_disk(state.root):
        spec = load_spec_file(tenant_files.write("acme"))
        assert automation.up(spec).ok
        changed = load_spec_file(tenant_files.write("acme", replicas=2))
        filler = _fill(state.root)
        before = _snapshot(state.root, tenant_files.out)

        with pytest.raises(automation.ConfigurationError) as caught:
            automation.up(changed)
        cli = subprocess.run(
            [*jockey_cli(), "destroy", str(tenant_files.spec_dir / "acme.yaml"), "--yes"],
            capture_output=True,
            text=True,
            check=False,
        )

        message = str(caught.value)
        assert message.startswith(f"[{STACK}] the disk holding the state backend {state.root}")
        assert str(state.checkpoint) in message and "the engine was not started" in message
        assert "free space on that disk" in message and "docs/recovery.md" in message
        assert cli.returncode == 1 and f"[{STACK}] the disk holding" in cli.stderr + cli.stdout
        assert _snapshot(state.root, tenant_files.out) == before, "nothing was written"

        filler.unlink()
        mended = automation.up(changed)
        assert mended.ok, mended.error
        assert mended.changes.update == 1


def test_a_disk_that_fills_mid_update_is_reported_and_recovered(
    tenant_files: TenantFiles,
) -> None:
    """Another writer fills the disk while the engine runs.

    The engine truncates the checkpoint it was writing; the message says so and names the
    backup to restore.
    """
    state = _state(tenant_files)
    with _small_disk(state.root):
        spec = load_spec_file(tenant_files.write("acme"))
        assert automation.up(spec).ok
        changed = load_spec_file(tenant_files.write("acme", replicas=2))
        fillers: list[Path] = []

        def fill_at_the_first_event(event: OperationEvent) -> None:
            if not fillers:
                fillers.append(_fill(state.root, leave=8192))

        failed = automation.up(changed, on_event=fill_at_the_first_event)
        assert fillers, "the update sent events"
        error = _assert_names(
            failed.error,
            f"the disk holding the state backend {state.root} is full",
            "no space left on device",
            "file: ",
            f"checkpoint: {state.checkpoint}",
        )
        damaged = checkpoint_damage(state.checkpoint)
        if damaged is None:
            assert f"{state.checkpoint} is intact" in error
        else:
            assert f"{state.checkpoint} {damaged}" in error
            assert f"the newest usable backup is {usable_backups(state)[0]}" in error

        fillers[0].unlink()
        if damaged is not None:
            _assert_names(automation.up(changed).error, f"checkpoint {state.checkpoint} is damaged")
            done = _run_recovery(tenant_files, tenant_files.spec_dir)
            assert done.returncode == 0, done.stdout + done.stderr
        mended = automation.up(changed)
        assert mended.ok, mended.error
        assert automation.up(changed).changes.total_changes == 0


def test_an_unreadable_lock_file_is_named_and_mended(tenant_files: TenantFiles) -> None:
    """What a lock write cut short by a full disk leaves: an empty `<id>.json.<hex>.tmp`."""
    spec = load_spec_file(tenant_files.write("acme"))
    assert automation.up(spec).ok
    state = _state(tenant_files)
    stray = state.locks / f"{uuid.uuid4()}.json.{random.getrandbits(60):x}.tmp"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"")
    before = _snapshot(state.root, tenant_files.out)

    failed = automation.up(spec)

    _assert_names(
        failed.error,
        f"the unreadable lock file {stray} blocks the stack",
        "the engine stopped before changing anything",
        f"file: {stray}",
        f"make sure no operation runs on {STACK}, then delete that file",
    )
    assert _snapshot(state.root, tenant_files.out) == before
    stray.unlink()
    mended = automation.up(spec)
    assert mended.ok, mended.error
    assert mended.changes.total_changes == 0
