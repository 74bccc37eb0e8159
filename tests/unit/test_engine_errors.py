"""Engine failures made readable, from recorded engine output and state folders.

The output is Pulumi v3.274's own words; the state folders are built in a temporary
directory. Each known fault names the stack, the file and the fix; the state backend's files
are found and checked without the engine.
"""

from __future__ import annotations

import json
import os
import random
import string
from pathlib import Path
from typing import Any

import pytest

from automation._engine_errors import (
    KNOWN_FIXES,
    FailureContext,
    failed_file,
    known_fix,
    summarize_failure,
    writes_failed,
)
from automation._errors import ConfigurationError
from automation._state_files import (
    HEADROOM_COPIES,
    HEADROOM_MARGIN,
    StackFiles,
    checkpoint_damage,
    require_headroom,
    stack_files,
    unreadable_locks,
    usable_backups,
)


def _command_error(stderr: str, stdout: str = "") -> str:
    """A CommandError's text, as the Automation API renders it."""
    return f"\n code: 255\n stdout: {stdout}\n stderr: {stderr}\n"


def _name(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=6)) + "-dev"


@pytest.fixture
def files(tmp_path: Path) -> StackFiles:
    """A stack with a good checkpoint, in a folder and under a name no test knows."""
    rng = random.Random()
    state = tmp_path / f"state-{rng.randrange(10**6)}"
    files = StackFiles(state, _name(rng))
    files.checkpoint.parent.mkdir(parents=True)
    files.checkpoint.write_text(_checkpoint(files.stack))
    return files


def _checkpoint(stack: str, resources: int = 2) -> str:
    latest = {"manifest": {}, "resources": [{"urn": f"urn:{i}"} for i in range(resources)]}
    return json.dumps({"version": 3, "checkpoint": {"stack": stack, "latest": latest}})


def _context(files: StackFiles, **more: Any) -> FailureContext:
    return FailureContext(stack=files.stack, files=files, **more)


def _lines(message: str) -> dict[str, str]:
    """`file:`, `fix:`, `checkpoint:`... lines by their label (the first line as `head`)."""
    first, *rest = message.splitlines()
    labelled = dict(line.split(": ", 1) for line in rest if ": " in line)
    return {"head": first, **labelled}


def test_a_damaged_checkpoint_names_the_stack_the_file_and_the_backups(files: StackFiles) -> None:
    files.checkpoint.write_text('{"version": 3, "checkpoint": {"sta')
    text = _command_error("error: failed to load checkpoint: place 1: unexpected end of JSON input")

    lines = _lines(summarize_failure(text, (), _context(files)))

    assert lines["head"] == (
        f"{files.stack}: the stack's checkpoint {files.checkpoint} is damaged; "
        "the engine stopped before changing anything"
    )
    assert lines["engine"] == "failed to load checkpoint: place 1: unexpected end of JSON input"
    assert lines["file"] == str(files.checkpoint)
    assert f"(in {files.backups})" in lines["fix"]
    assert "jockey pulumi stack import" in lines["fix"] and "docs/recovery.md" in lines["fix"]


def test_a_bare_json_error_is_blamed_on_the_unreadable_lock_file(files: StackFiles) -> None:
    stray = files.locks / "9c1e.json.18ed5044d079527e.tmp"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"")
    (files.locks / "live.json").write_text('{"pid": 1}')
    text = _command_error("error: unexpected end of JSON input")

    lines = _lines(summarize_failure(text, (), _context(files)))

    assert lines["head"].startswith(f"{files.stack}: the unreadable lock file {stray} blocks")
    assert lines["file"] == str(stray)
    assert lines["fix"].startswith(f"make sure no operation runs on {files.stack}, then delete")
    assert unreadable_locks(files) == [stray]


def test_a_bare_json_error_with_no_lock_is_the_checkpoint(files: StackFiles) -> None:
    files.checkpoint.write_bytes(b"\x00" * 64)
    text = _command_error(
        "error: place 1: invalid character '\\x00' looking for beginning of value"
    )

    lines = _lines(summarize_failure(text, (), _context(files)))

    assert lines["head"].startswith(f"{files.stack}: the stack's checkpoint {files.checkpoint}")
    assert lines["file"] == str(files.checkpoint)


def test_without_the_files_a_bare_json_error_says_both_suspects() -> None:
    fix = known_fix(_command_error("error: unexpected end of JSON input"))

    assert fix is not None
    assert "locks folder holds an empty *.tmp file" in fix and "restore the checkpoint" in fix


def test_a_wrong_passphrase_names_its_source_and_the_salt_file(files: StackFiles) -> None:
    settings = files.root.parent / "stacks" / files.stack / f"Pulumi.{files.stack}.yaml"
    text = _command_error(
        "error: getting stack configuration: get stack secrets manager: incorrect passphrase"
    )
    source = f"PULUMI_CONFIG_PASSPHRASE_FILE ({files.root.parent / 'pass'})"

    message = summarize_failure(
        text, (), _context(files, passphrase=source, settings_file=settings)
    )

    lines = _lines(message)
    assert lines["head"] == (
        f"{files.stack}: the passphrase ({source}) does not decrypt this stack's secrets; "
        "the engine stopped before changing anything"
    )
    assert lines["file"] == str(settings)
    assert str(settings) in lines["fix"]
    assert not writes_failed(text)


def test_a_read_only_state_folder_says_the_checkpoint_is_intact(files: StackFiles) -> None:
    tags = files.checkpoint.with_name(f"{files.stack}.pulumi-tags")
    text = _command_error(
        f"error: failed to save stack tags: failed to delete stack tags file: remove {tags}: "
        "read-only file system"
    )

    lines = _lines(summarize_failure(text, (), _context(files)))

    assert lines["head"] == f"{files.stack}: the state backend {files.root} is read-only"
    assert lines["file"] == str(tags)
    assert lines["checkpoint"] == f"{files.checkpoint} is intact"
    assert lines["fix"].startswith(f"mount the state backend {files.root} read-write")
    assert writes_failed(text)


def test_a_fault_at_the_lock_changed_nothing_and_names_the_lock(files: StackFiles) -> None:
    lock = files.locks / "75b7f89c.json"
    text = _command_error(
        "error: 2 errors occurred:\n    1) write "
        f"{lock}.18ed50478bf8ce1e.tmp: no space left on device\n    2) Unknown"
    )

    lines = _lines(summarize_failure(text, (), _context(files)))

    assert lines["head"] == (
        f"{files.stack}: the disk holding the state backend {files.root} is full; "
        "the engine stopped before changing anything"
    )
    assert lines["file"] == str(lock), "the file, not the engine's temporary name"


def test_a_full_disk_mid_write_names_the_cut_checkpoint_and_the_backup(files: StackFiles) -> None:
    good = _checkpoint(files.stack)
    files.backups.mkdir(parents=True)
    older, newer, newest = (files.backups / f"{files.stack}.{stamp}.json" for stamp in (10, 20, 30))
    older.write_text(good)
    newer.write_text(good)
    newest.write_text(good[:100])  # copied from the cut checkpoint
    files.checkpoint.write_text(good[:100])
    diagnostic = (
        "error: acme-dev-kubernetes-deployment: pre-step event returned an error: failed to save "
        f"snapshot: write {files.checkpoint}.18ed510924bf7e2a.tmp: no space left on device"
    )

    lines = _lines(summarize_failure(_command_error(""), (diagnostic,), _context(files)))

    assert (
        lines["head"] == f"{files.stack}: the disk holding the state backend {files.root} is full"
    )
    assert lines["file"] == str(files.checkpoint)
    assert lines["checkpoint"].startswith(f"{files.checkpoint} is not JSON")
    assert f"the newest usable backup is {newer})" in lines["recover"]
    assert usable_backups(files) == [newer, older]


def test_a_fault_outside_the_state_is_about_that_file(files: StackFiles, tmp_path: Path) -> None:
    manifest = tmp_path / "out" / "acme" / "1-manifest" / "deployment.yaml"
    text = _command_error(f"error: open {manifest}: read-only file system")

    lines = _lines(summarize_failure(text, (), _context(files)))

    assert lines["head"] == f"{files.stack}: the file {manifest} is on a read-only file system"
    assert "checkpoint" not in lines
    assert lines["fix"] == "make its folder writable"


def test_an_unknown_failure_keeps_the_engines_words(files: StackFiles) -> None:
    diagnostics = ("error: resource ns failed: admission webhook denied the request",)

    message = summarize_failure(
        _command_error("error: update failed"), diagnostics, _context(files)
    )

    assert message == "error: resource ns failed: admission webhook denied the request"


@pytest.mark.parametrize("fault", KNOWN_FIXES, ids=lambda fault: fault.what[:30])
def test_every_fix_reads_without_a_context(fault: Any) -> None:
    """`automation.outputs` and `status` know no files: the texts still read as sentences."""
    example = {
        "failed to load": "failed to load checkpoint",
        "incorrect": "incorrect passphrase",
        "passphrase must": "passphrase must be set",
        "connection refused": "connection refused",
        'conflict with \\"': 'conflict with "kubectl"',
        "read-only": "read-only file system",
        "permission": "permission denied",
        "no space": "no space left on device",
        "(?:^|: )": "error: unexpected end of JSON input",
    }
    text = next(sample for key, sample in example.items() if key in fault.pattern.pattern)

    fix = known_fix(text)
    head = summarize_failure(text, ()).splitlines()[0]

    assert fix and fix == fix.strip() and "  " not in fix and "()" not in fix
    assert "  " not in head and "{" not in head + fix


@pytest.mark.parametrize(
    ("content", "damaged"),
    [
        (None, None),
        (b"", "is empty: it was cut short"),
        (b'{"version": 3, "chec', "is not JSON"),
        (bytes(range(256)), "is not JSON"),
        (b"[1, 2]", "is JSON but not a Pulumi checkpoint"),
        (b'{"version": 3}', "is JSON but not a Pulumi checkpoint"),
        (_checkpoint("x").encode(), None),
    ],
)
def test_checkpoint_damage(tmp_path: Path, content: bytes | None, damaged: str | None) -> None:
    path = tmp_path / "stack.json"
    if content is not None:
        path.write_bytes(content)

    found = checkpoint_damage(path)

    assert (found is None) == (damaged is None)
    assert damaged is None or (found or "").startswith(damaged)


def test_stack_files_only_for_a_folder_backend(tmp_path: Path) -> None:
    assert stack_files("s3://bucket/prefix", "a-dev") is None
    assert stack_files("postgres://db/jockey", "a-dev") is None
    files = stack_files(f"file://{tmp_path}?no_tmp_dir=true", "a-dev")
    assert files == StackFiles(tmp_path, "a-dev")
    assert files.checkpoint == tmp_path / ".pulumi/stacks/jockey/a-dev.json"
    assert files.locks == tmp_path / ".pulumi/locks/organization/jockey/a-dev"


class _Disk:
    def __init__(self, free: int) -> None:
        self.f_bavail, self.f_frsize = free, 1


@pytest.mark.parametrize("size", [0, 1, 70_000, 5 << 20])
def test_headroom_is_four_checkpoints_and_a_mebibyte(
    files: StackFiles, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    files.checkpoint.write_bytes(b"x" * size)
    needed = HEADROOM_COPIES * size + HEADROOM_MARGIN
    monkeypatch.setattr(os, "statvfs", lambda _: _Disk(needed))
    require_headroom(files, tenant="acme")

    monkeypatch.setattr(os, "statvfs", lambda _: _Disk(needed - 1))
    with pytest.raises(ConfigurationError) as caught:
        require_headroom(files, tenant="acme")

    message = str(caught.value)
    assert message.startswith(f"[{files.stack}] the disk holding the state backend {files.root}")
    assert str(files.checkpoint) in message and "the engine was not started" in message
    assert caught.value.fix.startswith("free space on that disk")


def test_headroom_of_a_backend_not_yet_created(tmp_path: Path) -> None:
    require_headroom(StackFiles(tmp_path / "not" / "yet", "a-dev"))


def test_failed_file_reads_go_path_errors(tmp_path: Path) -> None:
    assert failed_file(f"open {tmp_path}/x.json.18ed5044d079527e.tmp: read-only") == tmp_path / (
        "x.json"
    )
    assert failed_file(f"remove {tmp_path}/a-dev.pulumi-tags: denied") == tmp_path / (
        "a-dev.pulumi-tags"
    )
    assert failed_file("no space left on device") is None
