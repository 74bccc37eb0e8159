"""Typed errors: each names what failed, for which tenant and stack, and what to do."""

from __future__ import annotations


class JockeyError(Exception):
    """Base of every error Jockey raises on purpose.

    Attributes:
        tenant: the tenant id, when the error concerns one.
        stack: the stack name, when the error concerns one.
        fix: what the caller should do about it.
    """

    exit_code = 1

    def __init__(
        self, message: str, *, tenant: str | None = None, stack: str | None = None, fix: str = ""
    ) -> None:
        self.message = message
        self.tenant = tenant
        self.stack = stack
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"[{self.stack or self.tenant}] " if (self.stack or self.tenant) else ""
        fix = f" — {self.fix}" if self.fix else ""
        return f"{where}{self.message}{fix}"


class InvalidSpecError(JockeyError):
    """The deployment spec is invalid; nothing was created or changed."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        problems: tuple[str, ...] = (),
        tenant: str | None = None,
        stack: str | None = None,
        fix: str = "fix the fields listed and run `jockey validate`",
    ) -> None:
        self.problems = problems
        super().__init__(message, tenant=tenant, stack=stack, fix=fix)

    def _render(self) -> str:
        lines = [super()._render(), *(f"  {problem}" for problem in self.problems)]
        return "\n".join(lines)


class StackBusyError(JockeyError):
    """Another operation holds the stack's lease."""

    exit_code = 4


class StackNotFoundError(JockeyError):
    """The tenant's stack does not exist in the backend."""


class EngineError(JockeyError):
    """The Pulumi engine failed; `cause` holds its error."""


class ToolchainMissingError(JockeyError):
    """The Pulumi CLI (or a plugin it needs) is not installed."""


class ConfigurationError(JockeyError):
    """Jockey's own settings are unusable (backend, passphrase, home directory)."""
