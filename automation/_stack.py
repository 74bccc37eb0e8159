"""Open a tenant's stack: the per-stack work directory, backend, secrets and toolchain.

Nothing here knows how a backend stores its stacks (a folder, S3, PostgreSQL: the engine
does). The work directory is a cache any machine can rebuild: the stack's secrets-provider
state (the passphrase salt, or a KMS key's encrypted data key) lives in the backend's
checkpoint from `stack init` on, and the engine reads it back from there whenever the work
directory has no stack settings (`PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER`), so any worker
can run any tenant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pulumi.automation as auto
from pulumi.automation._stack import StackInitMode
from semver import VersionInfo

from automation._errors import StackNotFoundError
from automation._readback import EngineReadback
from automation._settings import Settings
from automation._toolchain import Toolchain

PROJECT = "jockey"
"""The Pulumi project every tenant stack belongs to (as in Pulumi.yaml)."""


class _KnownPulumiCommand(auto.PulumiCommand):
    """The toolchain's CLI, whose version Jockey already knows (no `pulumi version` call)."""

    def __init__(self, toolchain: Toolchain) -> None:
        self.command = str(toolchain.pulumi)
        self.version = VersionInfo.parse(toolchain.version)


class _TenantWorkspace(auto.LocalWorkspace):
    """A local workspace that rides over one quirk of Pulumi's `postgres://` backend."""

    def remove_tag(self, stack_name: str, key: str) -> None:
        """Remove a stack tag; removing one the stack does not have changes nothing.

        On the PostgreSQL backend, removing the last tag of a stack that never had tags fails
        ("failed to delete stack tags file ... key not found"): its blob store reports the
        missing blob as an unknown error where the other stores report "not found".
        """
        try:
            super().remove_tag(stack_name, key)
        except auto.CommandError as error:
            text = str(error)
            if "failed to delete stack tags file" not in text or "key not found" not in text:
                raise


KNOWN_MARK = ".in-backend"
"""Left in a stack's work directory once this machine has selected or created the stack."""


class TenantStack(auto.Stack):
    """A tenant's stack that spares the CLI processes the Automation API adds around the engine.

    Each `pulumi` process costs about 0.2 s before it does anything (the CLI's Go package
    initialisation alone takes ~0.2 s on our build machine), so:

    - Selecting a stack first only checks that it exists, since every command names it
      (`--stack`). A stack this machine has selected before (`KNOWN_MARK`) is not selected
      again (`assumed`); if it was removed from the backend meanwhile, the engine call says
      so before it does anything, and `create_in_backend` makes it again.
    - While `answered_from(readback)` is active, `outputs()` and `info()` are answered from
      the engine call's own events (see `automation._readback`), which saves two or three CLI
      processes per `up`, `destroy` or `refresh`; outside it they read the backend as usual.

    Args:
        name: the stack.
        workspace: its workspace.
        mode: create, select or both (ignored when `assumed`).
        assumed: take the stack as existing, without asking the CLI.
    """

    def __init__(
        self,
        name: str,
        workspace: auto.Workspace,
        mode: StackInitMode,
        *,
        assumed: bool = False,
    ) -> None:
        if assumed:  # what `auto.Stack.__init__` sets, without its `stack select`
            self.name = name
            self.workspace = workspace
            self._mode = mode
        else:
            super().__init__(name, workspace, mode)
        self.assumed = assumed
        self._readback: EngineReadback | None = None

    def create_in_backend(self) -> None:
        """Create the stack (an assumed one that turned out to be gone)."""
        self.workspace.create_stack(self.name)
        self.assumed = False

    @contextmanager
    def answered_from(self, readback: EngineReadback) -> Iterator[None]:
        """Answer read-backs from `readback` for the duration of the block."""
        self._readback = readback
        try:
            yield
        finally:
            self._readback = None

    def outputs(self) -> auto.OutputMap:
        """The stack's outputs (from the engine's events when they carry them)."""
        found = self._readback.outputs() if self._readback is not None else None
        return found if found is not None else super().outputs()

    def info(self, show_secrets: bool = True) -> auto.UpdateSummary | None:
        """The last update's summary (from the engine's events when they carry it)."""
        found = self._readback.summary() if self._readback is not None else None
        return found if found is not None else super().info(show_secrets)


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
    # A missing Pulumi.<stack>.yaml means "read the secrets manager from the state", never
    # "make a new one": the stack's settings are rebuilt from the backend on any machine.
    env["PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"] = "true"
    return auto.LocalWorkspaceOptions(
        work_dir=str(work_dir),
        pulumi_command=_KnownPulumiCommand(toolchain),
        project_settings=auto.ProjectSettings(
            name=PROJECT,
            runtime="python",
            backend=auto.ProjectBackend(url=settings.backend_url),
        ),
        env_vars=env,
        secrets_provider=settings.secrets_provider,
    )


def open_workspace(
    settings: Settings, toolchain: Toolchain, work_dir: Path, program: auto.PulumiFn | None
) -> auto.LocalWorkspace:
    """A workspace in `work_dir` for Jockey's project."""
    work_dir.mkdir(parents=True, exist_ok=True)
    if settings.is_file_backend:
        Path(settings.backend_url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    options = workspace_options(settings, toolchain, work_dir)
    return _TenantWorkspace(
        work_dir=options.work_dir,
        program=program,
        pulumi_command=options.pulumi_command,
        project_settings=options.project_settings,
        env_vars=options.env_vars,
        secrets_provider=options.secrets_provider,
    )


def open_stack(
    settings: Settings,
    toolchain: Toolchain,
    stack: str,
    program: auto.PulumiFn,
    *,
    create: bool,
    tenant: str | None = None,
) -> TenantStack:
    """Create or select the stack in its work directory (see `TenantStack` for `create`).

    Raises:
        StackNotFoundError: `create` is false and the stack does not exist.
    """
    work_dir = settings.work_dir(stack)
    workspace = open_workspace(settings, toolchain, work_dir, program)
    if create:
        mark = work_dir / KNOWN_MARK
        mode = StackInitMode.CREATE_OR_SELECT
        if mark.exists():
            return TenantStack(stack, workspace, mode, assumed=True)
        opened = TenantStack(stack, workspace, mode)
        mark.touch()
        return opened
    try:
        return TenantStack(stack, workspace, StackInitMode.SELECT)
    except auto.StackNotFoundError as error:
        raise StackNotFoundError(
            "stack does not exist in the backend",
            tenant=tenant,
            stack=stack,
            fix=f"check the tenant id and environment, or `jockey list` ({settings.backend_url})",
        ) from error
