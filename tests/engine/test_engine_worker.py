"""The worker process as callers meet it: scripts, notebooks, deadlines under load, exits.

Plain scripts and notebooks start it; no process is left behind whichever side dies first.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import automation
from automation._proctree import descendants
from infra.spec import load_spec_file
from tests.engine.engine_support import TenantFiles, jockey_cli

REPO = Path(__file__).resolve().parents[2]


def _readme_script(spec_path: Path) -> str:
    """The README's Python example, as a user pastes it: no `if __name__ == "__main__":`."""
    return textwrap.dedent(
        f"""
        import sys
        from pathlib import Path

        import automation
        from infra.spec import load_spec_file

        spec = load_spec_file(Path({str(spec_path)!r}))
        events = []
        result = automation.preview(spec, on_event=events.append)
        print(result.ok, result.changes.create, len(events) > 0)
        print("pulumi loaded:", any(m.split(".")[0] == "pulumi" for m in sys.modules))
        """
    )


def test_the_readme_example_runs_as_a_plain_script(tenant_files: TenantFiles) -> None:
    script = tenant_files.spec_dir / "deploy.py"
    script.write_text(_readme_script(tenant_files.write("acme")))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("True ") and lines[0].endswith(" True"), done.stdout
    assert int(lines[0].split()[1]) > 0, "the preview of a new tenant creates resources"
    assert lines[1] == "pulumi loaded: False", "the caller never imports the Pulumi SDK"
    assert "bootstrapping phase" not in done.stderr and "EOFError" not in done.stderr


def test_the_readme_example_runs_from_a_notebook_like_python_c(tenant_files: TenantFiles) -> None:
    code = _readme_script(tenant_files.write("acme"))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("True ")


def test_the_parent_never_imports_the_sdk_and_gets_the_diff(tenant_files: TenantFiles) -> None:
    spec = load_spec_file(tenant_files.write("acme"))
    before = {m for m in sys.modules if m.split(".")[0] == "pulumi"}
    result = automation.preview(spec, on_event=lambda _event: None)
    assert result.ok, result.error
    assert {m for m in sys.modules if m.split(".")[0] == "pulumi"} == before
    deployment = next(r for r in result.resources if r.type == "kubernetes:apps/v1:Deployment")
    assert deployment.op == "create"
    result_json = result.to_json()
    assert result_json["kind"] == "result"
    assert any(resource["properties"] is not None for resource in result_json["resources"])
    # Reads of the backend run in workers too.
    assert automation.up(spec).ok
    assert automation.outputs("acme", "dev")["namespace"] == "acme-dev"
    assert automation.status("acme", "dev").exists
    assert [summary.stack for summary in automation.list_stacks()] == ["acme-dev"]
    with pytest.raises(automation.StackNotFoundError):
        automation.outputs("nobody", "dev")
    assert {m for m in sys.modules if m.split(".")[0] == "pulumi"} == before


def _burn(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@contextmanager
def _cpu_load(workers: int = 4, seconds: float = 60.0) -> Iterator[None]:
    context = multiprocessing.get_context("fork")
    burners = [context.Process(target=_burn, args=(seconds,)) for _ in range(workers)]
    for burner in burners:
        burner.start()
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.join()


def test_a_deadline_holds_under_cpu_load(tenant_files: TenantFiles) -> None:
    spec = load_spec_file(tenant_files.write("acme"))
    with _cpu_load():
        started = time.monotonic()
        result = automation.up(spec, timeout_seconds=1.5)
        elapsed = time.monotonic() - started
    assert result.cancelled and not result.ok, f"ok={result.ok} after {elapsed:.1f}s"
    assert elapsed < 40, "SIGINT at the deadline, SIGKILL after the grace period at the latest"
    follow_up = automation.up(spec, wait_seconds=0)
    assert follow_up.ok, follow_up.error


def _session_members(sid: int) -> list[int]:
    members = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:
            members.append(int(proc.name))
    return members


def _all_processes_with(needle: bytes) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if needle in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def test_nothing_jockey_started_outlives_it(tenant_files: TenantFiles) -> None:
    marker = f"JOCKEY_TEST_MARKER={os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, marker.split("=")[0]: marker.split("=")[1]}
    done = subprocess.run(
        [*jockey_cli(), "up", str(tenant_files.write("acme")), "--yes", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    # Every process Jockey started (worker, engine, language host, plugins) inherits the
    # marker in its environment: none may still run once `jockey` has returned.
    assert _all_processes_with(marker.encode()) == []


def _lease_holder(files: TenantFiles) -> dict[str, object] | None:
    try:
        record: dict[str, object] = json.loads(
            (files.home / "leases" / "acme-dev.json").read_text()
        )
        return record
    except (OSError, ValueError):
        return None


def test_a_worker_whose_caller_dies_stops_its_engine_and_frees_the_stack(
    tenant_files: TenantFiles,
) -> None:
    spec_path = tenant_files.write("acme")
    caller = subprocess.Popen(
        [*jockey_cli(), "up", str(spec_path), "--yes", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while _lease_holder(tenant_files) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    record = _lease_holder(tenant_files)
    assert record is not None, "the up started and took the lease"
    worker = int(record["pid"])  # type: ignore[call-overload]
    os.killpg(caller.pid, signal.SIGKILL)  # the caller's whole group; the worker has its own
    caller.wait()
    gone_by = time.monotonic() + 30
    while time.monotonic() < gone_by and (
        _session_members(worker) or _lease_holder(tenant_files) is not None
    ):
        time.sleep(0.1)
    assert _session_members(worker) == [], "the worker and its engine stopped"
    assert descendants(worker) == []
    assert _lease_holder(tenant_files) is None, "the lease was released"
    follow_up = automation.up(load_spec_file(spec_path), wait_seconds=0)
    assert follow_up.ok, follow_up.error


def test_a_folder_named_automation_in_the_working_directory_does_not_shadow_the_worker(
    tenant_files: TenantFiles,
) -> None:
    spec_path = tenant_files.write("acme")
    shadow = tenant_files.spec_dir / "workdir"
    (shadow / "automation").mkdir(parents=True)
    (shadow / "automation" / "__init__.py").write_text('raise SystemExit("shadowed")\n')
    done = subprocess.run(
        [*jockey_cli(), "preview", str(spec_path), "--json"],
        capture_output=True,
        text=True,
        cwd=shadow,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["ok"] is True


def test_a_killed_worker_leaves_no_plugin_behind(tenant_files: TenantFiles) -> None:
    marker = f"JOCKEY_TEST_MARKER={os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, marker.split("=")[0]: marker.split("=")[1]}
    caller = subprocess.Popen(
        [*jockey_cli(), "up", str(tenant_files.write("acme")), "--yes", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 120
    plugin: int | None = None
    while plugin is None and time.monotonic() < deadline:
        record = _lease_holder(tenant_files)
        if record is not None:
            worker = int(record["pid"])  # type: ignore[call-overload]
            plugins = [
                pid
                for pid in descendants(worker)
                if Path(f"/proc/{pid}/comm").read_text().startswith("pulumi-resource")
            ]
            plugin = plugins[0] if plugins else None
        time.sleep(0.05)
    assert plugin is not None, "the engine started its Kubernetes plugin"
    os.kill(plugin, signal.SIGSTOP)  # holds the engine mid-`up`, however fast it would be
    time.sleep(1.0)  # the caller notes its worker's processes every quarter second
    os.kill(worker, signal.SIGKILL)  # the worker alone: its engine and plugin are orphaned
    caller.wait(timeout=120)
    time.sleep(0.5)
    assert _all_processes_with(marker.encode()) == [], "the caller stopped what the worker left"
