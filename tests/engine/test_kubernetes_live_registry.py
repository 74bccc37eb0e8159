"""Private registry credentials on the live control plane.

A `kubernetes.io/dockerconfigjson` Secret the pods pull with, holding exactly the config read
from the environment, and the credentials nowhere in plaintext outside it (state, results,
events).
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

import automation
from automation import OperationEvent
from tests.engine.cluster_support import LiveCluster
from tests.engine.engine_support import IMAGE, TenantFiles, jockey_cli
from tests.engine.kubernetes_live import AGENT, live_tenant

PASSWORD = "registry-canary-5d2e9a71"
REGISTRY = IMAGE.split("/", 1)[0]
CONFIG = json.dumps(
    {"auths": {REGISTRY: {"auth": base64.b64encode(f"robot:{PASSWORD}".encode()).decode()}}}
)


def _files_containing(folder: Path, text: str) -> list[Path]:
    return [
        path for path in folder.rglob("*") if path.is_file() and text.encode() in path.read_bytes()
    ]


def test_pods_pull_with_a_dockerconfigjson_secret_kept_secret(
    tenant_files: TenantFiles, live_cluster: LiveCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_TEST_REGISTRY_AUTH", CONFIG)
    events: list[OperationEvent] = []
    with live_tenant(tenant_files, live_cluster, "registry") as tenant:
        tenant.agent = {
            "image": {"ref": IMAGE, "pullSecret": {"fromEnv": "ACME_TEST_REGISTRY_AUTH"}}
        }
        done = automation.up(tenant.spec(), on_event=events.append)
        assert done.ok, done.error

        secret = tenant.get("secret", f"{AGENT}-registry")
        assert secret["type"] == "kubernetes.io/dockerconfigjson"
        stored = base64.b64decode(secret["data"][".dockerconfigjson"]).decode()
        assert json.loads(stored) == json.loads(CONFIG)
        pod = tenant.get("deployment", AGENT)["spec"]["template"]["spec"]
        assert pod["imagePullSecrets"] == [{"name": f"{AGENT}-registry"}]

        assert PASSWORD not in repr(done)
        assert not [event for event in events if PASSWORD in repr(event)]
        assert _files_containing(tenant_files.home, PASSWORD) == [], "state holds ciphertext"
        encoded = base64.b64encode(f"robot:{PASSWORD}".encode()).decode()
        assert _files_containing(tenant_files.home, encoded) == []


def test_a_bad_registry_config_changes_nothing_and_is_not_shown(
    tenant_files: TenantFiles, live_cluster: LiveCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_TEST_REGISTRY_AUTH", json.dumps({"auths": {"ghcr.io": PASSWORD}}))
    with live_tenant(tenant_files, live_cluster, "registry") as tenant:
        tenant.agent = {
            "image": {"ref": IMAGE, "pullSecret": {"fromEnv": "ACME_TEST_REGISTRY_AUTH"}}
        }
        with pytest.raises(automation.InvalidSpecError) as caught:
            automation.up(tenant.spec())
        shown = str(caught.value)
        assert "agent.image.pullSecret.fromEnv" in shown and "not a mapping" in shown
        assert PASSWORD not in shown
        assert not tenant.namespace_exists(), "nothing was changed"


def test_the_pull_request_report_shows_the_new_fields_and_hides_the_credentials(
    tenant_files: TenantFiles,
    live_cluster: LiveCluster,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("ACME_TEST_REGISTRY_AUTH", CONFIG)
    with live_tenant(tenant_files, live_cluster, "report") as tenant:
        tenant.agent = {
            "image": {"ref": IMAGE, "pullSecret": {"fromEnv": "ACME_TEST_REGISTRY_AUTH"}}
        }
        assert automation.up(tenant.spec()).ok

        rotated = CONFIG.replace(
            base64.b64encode(f"robot:{PASSWORD}".encode()).decode(),
            base64.b64encode(f"robot:rotated-{PASSWORD}".encode()).decode(),
        )
        monkeypatch.setenv("ACME_TEST_REGISTRY_AUTH", rotated)
        tenant.spec(
            access=[{"kind": "User", "name": "alice@acme.example", "role": "edit"}],
            networkPolicy={"allowEgressCidrs": ["0.0.0.0/0", "10.20.0.0/16"]},
        )
        report, change_set = tmp_path / "report.md", tmp_path / "changes.json"
        spec_file = tenant_files.spec_dir / f"{tenant.tenant}.yaml"
        done = subprocess.run(
            [
                *jockey_cli(),
                "preview",
                str(spec_file),
                "--markdown",
                str(report),
                "--change-set",
                str(change_set),
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        markdown = report.read_text()

        assert "RoleBinding" in markdown and "-access-edit" in markdown
        assert '{"ipBlock": {"cidr": "10.20.0.0/16"}}' in markdown
        assert '`~ data[".dockerconfigjson"]`: `[secret]` → `[secret]`' in markdown, "hidden"
        for text in (markdown, change_set.read_text(), done.stdout, done.stderr):
            assert PASSWORD not in text
            assert "rotated-" not in text
