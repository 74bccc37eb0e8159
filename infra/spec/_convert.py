"""Turn pydantic's validation errors into spec problems, each with its specific fix."""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from infra.spec._errors import CROSS_FIELD, REDACTED, RULE, SpecProblem
from infra.spec._models import DeploymentSpec

_SECRETS = ("agent", "secretEnv")
_TYPE_PROBLEMS = {
    "int_type": ("is not a whole number", "use a whole number, without quotes"),
    "int_parsing": ("is not a whole number", "use a whole number, without quotes"),
    "int_from_float": ("is not a whole number", "use a whole number"),
    "float_type": ("is not a number", "use a number, without quotes"),
    "float_parsing": ("is not a number", "use a number, without quotes"),
    "bool_type": ("is not true or false", "use true or false, without quotes"),
    "bool_parsing": ("is not true or false", "use true or false, without quotes"),
    "string_type": (
        "is not text",
        'quote the value so YAML reads it as text, such as "1.10" or "true"',
    ),
    "string_too_short": ("is empty", "give a value, or remove the field"),
    "dict_type": ("is not a mapping", "use a mapping of keys to values"),
    "list_type": ("is not a list", "use a list, such as [a, b]"),
    "path_type": ("is not a path", "use a file system path as text"),
}


def problems_from(error: ValidationError) -> list[SpecProblem]:
    """The spec problems of a `DeploymentSpec` validation error.

    Args:
        error: what `DeploymentSpec.model_validate` raised.

    Returns:
        One problem per error, with camelCase paths, the value (secrets redacted) and a fix.
    """
    problems: list[SpecProblem] = []
    for item in error.errors(include_url=False):
        if item["type"] == CROSS_FIELD:
            problems.extend(item.get("ctx", {})["problems"])
        else:
            problems.append(_problem(item))
    return problems


def _problem(item: ErrorDetails) -> SpecProblem:
    kind = item["type"]
    ctx: dict[str, Any] = dict(item.get("ctx") or {})
    loc = [part for part in item["loc"] if not str(part).startswith("function-")]
    is_key = bool(loc) and loc[-1] == "[key]"
    if is_key:
        loc = loc[:-1]
    if kind == RULE and "field" in ctx:
        loc = [*loc, *str(ctx["field"]).split(".")]
    path = _path(loc)
    value = ctx.get("value", item.get("input"))
    secret = tuple(loc[:2]) == _SECRETS and len(loc) > 2 and not is_key and "value" not in ctx
    if secret:
        value = REDACTED
    if secret and len(loc) == 3 and kind == "model_type":
        return SpecProblem(
            path,
            "a secret value is written in the spec",
            value,
            "never write secrets here: use {fromEnv: VAR} or {fromFile: path} in a spec file, "
            "{fromConfig: key} in a stack's config",
        )
    if kind == RULE:
        return SpecProblem(path, ctx["message"], value, ctx["fix"])
    if kind == "extra_forbidden":
        return SpecProblem(path, "unknown field", value, _unknown_field_fix(loc))
    if kind == "missing":
        field = _locate(loc)[1]
        about = f": {field.description}" if field is not None and field.description else ""
        return SpecProblem(path, "required field is missing", None, f"add {loc[-1]}{about}")
    if kind in ("enum", "literal_error"):
        return SpecProblem(path, "not an allowed value", value, f"use {ctx.get('expected', '')}")
    if kind in ("model_type", "model_attributes_type"):
        model = _locate([*loc, ""])[0]
        keys = ", ".join(_keys(model)) if model else "the documented fields"
        return SpecProblem(path, "not a mapping", value, f"use a mapping with keys from: {keys}")
    message, fix = _TYPE_PROBLEMS.get(kind, (item["msg"], "see `jockey schema` for this field"))
    return SpecProblem(path, message, value, fix)


def _path(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(spec)"


def _unknown_field_fix(loc: Sequence[int | str]) -> str:
    model = _locate(loc)[0]
    if model is None:
        return "remove it (see `jockey schema`)"
    key = str(loc[-1])
    keys = _keys(model)
    for name, field in model.model_fields.items():
        alias = field.alias or name
        if key in (name, alias.lower()) or key.lower() == alias.lower():
            return f"rename it to {alias}"
    return f"remove it; allowed here: {', '.join(keys)}"


def _keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, field in model.model_fields.items():
        if (field.alias or name) == key:
            return field
    return None


def _strip(annotation: Any) -> Any:
    """The type inside `Annotated[...]` and `X | None`."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation


def _locate(loc: Sequence[int | str]) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model holding the last key of `loc`, and that key's field (None when unknown)."""
    node: Any = DeploymentSpec
    model: type[BaseModel] | None = None
    field: FieldInfo | None = None
    for part in loc:
        node = _strip(node)
        origin = get_origin(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            model, field = node, _field(node, str(part))
            if field is None:
                return model, None
            node = field.annotation
        elif origin is dict:
            model, field, node = None, None, get_args(node)[1]
        elif origin is list:
            model, field, node = None, None, get_args(node)[0]
        else:
            return None, None
    return model, field
