"""The pull-request report from a real preview of an edited tenant."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import automation
from infra.spec import load_spec_file
from tests.engine.engine_support import CANARY, TenantFiles, jockey_cli


def test_preview_of_an_edited_tenant_renders_the_report(
    tenant_files: TenantFiles, tmp_path: Path, monkeypatch: object
) -> None:
    spec_path = tenant_files.write("acme")
    assert automation.up(load_spec_file(spec_path)).ok
    edited = tenant_files.write("acme", replicas=2)
    text = edited.read_text().replace("LOG_LEVEL: info", "LOG_LEVEL: debug")
    edited.write_text(text)
    other = tenant_files.write("globex")  # a new tenant in the same pull request

    report, change_set = tmp_path / "report.md", tmp_path / "changes.json"
    rotated = "rotated-" + CANARY
    done = subprocess.run(
        [
            *jockey_cli(),
            "preview",
            str(other),
            str(edited),
            "--markdown",
            str(report),
            "--change-set",
            str(change_set),
        ],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "ACME_TEST_OPENAI_KEY": rotated},
    )
    assert done.returncode == 0, done.stderr
    markdown = report.read_text()

    lines = markdown.splitlines()
    assert lines[0] == "<!-- jockey-preview -->"
    table = [line for line in lines if line.startswith("| ")]
    acme_row = next(line for line in table if "acme-dev" in line)
    globex_row = next(line for line in table if "globex-dev" in line)
    assert markdown.index("acme-dev") < markdown.index("globex-dev"), "ordered by stack"
    assert "| 0 |" in acme_row  # no creates for acme
    assert globex_row.split("|")[3].strip() not in ("", "0"), "globex creates resources"
    assert "<details>" in markdown
    assert "spec.replicas" in markdown and "1" in markdown and "2" in markdown
    assert "LOG_LEVEL" in markdown and '"debug"' in markdown
    assert "[secret]" in markdown, "the rotated secret shows as changed, not its value"
    assert CANARY not in markdown and rotated not in markdown

    payload = json.loads(change_set.read_text())
    assert payload["kind"] == "jockey.dev/ChangeSet"
    tenants = {tenant["stack"]: tenant for tenant in payload["tenants"]}
    acme = tenants["acme-dev"]
    # In-place updates: the ConfigMap and Secret are mutable and the checksum rolls the pods.
    assert acme["changes"]["update"] == 3
    assert acme["changes"]["create"] == acme["changes"]["replace"] == 0
    changed = {resource["type"] for resource in acme["resources"]}
    assert "kubernetes:apps/v1:Deployment" in changed
    assert "kubernetes:core/v1:ConfigMap" in changed
    assert rotated not in change_set.read_text()
