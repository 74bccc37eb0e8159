"""Shared pieces of the engine tests: the tenant spec writer, the canary, the CLI."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

CANARY = "canary-7f3d1c9e-not-a-real-key"
"""A secret value that must never appear in plaintext outside rendered Secret manifests."""
PASSPHRASE = "engine-test-passphrase"
IMAGE = "ghcr.io/jockey-dev/echo-agent@sha256:" + "ab" * 32


@dataclass
class TenantFiles:
    """A tenant spec on disk and where its manifests render."""

    home: Path
    out: Path
    spec_dir: Path

    def write(self, tenant: str = "acme", **kubernetes: object) -> Path:
        """Write a dev spec for `tenant`; keyword args override `kubernetes` fields."""
        spec = {
            "tenant": {"id": tenant, "organization": "acme-corp", "environment": "dev"},
            "agent": {
                "name": "support-bot",
                "version": "1.4.2",
                "env": {"LOG_LEVEL": "info"},
                "secretEnv": {"OPENAI_API_KEY": {"fromEnv": "ACME_TEST_OPENAI_KEY"}},
                "image": {"ref": IMAGE},
            },
            "kubernetes": {
                "enabled": True,
                "cluster": {"renderDir": str(self.out / tenant)},
                "replicas": 1,
                "resources": {
                    "cpuRequest": "100m",
                    "cpuLimit": "200m",
                    "memoryRequest": "64Mi",
                    "memoryLimit": "128Mi",
                },
                "quota": {"cpu": "2", "memory": "2Gi", "pods": 10},
                **kubernetes,
            },
        }
        path = self.spec_dir / f"{tenant}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
        return path


def manifests(folder: Path) -> list[Path]:
    """Rendered manifest files under a render folder."""
    return sorted(folder.rglob("*.yaml")) if folder.exists() else []


def jockey_cli() -> list[str]:
    """The installed console script, as a user runs it."""
    return [str(Path(sys.executable).parent / "jockey")]
