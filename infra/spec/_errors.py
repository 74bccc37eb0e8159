"""Spec problems: each names the field path, the value and the fix."""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError

RULE = "jockey_rule"
"""The pydantic error type of Jockey's own rules (its context carries the fix)."""
CROSS_FIELD = "jockey_cross_field"
"""The pydantic error type carrying problems found across fields (with full paths)."""
REDACTED = "[secret]"
"""Shown instead of a value that may be a secret."""
VALUE_LIMIT = 120
"""The most characters of a value a problem shows (a hostile spec may hold huge values)."""
_TEXT_LIMIT = 400
"""The most characters of a problem's path, message or fix (paths hold the spec's own keys)."""
PROBLEMS_SHOWN = 50
"""The most problems printed for one spec; a count of the rest follows (a hostile or
mistyped spec can hold thousands, and the first ones are what to fix first)."""
_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = VALUE_LIMIT


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
        path, message, fix = (
            clip(str(text), _TEXT_LIMIT) for text in (self.path, self.message, self.fix)
        )
        return f"{path}: {message} ({shown_value(self.value)}) — {fix}"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown_value(value: Any) -> str:
    """A value as a problem shows it: its repr, at most `VALUE_LIMIT` characters.

    The repr is built bounded (nested containers and long texts are abbreviated first), so
    a huge value costs no more to show than a small one.
    """
    try:
        text = _REPR.repr(value)
    except ValueError:  # an int beyond Python's digit limit
        text = f"<{type(value).__name__}>"
    return clip(text, VALUE_LIMIT)


class SpecError(Exception):
    """A spec is invalid; `problems` lists every problem found.

    `str` gives one per line, at most `PROBLEMS_SHOWN` of them (see `format_problems`).

    Attributes:
        problems: the problems, in the order they were found.
    """

    def __init__(self, problems: Iterable[SpecProblem]) -> None:
        self.problems: tuple[SpecProblem, ...] = tuple(problems)
        super().__init__("\n".join(format_problems(self)))


def format_problems(error: SpecError, limit: int = PROBLEMS_SHOWN) -> list[str]:
    """One line per problem: `path: message (value) — fix`, at most `limit` of them.

    Past the limit, one last line says how many more there are (`... and 12 more problems`);
    `error.problems` still holds them all.
    """
    lines = [str(problem) for problem in error.problems[:limit]]
    hidden = len(error.problems) - len(lines)
    if hidden > 0:
        lines.append(
            f"... and {hidden} more problem{'s' if hidden > 1 else ''} "
            "(fix these first, then validate again)"
        )
    return lines


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
