"""Spec problems: each names the field path, the value and the fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError

RULE = "jockey_rule"
"""The pydantic error type of Jockey's own rules (its context carries the fix)."""
CROSS_FIELD = "jockey_cross_field"
"""The pydantic error type carrying problems found across fields (with full paths)."""
REDACTED = "<redacted>"
"""Shown instead of a value that may be a secret."""


@dataclass(frozen=True)
class SpecProblem:
    """One thing wrong with a spec.

    Attributes:
        path: the field, as YAML keys joined by dots (`kubernetes.resources.cpuLimit`),
            list items as `[index]`.
        message: what is wrong.
        value: the offending value (`None` for a missing field).
        fix: how to fix it.
    """

    path: str
    message: str
    value: Any
    fix: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({self.value!r}) — {self.fix}"


class SpecError(Exception):
    """A spec is invalid; `problems` lists every problem found (`str` gives one per line).

    Attributes:
        problems: the problems, in the order they were found.
    """

    def __init__(self, problems: Iterable[SpecProblem]) -> None:
        self.problems: tuple[SpecProblem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def format_problems(error: SpecError) -> list[str]:
    """One line per problem: `path: message (value) — fix`."""
    return [str(problem) for problem in error.problems]


_NO_VALUE: Any = object()


def rule_error(
    message: str, fix: str, *, field: str | None = None, value: Any = _NO_VALUE
) -> PydanticCustomError:
    """The error a validator raises for one broken rule.

    Args:
        message: what is wrong.
        fix: how to fix it.
        field: for a model validator, the camelCase key (below the model) the problem is
            about; the problem's path then ends with it.
        value: the value to show (by default, the input pydantic validated).
    """
    context: dict[str, Any] = {"message": message, "fix": fix}
    if field is not None:
        context["field"] = field
    if value is not _NO_VALUE:
        context["value"] = value
    return PydanticCustomError(RULE, "{message}", context)


def cross_field_error(problems: Iterable[SpecProblem]) -> PydanticCustomError:
    """The error carrying problems found across sections (their paths are absolute)."""
    return PydanticCustomError(
        CROSS_FIELD, "{summary}", {"summary": "cross-field rules", "problems": list(problems)}
    )
