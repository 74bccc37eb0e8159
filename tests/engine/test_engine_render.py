"""`jockey render` never deletes or overwrites what it did not write."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.engine.engine_support import TenantFiles, jockey_cli, manifests


def _render(spec: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*jockey_cli(), "render", str(spec), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_render_refuses_a_folder_holding_user_files(tenant_files: TenantFiles) -> None:
    user_dir = tenant_files.spec_dir / "work"
    (user_dir / "sub").mkdir(parents=True)
    (user_dir / "important.txt").write_text("keep me")
    (user_dir / "sub" / "notes.md").write_text("mine")
    done = _render(tenant_files.write("acme"), user_dir)
    assert done.returncode == 2, done.stderr
    assert "important.txt" in done.stderr and "--out" in done.stderr
    assert (user_dir / "important.txt").read_text() == "keep me"
    assert (user_dir / "sub" / "notes.md").read_text() == "mine"
    assert sorted(p.name for p in user_dir.iterdir()) == ["important.txt", "sub"]


def test_render_replaces_its_own_previous_render(tenant_files: TenantFiles) -> None:
    spec = tenant_files.write("acme")
    out = tenant_files.spec_dir / "rendered"
    assert _render(spec, out).returncode == 0
    first = {path.name for path in manifests(out)}
    spec = tenant_files.write("acme", replicas=2)
    again = _render(spec, out)
    assert again.returncode == 0, again.stderr
    assert {path.name for path in manifests(out)} == first
    assert "replicas: 2" in "".join(p.read_text() for p in manifests(out))
    leftovers = [p.name for p in out.parent.iterdir() if "jockey-" in p.name]
    assert leftovers == [], "the fresh render was swapped in and the old one removed"


def test_render_refuses_a_previous_render_someone_edited(tenant_files: TenantFiles) -> None:
    spec = tenant_files.write("acme")
    out = tenant_files.spec_dir / "rendered"
    assert _render(spec, out).returncode == 0
    edited = manifests(out)[0]
    edited.write_text(edited.read_text() + "\n# a local edit\n")
    done = _render(spec, out)
    assert done.returncode == 2
    assert "# a local edit" in edited.read_text()


def test_a_failed_render_leaves_the_previous_one_intact(tenant_files: TenantFiles) -> None:
    spec = tenant_files.write("acme")
    out = tenant_files.spec_dir / "rendered"
    assert _render(spec, out).returncode == 0
    before = {path: path.read_text() for path in manifests(out)}
    # A secret whose source is missing fails the render before anything is written.
    broken = tenant_files.spec_dir / "broken.yaml"
    broken.write_text(spec.read_text().replace("ACME_TEST_OPENAI_KEY", "ACME_TEST_UNSET_KEY"))
    done = _render(broken, out)
    assert done.returncode != 0
    assert {path: path.read_text() for path in manifests(out)} == before
