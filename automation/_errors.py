"""Typed errors: each names what failed, for which tenant and stack, and what to do."""

from __future__ import annotations

from typing import Any

from automation._exit_codes import ExitCode


class JockeyError(Exception):
    """Base of every error Jockey raises on purpose.

    Attributes:
        tenant: the tenant id, when the error concerns one.
        stack: the stack name, when the error concerns one.
        fix: what the caller should do about it.
    """

    exit_code: int = ExitCode.FAILED

    def __init__(
        self, message: str, *, tenant: str | None = None, stack: str | None = None, fix: str = ""
    ) -> None:
        self.message = message
        self.tenant = tenant
        self.stack = stack
        self.fix = fix
        super().__init__(self._render())

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross from the worker process to the caller: keep every attribute.
        return (_rebuild, (type(self), self.__dict__.copy()))

    def _render(self) -> str:
        where = f"[{self.stack or self.tenant}] " if (self.stack or self.tenant) else ""
        fix = f" — {self.fix}" if self.fix else ""
        return f"{where}{self.message}{fix}"


class InvalidSpecError(JockeyError):
    """The deployment spec is invalid; nothing was created or changed."""

    exit_code = ExitCode.INVALID_SPEC

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

    exit_code = ExitCode.STACK_BUSY


class StackNotFoundError(JockeyError):
    """The tenant's stack does not exist in the backend."""


class EngineError(JockeyError):
    """The Pulumi engine failed; the engine's own error is chained as `__cause__`."""


class ToolchainMissingError(JockeyError):
    """The Pulumi CLI (or a plugin it needs) is not installed."""


class ConfigurationError(JockeyError):
    """Jockey's own settings are unusable (backend, passphrase, home directory)."""


class UnsafeOutputError(JockeyError):
    """An output folder holds files Jockey did not write; nothing was written or deleted."""

    exit_code = ExitCode.USAGE


def _rebuild(kind: type[JockeyError], attributes: dict[str, Any]) -> JockeyError:
    """Unpickle a JockeyError without calling its `__init__` (attributes restored as they were)."""
    error = kind.__new__(kind)
    error.__dict__.update(attributes)
    error.args = (error._render(),)
    return error
