"""What crosses the queue, as JSON: requests, events, results and refusals.

Nothing is pickled: a message from the broker is data, never code, on the worker and on the
caller. A request carries the validated spec (the worker validates it again against its own
policy) and never a secret value: `fromEnv`/`fromFile` secrets are read on the worker.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Any, TypeVar, Union, cast, get_args, get_origin, get_type_hints

from automation._errors import (
    ConfigurationError,
    EngineError,
    InvalidSpecError,
    JockeyError,
    StackBusyError,
    StackNotFoundError,
    ToolchainMissingError,
    UnsafeOutputError,
)
from automation._events import EventKind, OperationEvent
from automation._request import OperationRequest
from automation._results import Operation, OperationResult
from automation.live._switch import ROLLBACK_VARIABLE

FORMAT = 1
"""The message format; a worker refuses a request of another format."""

_ERRORS: dict[str, type[JockeyError]] = {
    kind.__name__: kind
    for kind in (
        JockeyError,
        ConfigurationError,
        EngineError,
        InvalidSpecError,
        StackBusyError,
        StackNotFoundError,
        ToolchainMissingError,
        UnsafeOutputError,
    )
}


REMOTE_VARIABLES = frozenset({ROLLBACK_VARIABLE})
"""The only worker variables a queued request may set: Jockey's own switches."""
_NAMED = ("operation", "tenant", "environment", "spec", "env_overrides")
_PRIMITIVES = (type(None), bool, int, float, str)


def _options() -> tuple[str, ...]:
    """The request's other fields (wait_seconds, deadline, ...): JSON primitives each."""
    return tuple(item.name for item in fields(OperationRequest) if item.name not in _NAMED)


def encode_request(request: OperationRequest) -> dict[str, Any]:
    """A request as the task's JSON payload.

    Raises:
        ValueError: the request sets a variable for its worker that only a local worker may
            be given (`render` points its worker at a throwaway backend).
    """
    refused = sorted(name for name, _ in request.env_overrides if name not in REMOTE_VARIABLES)
    if refused:
        raise ValueError(f"a request that sets {', '.join(refused)} runs locally only")
    spec = request.spec
    return {
        "format": FORMAT,
        "operation": request.operation.value,
        "tenant": request.tenant,
        "environment": request.environment,
        "spec": None if spec is None else spec.model_dump(mode="json", by_alias=True),
        "options": {name: getattr(request, name) for name in _options()},
        "variables": dict(request.env_overrides),
    }


def _read_options(payload: Mapping[str, Any]) -> dict[str, Any]:
    options = payload.get("options")
    if not isinstance(options, Mapping):
        raise ValueError("no options")
    known = _options()
    read: dict[str, Any] = {}
    for name, value in options.items():
        if name not in known:
            raise ValueError(f"unknown option {name!r}")
        if not isinstance(value, _PRIMITIVES):
            raise ValueError(f"{name} is not a plain value")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{name} is not a finite number")
        read[name] = value
    for name in ("wait_seconds", "deadline"):
        value = read.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"{name} is not a number")
    return read


def _read_variables(payload: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    variables = payload.get("variables") or {}
    if not isinstance(variables, Mapping):
        raise ValueError("variables is not a mapping")
    for name, value in variables.items():
        if name not in REMOTE_VARIABLES or not isinstance(value, str):
            raise ValueError(f"a queued request may not set {name!r}")
    return tuple(sorted(variables.items()))


def decode_request(
    payload: Mapping[str, Any], environ: Mapping[str, str], spec_root: Path | None
) -> OperationRequest:
    """The request of a task payload, its spec validated again here.

    The spec's paths were resolved (and confined) where it was loaded; here they must resolve
    inside `spec_root` (the worker operator's `JOCKEY_SPEC_ROOT`) when one is set, and its
    `fromEnv` secrets must be ones this worker's policy allows.

    Raises:
        InvalidSpecError: the payload or its spec is invalid.
    """
    from infra.spec import SecretOrigin, SpecError, stack_name, validate_spec

    tenant = str(payload.get("tenant", ""))
    environment = str(payload.get("environment", ""))
    stack = stack_name(tenant, environment)
    try:
        if payload.get("format") != FORMAT:
            raise ValueError(f"format {payload.get('format')!r} (this worker reads {FORMAT})")
        operation = Operation(payload["operation"])
        options = _read_options(payload)
        variables = _read_variables(payload)
    except (KeyError, ValueError) as error:
        raise InvalidSpecError(
            f"the queued request cannot be read: {error}",
            tenant=tenant or None,
            stack=stack,
            fix="submit it again with the same Jockey version as the workers",
        ) from None
    spec = None
    if payload.get("spec") is not None:
        try:
            spec = validate_spec(
                payload["spec"],
                base_dir=spec_root or Path("/"),
                origin=SecretOrigin.SPEC_FILE,
                root=spec_root or Path("/"),
                environ=environ,
            )
        except SpecError as error:
            raise InvalidSpecError(
                "the spec is invalid on this worker; nothing was changed",
                problems=tuple(str(problem) for problem in error.problems),
                tenant=tenant or None,
                stack=stack,
                fix="give the workers the files and variables the spec names "
                "(JOCKEY_SPEC_ROOT, JOCKEY_SECRET_ENV_ALLOW), or fix the spec",
            ) from error
        if (spec.tenant.id, spec.tenant.environment.value) != (tenant, environment):
            raise InvalidSpecError(
                "the queued request names another tenant than its spec",
                tenant=tenant or None,
                stack=stack,
            )
    elif operation is not Operation.DESTROY:
        raise InvalidSpecError(f"{operation.value} needs a spec", tenant=tenant, stack=stack)
    return OperationRequest(
        operation=operation,
        tenant=tenant,
        environment=environment,
        spec=spec,
        env_overrides=variables,
        **options,
    )


def _plain(value: Any) -> Any:
    """A result's or event's value as JSON: dataclasses by field, enums by value."""
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _typed(kind: Any, value: Any) -> Any:
    """`value` (JSON) as `kind`: the inverse of `_plain` for the types results are made of."""
    if value is None:
        return None
    origin = get_origin(kind)
    if origin in (Union, UnionType):
        options = [option for option in get_args(kind) if option is not type(None)]
        return _typed(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        (item_kind, *_) = get_args(kind)
        return tuple(_typed(item_kind, item) for item in value)
    if origin in (dict, Mapping) or kind in (dict, Mapping):
        return dict(value)
    if isinstance(kind, type) and is_dataclass(kind):
        return _from_plain(kind, value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if kind is float:
        return float(value)
    return value


_Dataclass = TypeVar("_Dataclass")


def _from_plain(kind: type[_Dataclass], data: Mapping[str, Any]) -> _Dataclass:
    """A dataclass from `_plain`'s JSON; unknown keys are skipped, missing ones defaulted."""
    hints = get_type_hints(kind)
    known = {item.name for item in fields(kind)}  # type: ignore[arg-type]
    values = {name: _typed(hints[name], value) for name, value in data.items() if name in known}
    return kind(**values)


def encode_event(event: OperationEvent) -> dict[str, Any]:
    """An event as JSON (every field)."""
    return cast("dict[str, Any]", _plain(event))


def decode_event(data: Mapping[str, Any]) -> OperationEvent:
    """An event back from `encode_event` (an event kind this side does not know is `other`)."""
    known = {kind.value for kind in EventKind}
    if data.get("kind") not in known:
        data = {**data, "kind": EventKind.OTHER.value}
    return _from_plain(OperationEvent, data)


def encode_result(result: OperationResult) -> dict[str, Any]:
    """A result as JSON (every field, nested diffs included)."""
    return cast("dict[str, Any]", _plain(result))


def decode_result(data: Mapping[str, Any]) -> OperationResult:
    """A result back from `encode_result`."""
    return _from_plain(OperationResult, data)


def encode_error(error: JockeyError) -> dict[str, Any]:
    """A refusal (the operation did not run) as JSON."""
    kind = type(error).__name__ if type(error).__name__ in _ERRORS else "JockeyError"
    body: dict[str, Any] = {
        "type": kind,
        "message": error.message,
        "tenant": error.tenant,
        "stack": error.stack,
        "fix": error.fix,
    }
    if isinstance(error, InvalidSpecError):
        body["problems"] = list(error.problems)
    return body


def decode_error(data: Mapping[str, Any]) -> JockeyError:
    """The typed error back from `encode_error` (an unknown type reads as `JockeyError`)."""
    kind = _ERRORS.get(str(data.get("type")), JockeyError)
    tenant = _text_or_none(data.get("tenant"))
    stack = _text_or_none(data.get("stack"))
    fix = str(data.get("fix") or "")
    message = str(data.get("message") or "the operation was refused")
    if kind is InvalidSpecError:
        problems = tuple(str(problem) for problem in data.get("problems") or ())
        return InvalidSpecError(message, problems=problems, tenant=tenant, stack=stack, fix=fix)
    return kind(message, tenant=tenant, stack=stack, fix=fix)


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def encode_outcome(outcome: OperationResult | JockeyError) -> dict[str, Any]:
    """What a task returns: `{"result": ...}` or `{"error": ...}`."""
    if isinstance(outcome, OperationResult):
        return {"result": encode_result(outcome)}
    return {"error": encode_error(outcome)}


def decode_outcome(data: Mapping[str, Any]) -> OperationResult | JockeyError:
    """A task's return value: the result, or the error that kept the operation from running."""
    if "result" in data:
        return decode_result(data["result"])
    if "error" in data:
        return decode_error(data["error"])
    return JockeyError("the worker returned nothing readable", fix="check the worker's log")
