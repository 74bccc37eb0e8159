"""Shared pieces of the Kubernetes engine tests against the local control plane.

A tenant of its own per test (a unique id, so a unique namespace and stack), its spec next to
a copy of the cluster's kubeconfig, kubectl on its namespace, and a teardown that leaves
nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import yaml

import automation
from infra.spec import DeploymentSpec, load_spec_file
from tests.engine.cluster_support import LiveCluster
from tests.engine.engine_support import IMAGE, TenantFiles

AGENT = "support-bot"
FIELD_MANAGER_PREFIX = "pulumi-kubernetes"
"""The provider's Server-Side Apply field manager names start with this."""


def unique_tenant(prefix: str) -> str:
    """A tenant id no other test (or earlier run on the same cluster) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


@dataclass
class LiveTenant:
    """One tenant of one test on the live cluster.

    Attributes:
        files: the test's JOCKEY_HOME and spec folder.
        cluster: the control plane.
        tenant: the tenant id (the namespace is `<tenant>-dev`).
        agent: extra `agent` fields for every spec written.
    """

    files: TenantFiles
    cluster: LiveCluster
    tenant: str
    agent: dict[str, Any] = field(default_factory=dict)

    @property
    def namespace(self) -> str:
        """The tenant's namespace."""
        return f"{self.tenant}-dev"

    def spec(self, environment: str = "dev", **kubernetes: Any) -> DeploymentSpec:
        """Write and load the tenant's spec; keyword args override `kubernetes` fields."""
        folder = self.files.spec_dir
        shutil.copy(self.cluster.kubeconfig, folder / "kubeconfig")
        data: dict[str, Any] = {
            "tenant": {"id": self.tenant, "organization": "acme-corp", "environment": environment},
            "agent": {
                "name": AGENT,
                "version": "1.4.2",
                "env": {"LOG_LEVEL": "info"},
                "secretEnv": {"OPENAI_API_KEY": {"fromEnv": "ACME_TEST_OPENAI_KEY"}},
                "image": {"ref": IMAGE},
                **self.agent,
            },
            "kubernetes": {
                "enabled": True,
                "cluster": {"kubeconfig": "kubeconfig"},
                "replicas": 1,
                "resources": {
                    "cpuRequest": "100m",
                    "cpuLimit": "200m",
                    "memoryRequest": "64Mi",
                    "memoryLimit": "128Mi",
                },
                "quota": {"cpu": "2", "memory": "2Gi", "pods": 10},
                "rolloutTimeoutSeconds": 120,
                **kubernetes,
            },
        }
        path = folder / f"{self.tenant}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return load_spec_file(path)

    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run kubectl in the tenant's namespace."""
        return self.cluster.run_kubectl("-n", self.namespace, *args, check=check)

    def get(self, kind: str, name: str | None = None) -> dict[str, Any]:
        """One object (or the list of a kind) in the tenant's namespace, as JSON."""
        found: dict[str, Any] = json.loads(
            self.kubectl(
                "get", kind, *([name] if name else []), "-o", "json", "--show-managed-fields"
            ).stdout
        )
        return found

    def can_i(self, *args: str) -> bool:
        """`kubectl auth can-i ARGS` (ARGS name the user, the verb, the namespace)."""
        done = self.cluster.run_kubectl("auth", "can-i", *args, check=False)
        return done.stdout.strip() == "yes"

    def namespace_exists(self) -> bool:
        """Whether the tenant's namespace exists (and is not being deleted)."""
        done = self.cluster.run_kubectl(
            "get", "namespace", self.namespace, "-o", "json", check=False
        )
        if done.returncode != 0:
            return False
        phase: object = json.loads(done.stdout).get("status", {}).get("phase")
        return phase == "Active"


@contextmanager
def live_tenant(files: TenantFiles, cluster: LiveCluster, prefix: str) -> Iterator[LiveTenant]:
    """A tenant for one test; afterwards its stack is destroyed and its namespace deleted."""
    tenant = LiveTenant(files, cluster, unique_tenant(prefix))
    try:
        yield tenant
    finally:
        if any(summary.stack == f"{tenant.tenant}-dev" for summary in automation.list_stacks()):
            automation.destroy(tenant=tenant.tenant, environment="dev")
        cluster.run_kubectl(
            "delete", "namespace", tenant.namespace, "--ignore-not-found", "--wait=false"
        )


def field_owners(live: dict[str, Any], field_name: str) -> set[str]:
    """The field managers whose managed fields include `f:<field_name>` under `f:spec`."""
    owners = set()
    for entry in live["metadata"].get("managedFields", []):
        spec = entry.get("fieldsV1", {}).get("f:spec", {})
        if f"f:{field_name}" in spec:
            owners.add(entry["manager"])
    return owners
