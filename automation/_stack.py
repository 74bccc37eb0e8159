"""Open a tenant's stack: the per-stack work directory, backend, secrets and toolchain."""

from __future__ import annotations

from pathlib import Path

import pulumi.automation as auto

from automation._errors import StackNotFoundError
from automation._settings import Settings
from automation._toolchain import Toolchain

PROJECT = "jockey"
"""The Pulumi project every tenant stack belongs to (as in Pulumi.yaml)."""


def workspace_options(
    settings: Settings, toolchain: Toolchain, work_dir: Path
) -> auto.LocalWorkspaceOptions:
    """Workspace options for a stack: its own work dir, the toolchain, no downloads.

    The work dir must be in the options: for inline programs the Automation API ignores
    the `work_dir` argument and would otherwise use (and leave behind) a temp folder.
    """
    env = toolchain.env({})
    env.pop("PATH", None)  # PulumiCommand puts the CLI's folder on PATH itself
    env["PULUMI_BACKEND_URL"] = settings.backend_url
    return auto.LocalWorkspaceOptions(
        work_dir=str(work_dir),
        pulumi_command=auto.PulumiCommand(root=str(toolchain.root), skip_version_check=True),
        project_settings=auto.ProjectSettings(
            name=PROJECT,
            runtime="python",
            backend=auto.ProjectBackend(url=settings.backend_url),
        ),
        env_vars=env,
        secrets_provider=settings.secrets_provider,
    )


def open_stack(
    settings: Settings,
    toolchain: Toolchain,
    stack: str,
    program: auto.PulumiFn,
    *,
    create: bool,
    tenant: str | None = None,
) -> auto.Stack:
    """Create or select the stack in its work directory.

    Raises:
        StackNotFoundError: `create` is false and the stack does not exist.
    """
    work_dir = settings.work_dir(stack)
    work_dir.mkdir(parents=True, exist_ok=True)
    if settings.is_file_backend:
        Path(settings.backend_url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    opts = workspace_options(settings, toolchain, work_dir)
    if create:
        return auto.create_or_select_stack(stack, project_name=PROJECT, program=program, opts=opts)
    try:
        return auto.select_stack(stack, project_name=PROJECT, program=program, opts=opts)
    except auto.StackNotFoundError as error:
        raise StackNotFoundError(
            "stack does not exist in the backend",
            tenant=tenant,
            stack=stack,
            fix=f"check the tenant id and environment, or `jockey list` ({settings.backend_url})",
        ) from error
