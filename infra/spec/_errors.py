"""Spec problems: each names the field path, the value and the fix."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

RULE = "jockey_rule"
"""The pydantic error type of Jockey's own rules (its context carries the fix)."""
CROSS_FIELD = "jockey_cross_field"
"""The pydantic error type carrying several cross-field problems."""


@dataclass(frozen=True)
class SpecProblem:
    """One thing wrong with a spec.

    Attributes:
        path: the field, as YAML keys joined by dots (`kubernetes.resources.cpuLimit`).
        message: what is wrong.
        value: the offending value.
        fix: how to fix it.
    """

    path: str
    message: str
    value: Any
    fix: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({self.value!r}) — {self.fix}"


class SpecError(ValueError):
    """A spec failed validation; `problems` lists every problem found."""

    def __init__(self, problems: Sequence[SpecProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def rule_error(message: str, fix: str) -> PydanticCustomError:
    """An error for one field, raised from a validator."""
    return PydanticCustomError(RULE, "{message}", {"message": message, "fix": fix})


def cross_field_error(problems: Iterable[SpecProblem]) -> PydanticCustomError:
    """An error carrying several problems found across fields."""
    return PydanticCustomError(
        CROSS_FIELD, "{summary}", {"summary": "cross-field rules", "problems": list(problems)}
    )


_FIXES = {
    "missing": "add this field",
    "int_type": "use a whole number",
    "int_parsing": "use a whole number",
    "int_from_float": "use a whole number",
    "float_type": "use a number",
    "float_parsing": "use a number",
    "bool_type": "use true or false",
    "bool_parsing": "use true or false",
    "string_type": 'use a string (quote numbers such as cpu: "2")',
    "dict_type": "use a mapping of keys to values",
    "list_type": "use a list",
    "model_type": "use a mapping with the fields this section documents (`jockey schema`)",
    "model_attributes_type": "use a mapping with the fields this section documents",
    "too_short": "add at least one entry",
}


def _path(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(spec)"


def problems_from(error: ValidationError, allowed_keys: dict[str, list[str]]) -> list[SpecProblem]:
    """Turn pydantic's errors into spec problems with a specific fix each.

    Args:
        error: the validation error.
        allowed_keys: for each section path, the keys it accepts (for unknown-field fixes).
    """
    problems: list[SpecProblem] = []
    for item in error.errors(include_url=False):
        kind = item["type"]
        ctx = item.get("ctx") or {}
        loc = [part for part in item["loc"] if not str(part).startswith("function-")]
        if kind == CROSS_FIELD:
            problems.extend(ctx["problems"])
            continue
        path = _path(loc)
        value = item.get("input")
        if kind == RULE:
            problems.append(SpecProblem(path, ctx["message"], value, ctx["fix"]))
        elif kind == "extra_forbidden":
            parent = _path(loc[:-1]) if len(loc) > 1 else ""
            allowed = ", ".join(allowed_keys.get(parent, [])) or "see `jockey schema`"
            problems.append(
                SpecProblem(path, "unknown field", value, f"remove it; allowed here: {allowed}")
            )
        elif kind == "missing":
            problems.append(SpecProblem(path, "required field is missing", None, "add this field"))
        elif kind in ("enum", "literal_error"):
            expected = ctx.get("expected", "")
            problems.append(
                SpecProblem(path, "not an allowed value", value, f"use one of {expected}")
            )
        else:
            message = item["msg"].removeprefix("Value error, ")
            problems.append(
                SpecProblem(path, message, value, _FIXES.get(kind, "see `jockey schema`"))
            )
    return problems
