"""One operation over many tenants: worker processes, streaming results, isolated failures."""

from __future__ import annotations

import json
import subprocess

import yaml

import automation
from automation import Operation
from infra.spec import load_spec_file
from tests.engine.engine_support import TenantFiles, jockey_cli, manifests


def test_fan_out_streams_results_and_isolates_a_failure(tenant_files: TenantFiles) -> None:
    good = [tenant_files.write(name) for name in ("alpha", "bravo", "charlie")]
    broken = tenant_files.write("delta")
    spec = yaml.safe_load(broken.read_text())
    spec["agent"]["secretEnv"] = {"OPENAI_API_KEY": {"fromEnv": "ACME_TEST_UNSET_VARIABLE"}}
    broken.write_text(yaml.safe_dump(spec))

    done = subprocess.run(
        [*jockey_cli(), "up", *map(str, [*good, broken]), "--yes", "--json", "--parallel", "2"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, "the exit code reflects the failure"
    lines = [json.loads(line) for line in done.stdout.strip().splitlines()]
    by_stack = {line["stack"]: line for line in lines}
    assert set(by_stack) == {"alpha-dev", "bravo-dev", "charlie-dev", "delta-dev"}
    assert all(by_stack[f"{name}-dev"]["ok"] for name in ("alpha", "bravo", "charlie"))
    failed = by_stack["delta-dev"]
    assert not failed["ok"]
    assert "agent.secretEnv.OPENAI_API_KEY" in failed["error"]
    assert "ACME_TEST_UNSET_VARIABLE" in failed["error"]
    for name in ("alpha", "bravo", "charlie"):
        assert manifests(tenant_files.out / name)
    assert manifests(tenant_files.out / "delta") == [], "nothing half-created"


def test_library_fan_out_streams_events_from_its_workers(tenant_files: TenantFiles) -> None:
    specs = [load_spec_file(tenant_files.write(name)) for name in ("echo", "foxtrot")]
    stacks_seen: set[str] = set()

    def on_event(event: automation.OperationEvent) -> None:
        stacks_seen.add(event.stack)

    results = list(automation.run_many(Operation.UP, specs, parallel=2, on_event=on_event))
    assert sorted(result.stack for result in results) == ["echo-dev", "foxtrot-dev"]
    assert all(result.ok for result in results)
    assert stacks_seen == {"echo-dev", "foxtrot-dev"}
