"""The unified Dockerfile: one image that runs on AWS Lambda and on Kubernetes alike.

On Lambda the AWS Lambda Web Adapter (an extension in `/opt/extensions`) turns invocations
into HTTP requests to the agent's port; on Kubernetes the extension is never started and
the agent serves HTTP directly. Pure text rendering, no Pulumi: `jockey dockerfile` imports
this module without loading the SDK.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from types import MappingProxyType

from infra.components._runtime import RUN_AS_ID, agent_environment
from infra.spec import AgentSpec, BuildSpec

PYTHON_BASE_IMAGES: Mapping[str, str] = MappingProxyType(
    {
        "3.10": "python:3.10.18-slim-bookworm",
        "3.11": "python:3.11.13-slim-bookworm",
        "3.12": "python:3.12.11-slim-bookworm",
        "3.13": "python:3.13.5-slim-bookworm",
    }
)
"""Base image of each supported `pythonVersion`, pinned to a patch release and Debian suite."""

LAMBDA_ADAPTER_IMAGE = "public.ecr.aws/awsguru/aws-lambda-adapter:0.9.1"
"""The AWS Lambda Web Adapter release copied into every image."""

LAMBDA_ADAPTER_PATH = "/opt/extensions/lambda-adapter"
"""Where Lambda looks for the adapter: external extensions live in /opt/extensions."""


APP_DIR = "/app"
_BARE_VALUE = re.compile(r"[A-Za-z0-9_./:@+-]+")

DEFAULT_DOCKERIGNORE = (
    ".git",
    ".gitignore",
    ".dockerignore",
    ".venv",
    "venv",
    "**/__pycache__",
    "**/*.py[cod]",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".env",
    ".env.*",
    "*.log",
    "Dockerfile",
)
"""Patterns a new agent's `.dockerignore` starts from: VCS data, caches, local env files."""


def base_image(python_version: str) -> str:
    """The pinned base image of a Python minor version.

    Args:
        python_version: a supported minor version, e.g. "3.12".

    Returns:
        The image reference, e.g. `python:3.12.11-slim-bookworm`.

    Raises:
        ValueError: the version has no pinned base image (the spec rejects it earlier).
    """
    try:
        return PYTHON_BASE_IMAGES[python_version]
    except KeyError:
        supported = ", ".join(PYTHON_BASE_IMAGES)
        raise ValueError(
            f"no base image for Python {python_version}; use one of {supported}"
        ) from None


def render_dockerfile(agent: AgentSpec, build: BuildSpec) -> str:
    """Render the agent's Dockerfile.

    Dependencies are installed (as root, so the agent cannot modify them) before the
    agent's code is copied, so a code-only change reuses the dependency layer. The agent
    runs as UID/GID 10001; the adapter waits for `healthPath` on `port` before Lambda
    sends the first request.

    Args:
        agent: the agent section of the spec (name, version, port, health path).
        build: the image build settings (Python version, requirements file, command).

    Returns:
        The Dockerfile text; it passes hadolint without warnings.
    """
    owner = f"{RUN_AS_ID}:{RUN_AS_ID}"
    requirements = build.requirements
    installed = f"{APP_DIR}/{requirements}"
    env = {
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_ROOT_USER_ACTION": "ignore",
        **agent_environment(agent),
    }
    labels = {
        "org.opencontainers.image.title": agent.name,
        "org.opencontainers.image.version": agent.version,
    }
    lines = [
        "# Rendered by Jockey from the agent spec; runs on AWS Lambda and Kubernetes.",
        f"FROM {LAMBDA_ADAPTER_IMAGE} AS lambda-adapter",
        "",
        f"FROM {base_image(build.python_version)}",
        _key_values("LABEL", labels),
        _key_values("ENV", env),
        f"COPY --from=lambda-adapter /lambda-adapter {LAMBDA_ADAPTER_PATH}",
        f"WORKDIR {APP_DIR}",
        _copy(requirements, installed),
        f"RUN pip install --no-cache-dir -r {shlex.quote(installed)}",
        f"COPY --chown={owner} . {APP_DIR}/",
        f"USER {owner}",
        f"EXPOSE {agent.port}",
        f"CMD {json.dumps(list(build.command))}",
    ]
    return "\n".join(lines) + "\n"


def render_dockerignore(extra: tuple[str, ...] = ()) -> str:
    """A starting `.dockerignore` for an agent's build context.

    Args:
        extra: more patterns to append after the defaults.

    Returns:
        The file's text, one pattern a line.
    """
    return "\n".join((*DEFAULT_DOCKERIGNORE, *extra)) + "\n"


def _key_values(instruction: str, values: Mapping[str, str]) -> str:
    """One `ENV`/`LABEL` instruction over several lines."""
    pairs = [f"{key}={_quoted(value)}" for key, value in values.items()]
    return f"{instruction} " + " \\\n    ".join(pairs)


def _quoted(value: str) -> str:
    """The value bare when Docker reads it back unchanged, else double-quoted.

    Docker expands `$VAR` even inside double quotes, so `$` is escaped as well.
    """
    if _BARE_VALUE.fullmatch(value):
        return value
    return json.dumps(value).replace("$", "\\$")


def _copy(source: str, destination: str) -> str:
    """A root-owned COPY; the JSON form when a path has spaces or other specials."""
    if _BARE_VALUE.fullmatch(source):
        return f"COPY {source} {destination}"
    paths = json.dumps([source, destination]).replace("$", "\\$")
    return f"COPY {paths}"
