"""The desired set: spec files found under folders, and two specs for one tenant refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from automation._exit_codes import ExitCode
from automation.cli import app
from automation.fleet import DuplicateTenantError, find_spec_files, load_spec_files
from tests.engine.engine_support import TenantFiles


@pytest.fixture
def files(tmp_path: Path) -> TenantFiles:
    spec_dir = tmp_path / "tenants"
    spec_dir.mkdir()
    return TenantFiles(home=tmp_path / "home", out=spec_dir / "out", spec_dir=spec_dir)


def test_a_folder_yields_every_spec_below_it(files: TenantFiles) -> None:
    acme = files.write("acme")
    nested = files.spec_dir / "team-b"
    nested.mkdir()
    beta = files.write("beta").rename(nested / "beta.yml")
    assert find_spec_files([files.spec_dir]) == [acme, beta]


def test_other_yaml_beside_the_specs_is_left_alone(files: TenantFiles) -> None:
    acme = files.write("acme")
    (files.spec_dir / "Pulumi.dev.yaml").write_text("config:\n  jockey:tenant: {}\n")
    (files.spec_dir / "values.yaml").write_text("replicas: 2\n")
    hidden = files.spec_dir / ".github"
    hidden.mkdir()
    (hidden / "tenant.yaml").write_text("tenant:\n  id: nope\n")
    rendered = files.out / "acme"
    rendered.mkdir(parents=True)
    (rendered / ".jockey-render.json").write_text("{}")
    (rendered / "tenant.yaml").write_text("tenant: rendered\n")
    assert find_spec_files([files.spec_dir]) == [acme]


def test_a_file_named_twice_counts_once(files: TenantFiles) -> None:
    acme = files.write("acme")
    assert find_spec_files([acme, files.spec_dir, acme]) == [acme]


def test_two_specs_for_one_tenant_are_refused_naming_both_files(files: TenantFiles) -> None:
    first = files.write("acme")
    second = files.spec_dir / "acme-copy.yaml"
    second.write_text(first.read_text())
    with pytest.raises(DuplicateTenantError) as caught:
        load_spec_files([files.spec_dir])
    error = caught.value
    assert error.stack == "acme-dev"
    assert error.tenant == "acme"
    assert error.exit_code == ExitCode.INVALID_SPEC
    assert str(first) in str(error) and str(second) in str(error)
    assert "nothing ran" in str(error)


def test_an_invalid_spec_lists_its_problems_with_its_file(files: TenantFiles) -> None:
    bad = files.write("acme", replicas=0)
    with pytest.raises(Exception) as caught:
        load_spec_files([files.spec_dir])
    assert f"{bad}: kubernetes.replicas" in str(caught.value)


def test_sync_refuses_duplicates_before_touching_the_backend(
    files: TenantFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = files.write("acme")
    (files.spec_dir / "again.yaml").write_text(first.read_text())

    def no_backend(*_: object, **__: object) -> None:
        raise AssertionError("the backend was read")

    monkeypatch.setattr("automation.fleet._sync.plan_sync", no_backend)
    result = CliRunner().invoke(app, ["sync", str(files.spec_dir), "--yes"])
    assert result.exit_code == ExitCode.INVALID_SPEC, result.output
    assert "acme-dev" in result.output
    assert "again.yaml" in result.output and "acme.yaml" in result.output


def test_drift_refuses_duplicates_too(files: TenantFiles) -> None:
    first = files.write("acme")
    (files.spec_dir / "again.yaml").write_text(first.read_text())
    result = CliRunner().invoke(app, ["drift", str(files.spec_dir)])
    assert result.exit_code == ExitCode.INVALID_SPEC
