"""`jockey sync` on the real engine, render mode.

Create, unchanged, update, orphan, prune, preview with orphans as destroys, and an interrupt
that leaves tenants done or untouched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import automation
from automation.fleet import FINGERPRINT_TAG, SyncPlan, load_spec_files, plan_sync
from tests.engine.engine_support import TenantFiles, jockey_cli, manifests


def sync(*args: str, env: dict[str, str] | None = None) -> tuple[int, list[dict[str, Any]], str]:
    """Run `jockey sync ARGS --json`; returns the exit code, the JSON lines and stderr."""
    done = subprocess.run(
        [*jockey_cli(), "sync", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, lines, done.stderr


def by_stack(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The result lines by stack."""
    return {line["stack"]: line for line in lines if line["kind"] == "result"}


def plans(lines: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """Each result line's (plan, outcome), by stack."""
    return {line["stack"]: (line["plan"], line["outcome"]) for line in lines[:-1]}


def test_sync_creates_skips_updates_keeps_and_prunes(tenant_files: TenantFiles) -> None:
    folder = str(tenant_files.spec_dir)
    tenant_files.write("acme")
    beta = tenant_files.write("beta")

    code, lines, stderr = sync(folder, "--yes")
    assert code == 0, stderr
    assert plans(lines) == {"acme-dev": ("create", "done"), "beta-dev": ("create", "done")}
    assert all(line["operation"] == "up" and line["ok"] for line in lines[:-1])
    assert manifests(tenant_files.out / "acme") and manifests(tenant_files.out / "beta")

    started = time.monotonic()
    code, lines, stderr = sync(folder)  # nothing to deploy: no confirmation needed
    assert code == 0, stderr
    assert plans(lines) == {
        "acme-dev": ("unchanged", "skipped"),
        "beta-dev": ("unchanged", "skipped"),
    }
    assert all(line["operation"] is None for line in lines[:-1])
    assert time.monotonic() - started < 30

    tenant_files.write("acme", replicas=2)
    code, lines, stderr = sync(folder, "--yes")
    assert code == 0, stderr
    assert plans(lines) == {"acme-dev": ("update", "done"), "beta-dev": ("unchanged", "skipped")}
    assert by_stack(lines)["acme-dev"]["changes"]["update"] == 1

    rotated = {**os.environ, "ACME_TEST_OPENAI_KEY": "a-rotated-secret-value"}
    code, lines, stderr = sync(folder, "--preview", env=rotated)
    assert code == 0, stderr
    assert plans(lines) == {"acme-dev": ("update", "done"), "beta-dev": ("update", "done")}

    code, lines, stderr = sync(folder, "--all", "--preview")
    assert code == 0, stderr
    assert {plan for plan, _ in plans(lines).values()} == {"update"}

    beta.unlink()
    code, lines, stderr = sync(folder, "--yes")
    assert code == 0, stderr
    assert plans(lines)["beta-dev"] == ("orphan", "skipped")
    assert lines[-1]["orphan"] == 1 and lines[-1]["pruned"] == 0
    assert "beta-dev" in [stack.stack for stack in automation.list_stacks()]

    report = tenant_files.spec_dir / "report.md"
    change_set = tenant_files.spec_dir / "change-set.json"
    code, lines, stderr = sync(
        folder, "--preview", "--markdown", str(report), "--change-set", str(change_set)
    )
    assert code == 0, stderr
    orphan = by_stack(lines)["beta-dev"]
    assert orphan["operation"] == "preview" and orphan["changes"]["delete"] > 0
    assert {r["op"] for r in orphan["resources"]} == {"delete"}
    text = report.read_text()
    assert text.startswith("<!-- jockey-preview -->") and "previewed as destroys" in text
    assert "<b>beta-dev</b>" in text and "1 tenant(s) unchanged" in text
    payload = json.loads(change_set.read_text())
    assert payload["sync"]["summary"]["orphan"] == 1
    assert "beta-dev" in [stack.stack for stack in automation.list_stacks()]

    code, lines, stderr = sync(folder, "--prune", "--yes")
    assert code == 0, stderr
    pruned = by_stack(lines)["beta-dev"]
    assert pruned["operation"] == "destroy" and pruned["pruned"] and pruned["ok"]
    assert lines[-1]["pruned"] == 1
    assert [stack.stack for stack in automation.list_stacks()] == ["acme-dev"]
    assert not (tenant_files.home / "stacks" / "beta-dev").exists()
    assert manifests(tenant_files.out / "beta") == []

    code, lines, _ = sync(folder)
    assert code == 0 and plans(lines) == {"acme-dev": ("unchanged", "skipped")}


def test_a_destroyed_tenant_is_no_longer_unchanged(tenant_files: TenantFiles) -> None:
    spec_file = tenant_files.write("acme")
    (spec,) = [item.spec for item in load_spec_files([spec_file])]
    assert automation.up(spec).ok
    assert plan_sync([spec]).tenants[0].plan is SyncPlan.UNCHANGED
    assert automation.destroy(spec).ok
    assert plan_sync([spec]).tenants[0].plan is SyncPlan.UPDATE


def test_the_fingerprint_is_a_stack_tag_without_secrets(
    tenant_files: TenantFiles, toolchain: automation.Toolchain
) -> None:
    spec_file = tenant_files.write("acme")
    (spec,) = [item.spec for item in load_spec_files([spec_file])]
    assert automation.up(spec).ok
    tags = subprocess.run(
        [str(toolchain.pulumi), "stack", "tag", "ls", "--json", "--stack", "acme-dev"],
        cwd=tenant_files.home / "stacks" / "acme-dev",
        env=toolchain.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    value = json.loads(tags.stdout)[FINGERPRINT_TAG]
    assert value.startswith("v1:")
    assert os.environ["ACME_TEST_OPENAI_KEY"] not in value


def test_an_interrupted_sync_leaves_every_tenant_done_or_untouched(
    tenant_files: TenantFiles,
) -> None:
    for tenant in ("t1", "t2", "t3", "t4"):
        tenant_files.write(tenant)
    process = subprocess.Popen(
        [*jockey_cli(), "sync", str(tenant_files.spec_dir), "--yes", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The first tenant's worker is running once the engine has written its first manifest.
    deadline = time.monotonic() + 120
    while not any(manifests(tenant_files.out / t) for t in ("t1", "t2", "t3", "t4")):
        assert time.monotonic() < deadline, "no tenant started"
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 1, stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    summary = lines[-1]
    assert summary["interrupted"]
    assert len(summary["done"]) >= 1 and summary["untouched"]
    assert sorted(summary["done"] + summary["untouched"]) == [
        "t1-dev",
        "t2-dev",
        "t3-dev",
        "t4-dev",
    ]
    outcomes = {line["stack"]: line["outcome"] for line in lines[:-1]}
    assert {outcomes[stack] for stack in summary["done"]} == {"done"}
    assert {outcomes[stack] for stack in summary["untouched"]} == {"untouched"}
    assert "untouched:" in stderr
    existing = {stack.stack for stack in automation.list_stacks()}
    assert existing == set(summary["done"])
    for stack in summary["untouched"]:
        assert manifests(tenant_files.out / stack.removesuffix("-dev")) == []
    code, lines, _ = sync(str(tenant_files.spec_dir), "--yes")
    assert code == 0
    assert {plan for plan, _ in plans(lines).values()} == {"create", "unchanged"}


def test_sync_json_has_one_result_per_tenant_then_the_summary(tenant_files: TenantFiles) -> None:
    tenant_files.write("acme")
    code, lines, stderr = sync(str(tenant_files.spec_dir), "--preview")
    assert code == 0, stderr
    assert [line["kind"] for line in lines] == ["result", "summary"]
    assert set(lines[-1]) >= {"create", "update", "unchanged", "orphan", "pruned", "failed"}
    assert Path(lines[0]["file"]).name == "acme.yaml"


def test_sharded_previews_merge_into_the_report_of_the_whole_fleet(
    tenant_files: TenantFiles,
) -> None:
    folder = str(tenant_files.spec_dir)
    for tenant in ("a1", "b2", "c3", "d4"):
        tenant_files.write(tenant)
    code, _, stderr = sync(folder, "--yes", "--parallel", "2")
    assert code == 0, stderr
    tenant_files.write("a1", replicas=2)
    (tenant_files.spec_dir / "d4.yaml").unlink()

    shards = []
    for index in (1, 2):
        change_set = tenant_files.spec_dir / f"shard-{index}.json"
        code, _, stderr = sync(
            folder, "--preview", "--shard", f"{index}/2", "--change-set", str(change_set)
        )
        assert code == 0, stderr
        shards.append(str(change_set))
    whole = tenant_files.spec_dir / "whole.json"
    code, _, stderr = sync(folder, "--preview", "--change-set", str(whole))
    assert code == 0, stderr

    merged_md = tenant_files.spec_dir / "merged.md"
    merged_json = tenant_files.spec_dir / "merged.json"
    done = subprocess.run(
        [
            *jockey_cli(),
            "report",
            *shards,
            "--markdown",
            str(merged_md),
            "--change-set",
            str(merged_json),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    merged = json.loads(merged_json.read_text())
    expected = json.loads(whole.read_text())
    assert merged["tenants"] == expected["tenants"]
    assert [t["stack"] for t in merged["tenants"]] == ["a1-dev", "d4-dev"]
    assert merged["sync"]["summary"]["unchanged"] == 2
    text = merged_md.read_text()
    assert "<b>a1-dev</b>" in text and "<b>d4-dev</b>" in text
    assert "2 tenant(s) unchanged" in text and "previewed as destroys" in text
