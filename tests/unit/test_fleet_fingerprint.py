"""Fingerprints: equal inputs match, and any input that changes the deployment does not.

The recorded value holds no secret.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from automation.fleet._fingerprint import (
    FORMAT,
    Versions,
    engine_version,
    fingerprint,
    fingerprint_material,
    matches,
    program_version,
)
from infra.spec import DeploymentSpec, load_spec_file
from tests.engine.engine_support import TenantFiles

VERSIONS = Versions(program="1.0.0+abc", engine="cli=3.274.1")
SECRET = "sk-live-0123456789abcdef"
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {}}]
contexts: [{name: ctx, context: {cluster: c, user: u}}]
current-context: ctx
"""


@pytest.fixture
def files(tmp_path: Path) -> TenantFiles:
    spec_dir = tmp_path / "tenants"
    spec_dir.mkdir()
    return TenantFiles(home=tmp_path / "home", out=spec_dir / "out", spec_dir=spec_dir)


def _spec(files: TenantFiles, **kubernetes: object) -> DeploymentSpec:
    return load_spec_file(files.write("acme", **kubernetes))


def _material(
    spec: DeploymentSpec,
    secret: str = SECRET,
    versions: Versions = VERSIONS,
    environ: dict[str, str] | None = None,
) -> bytes:
    return fingerprint_material(spec, {"OPENAI_API_KEY": secret}, versions, environ or {})


def test_the_same_inputs_match_a_recorded_fingerprint(files: TenantFiles) -> None:
    spec = _spec(files)
    recorded = fingerprint(_material(spec))
    assert matches(recorded, _material(_spec(files)))


def test_each_recording_uses_a_new_salt(files: TenantFiles) -> None:
    material = _material(_spec(files))
    first, second = fingerprint(material), fingerprint(material)
    assert first != second
    assert matches(first, material) and matches(second, material)


@pytest.mark.parametrize(
    "change",
    [
        {"secret": "sk-live-rotated"},
        {"versions": Versions(program="1.0.1+abc", engine="cli=3.274.1")},
        {"versions": Versions(program="1.0.0+abc", engine="cli=3.275.0")},
    ],
    ids=["secret", "program", "engine"],
)
def test_a_changed_secret_program_or_engine_does_not_match(
    files: TenantFiles, change: dict[str, object]
) -> None:
    spec = _spec(files)
    recorded = fingerprint(_material(spec))
    assert not matches(recorded, _material(spec, **change))  # type: ignore[arg-type]


def test_a_changed_spec_does_not_match(files: TenantFiles) -> None:
    recorded = fingerprint(_material(_spec(files)))
    assert not matches(recorded, _material(_spec(files, replicas=2)))


def test_the_recorded_value_holds_no_secret_and_is_short(files: TenantFiles) -> None:
    recorded = fingerprint(_material(_spec(files)))
    assert SECRET not in recorded
    assert recorded.startswith(f"{FORMAT}:")
    assert len(recorded) <= 256  # Pulumi Cloud's limit for a tag value


@pytest.mark.parametrize(
    "recorded", [None, "", "v0:00:11", "v1:nothex:00", "v1:abcd:00", "garbage"]
)
def test_a_missing_or_foreign_fingerprint_never_matches(
    files: TenantFiles, recorded: str | None
) -> None:
    assert not matches(recorded, _material(_spec(files)))


def test_a_cluster_tenant_covers_its_kubeconfig_content(files: TenantFiles) -> None:
    kubeconfig = files.spec_dir / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    spec = _spec(files, cluster={"kubeconfig": str(kubeconfig)})
    recorded = fingerprint(_material(spec))
    kubeconfig.write_text(KUBECONFIG.replace("6443", "7443"))
    assert not matches(recorded, _material(spec))


def test_a_cluster_tenant_without_a_kubeconfig_covers_the_operators(
    files: TenantFiles, tmp_path: Path
) -> None:
    ambient = tmp_path / "ambient-kubeconfig"
    ambient.write_text("one")
    spec = _spec(files, cluster={"context": "prod-cluster"})
    environ = {"KUBECONFIG": str(ambient)}
    recorded = fingerprint(_material(spec, environ=environ))
    assert matches(recorded, _material(spec, environ=environ))
    ambient.write_text("two")
    assert not matches(recorded, _material(spec, environ=environ))


def test_a_render_mode_tenant_ignores_the_operators_kubeconfig(
    files: TenantFiles, tmp_path: Path
) -> None:
    spec = _spec(files)
    ambient = tmp_path / "ambient-kubeconfig"
    ambient.write_text("one")
    recorded = fingerprint(_material(spec, environ={"KUBECONFIG": str(ambient)}))
    assert matches(recorded, _material(spec, environ={}))


def test_program_and_engine_versions_name_what_they_cover() -> None:
    assert "+" in program_version()
    version = engine_version("3.274.1")
    assert version.startswith("cli=3.274.1,") and "pulumi-kubernetes=" in version
