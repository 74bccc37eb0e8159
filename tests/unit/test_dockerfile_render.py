"""The unified Dockerfile: pinned bases, the Lambda Web Adapter, non-root, hadolint-clean."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.components.image import (
    LAMBDA_ADAPTER_IMAGE,
    PYTHON_BASE_IMAGES,
    RUN_AS_ID,
    base_image,
    render_dockerfile,
    render_dockerignore,
)
from infra.spec import AgentSpec, BuildSpec
from tests.unit.mocks import kubernetes as kubernetes_mocks

REPO = Path(__file__).resolve().parents[2]
HADOLINT = Path(sys.executable).parent / "hadolint"


def make_agent(**fields: Any) -> AgentSpec:
    agent: dict[str, Any] = {
        "name": "support-bot",
        "version": "1.4.2",
        "image": {"build": {"context": "echo-agent"}},
    }
    return AgentSpec.model_validate({**agent, **fields})


def make_build(**fields: Any) -> BuildSpec:
    return BuildSpec.model_validate({"context": "echo-agent", **fields})


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    pairs = []
    for line in joined.splitlines():
        if line.strip() and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword, rest))
    return pairs


def env_of(dockerfile: str) -> dict[str, str]:
    env = {}
    for keyword, rest in instructions(dockerfile):
        if keyword == "ENV":
            for pair in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', rest):
                env[pair[0]] = pair[1].strip('"')
    return env


SPECS = {
    "defaults": (make_agent(), make_build()),
    "python-3.10-amd64": (
        make_agent(port=9000, healthPath="/healthz"),
        make_build(pythonVersion="3.10", platform="linux/amd64"),
    ),
    "python-3.13-custom-command": (
        make_agent(version="2.0.0-rc.1+build.7"),
        make_build(pythonVersion="3.13", command=["uvicorn", "app.main:api", "--host", "0.0.0.0"]),
    ),
    "requirements-in-a-subfolder-with-a-space": (
        make_agent(healthPath="/status/live"),
        make_build(requirements="deps/prod requirements.txt"),
    ),
    "python-3.11-quoted-health-path": (
        make_agent(healthPath='/a$b"c'),
        make_build(pythonVersion="3.11"),
    ),
}


@pytest.mark.parametrize("case", sorted(SPECS))
def test_rendered_dockerfiles_pass_hadolint_without_any_finding(case: str, tmp_path: Path) -> None:
    agent, build = SPECS[case]
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(render_dockerfile(agent, build))
    result = subprocess.run(
        [str(HADOLINT), "--no-color", "--failure-threshold", "style", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_base_images_are_pinned_to_a_patch_release_of_each_minor() -> None:
    assert set(PYTHON_BASE_IMAGES) == {"3.10", "3.11", "3.12", "3.13"}
    for minor, image in PYTHON_BASE_IMAGES.items():
        match = re.fullmatch(r"python:(\d+\.\d+)\.(\d+)-slim-bookworm", image)
        assert match, image
        assert match.group(1) == minor
    dockerfile = render_dockerfile(make_agent(), make_build(pythonVersion="3.11"))
    froms = [rest for keyword, rest in instructions(dockerfile) if keyword == "FROM"]
    assert froms[-1] == PYTHON_BASE_IMAGES["3.11"], "the final stage is the pinned base"
    assert "latest" not in dockerfile


def test_unknown_python_version_names_the_supported_ones() -> None:
    with pytest.raises(ValueError, match=r"3\.10, 3\.11, 3\.12, 3\.13"):
        base_image("3.9")


def test_lambda_web_adapter_is_a_pinned_extension() -> None:
    dockerfile = render_dockerfile(make_agent(), make_build())
    assert re.fullmatch(
        r"public\.ecr\.aws/awsguru/aws-lambda-adapter:\d+\.\d+\.\d+", LAMBDA_ADAPTER_IMAGE
    )
    steps = instructions(dockerfile)
    assert ("FROM", f"{LAMBDA_ADAPTER_IMAGE} AS lambda-adapter") in steps
    assert ("COPY", "--from=lambda-adapter /lambda-adapter /opt/extensions/lambda-adapter") in (
        steps
    )


def test_adapter_and_agent_settings_follow_the_spec() -> None:
    agent = make_agent(port=9000, healthPath="/healthz")
    env = env_of(render_dockerfile(agent, make_build()))
    assert env["AWS_LWA_PORT"] == "9000"
    assert env["PORT"] == "9000"
    assert env["AWS_LWA_READINESS_CHECK_PATH"] == "/healthz"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["AGENT_NAME"] == "support-bot"
    assert env["AGENT_VERSION"] == "1.4.2"
    assert ("EXPOSE", "9000") in instructions(render_dockerfile(agent, make_build()))


def test_dollar_signs_in_values_are_not_expanded_by_docker() -> None:
    dockerfile = render_dockerfile(make_agent(healthPath="/a$HOME"), make_build())
    assert 'AWS_LWA_READINESS_CHECK_PATH="/a\\$HOME"' in dockerfile


def test_agent_runs_as_the_same_non_root_uid_as_the_kubernetes_pods() -> None:
    pod = kubernetes_mocks.render(kubernetes_mocks.make_spec()).pod_spec["securityContext"]
    assert RUN_AS_ID == pod["runAsUser"] == pod["runAsGroup"] == 10001
    steps = instructions(render_dockerfile(make_agent(), make_build()))
    users = [rest for keyword, rest in steps if keyword == "USER"]
    assert users == ["10001:10001"]
    assert steps[-1][0] == "CMD", "nothing runs as root after USER"
    after_user = steps[[keyword for keyword, _ in steps].index("USER") :]
    assert not [keyword for keyword, _ in after_user if keyword in {"RUN", "COPY", "ADD"}]


def test_dependencies_install_before_the_code_is_copied() -> None:
    steps = instructions(render_dockerfile(make_agent(), make_build()))
    copies = [rest for keyword, rest in steps if keyword == "COPY"]
    runs = [rest for keyword, rest in steps if keyword == "RUN"]
    assert copies[1] == "requirements.txt /app/requirements.txt", "root-owned: read-only"
    assert runs == ["pip install --no-cache-dir -r /app/requirements.txt"]
    assert copies[2] == "--chown=10001:10001 . /app/"
    order = [keyword for keyword, _ in steps]
    assert order.index("RUN") < len(order) - 1 - order[::-1].index("COPY")
    assert ("WORKDIR", "/app") in steps


def test_cmd_is_the_json_form_of_the_build_command() -> None:
    command = ["uvicorn", "app.main:api", "--port", "8080"]
    steps = instructions(render_dockerfile(make_agent(), make_build(command=command)))
    assert steps[-1][0] == "CMD"
    assert json.loads(steps[-1][1]) == command


def test_rendering_is_deterministic() -> None:
    agent, build = SPECS["python-3.13-custom-command"]
    assert render_dockerfile(agent, build) == render_dockerfile(agent, build)


def test_the_renderer_loads_without_the_pulumi_sdk() -> None:
    code = (
        "import sys; from infra.components.image._dockerfile import render_dockerfile; "
        "import infra.components.image; "
        "print(sorted(m for m in sys.modules if m.split('.')[0].startswith('pulumi')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_dockerignore_template_keeps_caches_and_local_secrets_out() -> None:
    patterns = render_dockerignore(("data/",)).splitlines()
    for pattern in (".git", ".venv", "**/__pycache__", ".env", ".env.*"):
        assert pattern in patterns
    assert patterns[-1] == "data/"
    assert (REPO / "examples" / "echo-agent" / ".dockerignore").read_text() == (
        render_dockerignore()
    )
