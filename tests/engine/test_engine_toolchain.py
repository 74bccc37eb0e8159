"""The engine toolchain itself: the plain CLI on the dev stack, and an inline program."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pulumi
import pulumi.automation as auto
import pulumi_kubernetes as k8s

from automation._toolchain import KUBERNETES_PLUGIN_VERSION, PULUMI_VERSION, Toolchain

REPO = Path(__file__).resolve().parents[2]


def test_cli_is_version_stamped(toolchain: Toolchain) -> None:
    done = subprocess.run(
        [str(toolchain.pulumi), "version"], capture_output=True, text=True, env=toolchain.env()
    )
    assert done.stdout.strip() == f"v{PULUMI_VERSION}"


def test_plain_cli_previews_the_dev_stack(toolchain: Toolchain, tmp_path: Path) -> None:
    """`pulumi preview --stack dev` on this project, as a platform engineer runs it."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml"):
        shutil.copy(REPO / name, project / name)
    (project / "infra").symlink_to(REPO / "infra")
    (project / ".venv").symlink_to(Path(sys.prefix))
    env = toolchain.env()
    env.pop("KUBECONFIG", None)
    env.update(
        PULUMI_BACKEND_URL=f"file://{tmp_path / 'state'}",
        PULUMI_CONFIG_PASSPHRASE="jockey-dev-sample-passphrase",
    )
    (tmp_path / "state").mkdir()
    init = subprocess.run(
        [str(toolchain.pulumi), "stack", "init", "dev", "--non-interactive"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert init.returncode == 0, init.stderr
    done = subprocess.run(
        [str(toolchain.pulumi), "preview", "--stack", "dev", "--non-interactive", "--json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout)
    steps = {step["urn"].rsplit("::", 1)[-1]: step for step in report["steps"]}
    assert all(step["op"] == "create" for step in steps.values())
    types = {step["newState"]["type"] for step in report["steps"] if "newState" in step}
    assert "kubernetes:apps/v1:Deployment" in types
    assert "kubernetes:core/v1:Namespace" in types
    assert "sk-dev-sample-not-a-real-key" not in done.stdout + done.stderr
    assert not (project / "out").exists(), "a preview renders nothing"


def test_inline_automation_preview_with_the_kubernetes_provider(
    toolchain: Toolchain, tmp_path: Path
) -> None:
    """The Automation API's inline program path, with the provider in render mode."""
    out = tmp_path / "rendered"

    def program() -> None:
        provider = k8s.Provider("render", render_yaml_to_directory=str(out))
        k8s.core.v1.Namespace(
            "smoke",
            metadata={"name": "smoke"},
            opts=pulumi.ResourceOptions(provider=provider),
        )

    (tmp_path / "work").mkdir()
    stack = auto.create_stack(
        "smoke",
        project_name="jockey-smoke",
        program=program,
        opts=auto.LocalWorkspaceOptions(
            work_dir=str(tmp_path / "work"),
            pulumi_command=auto.PulumiCommand(root=str(toolchain.root), skip_version_check=True),
            project_settings=auto.ProjectSettings(
                name="jockey-smoke",
                runtime="python",
                backend=auto.ProjectBackend(url=f"file://{tmp_path}"),
            ),
            env_vars={
                **{k: v for k, v in toolchain.env({}).items() if k != "PATH"},
                "PULUMI_CONFIG_PASSPHRASE": "smoke",
            },
        ),
    )
    result = stack.preview()
    assert result.change_summary == {"create": 3}  # stack, provider, namespace
    plugins = subprocess.run(
        [str(toolchain.pulumi), "plugin", "ls", "--json"],
        capture_output=True,
        text=True,
        env=toolchain.env(),
    )
    versions = {p["name"]: p["version"] for p in json.loads(plugins.stdout)}
    assert versions["kubernetes"] == KUBERNETES_PLUGIN_VERSION
    assert os.environ.get("KUBECONFIG") is None


def test_doctor_reports_the_toolchain(toolchain: Toolchain) -> None:
    from tests.engine.engine_support import jockey_cli

    env = {**os.environ, "PULUMI_CONFIG_PASSPHRASE": "x"}
    done = subprocess.run(
        [*jockey_cli(), "doctor", "--json"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["cli"]["version"] == PULUMI_VERSION
    assert report["cli"]["languageHost"]
    assert {"name": "kubernetes", "kind": "resource", "version": KUBERNETES_PLUGIN_VERSION} in (
        report["plugins"]
    )
    assert report["passphraseSource"] == "PULUMI_CONFIG_PASSPHRASE"

    missing = {k: v for k, v in env.items() if not k.startswith("PULUMI_CONFIG_PASSPHRASE")}
    failed = subprocess.run([*jockey_cli(), "doctor"], capture_output=True, text=True, env=missing)
    assert failed.returncode == 1
    assert "fix: set PULUMI_CONFIG_PASSPHRASE" in failed.stdout
