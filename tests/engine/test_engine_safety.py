"""Concurrency, faults and secrets on the real engine."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import automation
from automation import OperationEvent
from infra.spec import load_spec_file
from tests.engine.engine_support import CANARY, TenantFiles, jockey_cli, manifests


def _start_up(spec_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*jockey_cli(), "up", str(spec_path), "--yes", "--json", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _lease_record(files: TenantFiles, stack: str = "acme-dev") -> dict[str, Any] | None:
    try:
        record: dict[str, Any] = json.loads((files.home / "leases" / f"{stack}.json").read_text())
    except (OSError, ValueError):
        return None
    return record


def test_two_concurrent_ups_on_one_tenant_are_serialised(tenant_files: TenantFiles) -> None:
    spec_path = tenant_files.write("acme")
    first, second = _start_up(spec_path), _start_up(spec_path)
    results = []
    for process in (first, second):
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        results.append(json.loads(stdout))
    creates = sorted(result["changes"]["create"] for result in results)
    assert creates[0] == 0 and creates[1] > 0, "exactly one of them created the resources"
    assert all(result["changes"]["update"] == 0 for result in results)


def test_a_busy_stack_fails_fast_with_exit_code_4(tenant_files: TenantFiles) -> None:
    spec_path = tenant_files.write("acme")
    holder = _start_up(spec_path)
    _wait_for(lambda: _lease_record(tenant_files) is not None)
    busy = subprocess.run(
        [*jockey_cli(), "preview", str(spec_path), "--wait", "0", "--json"],
        capture_output=True,
        text=True,
    )
    holder.communicate(timeout=300)
    assert holder.returncode == 0
    assert busy.returncode == 4, busy.stdout + busy.stderr
    assert "stack is busy: up by pid" in busy.stdout


def test_kill_9_mid_up_is_repaired_by_the_next_up(tenant_files: TenantFiles) -> None:
    spec_path = tenant_files.write("acme")
    out = tenant_files.out / "acme"
    victim = _start_up(spec_path)
    _wait_for(lambda: _lease_record(tenant_files) is not None)
    _wait_for(lambda: len(manifests(out)) > 0, timeout=120)
    record = _lease_record(tenant_files)
    assert record is not None
    os.killpg(int(record["pgid"]), signal.SIGKILL)  # the worker, the engine and the program
    victim.communicate(timeout=60)
    assert victim.returncode == 1

    result = automation.up(load_spec_file(spec_path))
    assert result.ok, result.error
    assert result.repaired, "the next operation noticed the crash and repaired the stack"
    status = automation.status("acme", "dev")
    assert status.pending_operations == 0
    assert status.lease_holder is None
    again = automation.up(load_spec_file(spec_path))
    assert again.ok and again.changes.total_changes == 0, "nothing lost, nothing orphaned"
    # Every Kubernetes object in the state has its manifest: the stack, the provider and
    # the component are the three state entries without one.
    assert len(manifests(out)) == again.changes.same - 3


def test_sigterm_mid_up_cancels_gracefully(tenant_files: TenantFiles) -> None:
    spec_path = tenant_files.write("acme")
    process = _start_up(spec_path)
    _wait_for(lambda: _lease_record(tenant_files) is not None)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    (line,) = stdout.strip().splitlines()
    result = json.loads(line)
    assert result["cancelled"] is True and result["ok"] is False
    assert _lease_record(tenant_files) is None, "the lease was released"
    follow_up = automation.up(load_spec_file(spec_path))
    assert follow_up.ok, follow_up.error


def test_raising_and_sleeping_callbacks_never_break_the_operation(
    tenant_files: TenantFiles,
) -> None:
    spec = load_spec_file(tenant_files.write("acme"))
    seen: list[OperationEvent] = []

    def raising(event: OperationEvent) -> None:
        seen.append(event)
        raise RuntimeError("a buggy control plane")

    result = automation.up(spec, on_event=raising)
    assert result.ok, result.error
    assert any(event.kind == "summary" for event in seen)

    def sleeping(_event: OperationEvent) -> None:
        time.sleep(1.0)

    started = time.monotonic()
    result = automation.preview(spec, on_event=sleeping)
    assert result.ok, result.error
    # ~20 events at 1 s each would take 20 s if the callback blocked the engine.
    assert time.monotonic() - started < 15


def test_wrong_and_empty_passphrases(
    tenant_files: TenantFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = load_spec_file(tenant_files.write("acme"))
    assert automation.up(spec).ok
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "not-the-passphrase")
    wrong = automation.preview(spec)
    assert not wrong.ok
    assert "passphrase" in (wrong.error or "").lower()
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "")
    with pytest.raises(automation.ConfigurationError, match="empty"):
        automation.preview(spec)


def test_a_wiped_work_directory_loses_nothing(tenant_files: TenantFiles) -> None:
    spec = load_spec_file(tenant_files.write("acme"))
    assert automation.up(spec).ok
    shutil.rmtree(tenant_files.home / "stacks")
    again = automation.up(spec)
    assert again.ok, again.error
    assert again.changes.total_changes == 0


def _files_containing(root: Path, needles: list[bytes]) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            try:
                content = path.read_bytes()
            except OSError:
                continue
            if any(needle in content for needle in needles):
                found.append(path)
    return found


def test_the_secret_canary_is_nowhere_in_plaintext(tenant_files: TenantFiles) -> None:
    spec_path = tenant_files.write("acme")
    needles = [CANARY.encode(), base64.b64encode(CANARY.encode())]
    temp_before = set(Path(tempfile.gettempdir()).iterdir())
    seen_argv: list[str] = []
    stop = threading.Event()

    def watch_argv() -> None:
        while not stop.is_set():
            for proc in Path("/proc").iterdir():
                try:
                    seen_argv.append((proc / "cmdline").read_bytes().decode(errors="replace"))
                except OSError:
                    continue
            time.sleep(0.05)

    watcher = threading.Thread(target=watch_argv, daemon=True)
    watcher.start()
    outputs = []
    for command in (["up", "--yes"], ["preview"], ["up", "--yes"]):
        done = subprocess.run(
            [*jockey_cli(), command[0], str(spec_path), "--json", *command[1:]],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    status = subprocess.run(
        [*jockey_cli(), "outputs", str(spec_path)], capture_output=True, text=True
    )
    outputs.append(status.stdout + status.stderr)
    stop.set()
    watcher.join()

    assert not any(CANARY in text for text in outputs), "CLI output"
    assert not any(CANARY in argv for argv in seen_argv), "process arguments"
    assert _files_containing(tenant_files.home, needles) == [], "state, work dirs, leases"
    new_temp = set(Path(tempfile.gettempdir()).iterdir()) - temp_before
    leaked = [
        path for entry in new_temp if entry.is_dir() for path in _files_containing(entry, needles)
    ]
    leaked += [
        entry
        for entry in new_temp
        if entry.is_file() and any(n in entry.read_bytes() for n in needles)
    ]
    assert leaked == [], "temp files"
    assert not [e for e in new_temp if e.name.startswith("automation-")], "no stray workspaces"
    settings = tenant_files.home / "stacks" / "acme-dev" / "Pulumi.acme-dev.yaml"
    assert "encryptionsalt" in settings.read_text(), "stack settings live with the state"
    state = "".join(p.read_text() for p in (tenant_files.home / "state").rglob("*.json"))
    # The Secret's values sit in the state as ciphertext under Pulumi's secret signature.
    assert re.search(
        r'"4dabf18193072939515e22adb298388d":\s*"1b47061264138c4ac30d75fd1eb44270"', state
    )
    rendered = _files_containing(tenant_files.out, needles)
    assert [path.name for path in rendered] and all("secret" in p.name.lower() for p in rendered)


def test_refresh_of_a_rendered_tenant_explains_itself(tenant_files: TenantFiles) -> None:
    spec = load_spec_file(tenant_files.write("acme"))
    assert automation.up(spec).ok
    with pytest.raises(automation.JockeyError, match="renders to") as caught:
        automation.refresh(spec)
    assert "jockey up" in caught.value.fix


def test_a_deadline_cancels_and_frees_the_stack(tenant_files: TenantFiles) -> None:
    spec = load_spec_file(tenant_files.write("acme"))
    started = time.monotonic()
    result = automation.up(spec, timeout_seconds=1.5)
    assert result.cancelled and not result.ok
    assert time.monotonic() - started < 40, "SIGINT, then SIGKILL after the grace period"
    assert _lease_record(tenant_files) is None
    follow_up = automation.up(spec, wait_seconds=0)
    assert follow_up.ok, follow_up.error


def _engine_pid(pgid: int) -> int | None:
    """The `pulumi` CLI process in a worker's process group, if it runs now."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if int(fields[2]) == pgid and argv[0].endswith(b"/pulumi") and b"up" in argv:
            return int(proc.name)
    return None


def test_kill_9_of_the_engine_alone_is_repaired_by_the_next_up(
    tenant_files: TenantFiles,
) -> None:
    spec_path = tenant_files.write("acme")
    victim = _start_up(spec_path)
    _wait_for(lambda: _lease_record(tenant_files) is not None)
    record = _lease_record(tenant_files)
    assert record is not None
    pgid = int(record["pgid"])
    _wait_for(lambda: _engine_pid(pgid) is not None, timeout=120)
    engine = _engine_pid(pgid)
    assert engine is not None
    os.kill(engine, signal.SIGKILL)
    stdout, _ = victim.communicate(timeout=120)
    assert victim.returncode == 1
    assert json.loads(stdout.strip().splitlines()[-1])["ok"] is False

    result = automation.up(load_spec_file(spec_path))
    assert result.ok, result.error
    assert result.repaired, "the worker recorded the abnormal stop; the next operation repaired"
    assert automation.status("acme", "dev").pending_operations == 0
    again = automation.up(load_spec_file(spec_path))
    assert again.ok and again.changes.total_changes == 0
