"""Engine tests: the real Pulumi CLI, a fresh `file://` backend per test, a secret canary.

Kubernetes is rendered to a folder (no cluster: KUBECONFIG is removed).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from automation._toolchain import Toolchain, find_toolchain
from tests.engine.cluster_support import LiveCluster, running_cluster
from tests.engine.engine_support import CANARY, PASSPHRASE, TenantFiles


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/engine/" in str(item.path):
            item.add_marker(pytest.mark.engine)


@pytest.fixture(scope="session")
def toolchain() -> Toolchain:
    """The engine toolchain (scripts/setup builds it; its absence fails, never skips)."""
    return find_toolchain()


@pytest.fixture
def tenant_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TenantFiles:
    """A private JOCKEY_HOME (file backend inside it), passphrase and canary secret."""
    home = tmp_path / "home"
    monkeypatch.setenv("JOCKEY_HOME", str(home))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    monkeypatch.delenv("JOCKEY_SECRETS_PROVIDER", raising=False)
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("ACME_TEST_OPENAI_KEY", CANARY)
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    # Rendered manifests stay inside the spec folder: spec paths are confined to their root.
    return TenantFiles(home=home, out=spec_dir / "out", spec_dir=spec_dir)


@pytest.fixture(scope="session")
def live_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCluster]:
    """A real local control plane (scripts/cluster: etcd, apiserver, KWOK fake nodes).

    One per session: built if needed (cached), started in a temporary folder, stopped at the
    end.
    """
    with running_cluster(tmp_path_factory.mktemp("cluster")) as cluster:
        yield cluster
