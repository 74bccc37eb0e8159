"""Pulumi mocks that record what a program registered, shared by the component tests.

The core is target-neutral: specs built from a base dict, a monitor that records every
registration (inputs, parent, dependencies, provider, resource options) and every
`register_outputs`, and `record`, which runs a program under those mocks and resolves its
outputs. `tests.unit.mocks.aws` and `tests.unit.mocks.kubernetes` add each target's mocks,
base spec and `render`.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc

from infra.spec import DeploymentSpec

__all__ = [
    "DIGEST",
    "SECRET_VALUE",
    "Recording",
    "RecordingMonitor",
    "Registered",
    "build_spec",
    "deep_merge",
    "install",
    "is_secret_value",
    "plain",
    "record",
]

DIGEST = "sha256:" + "0123456789abcdef" * 4
"""The image digest the base specs pin."""

SECRET_VALUE = "sk-canary-3f9a1c"
"""A secret env value to hunt for in what the engine received."""

_SECRET_SIG = rpc._special_sig_key
_SECRET_SIG_VALUE = rpc._special_secret_sig


def deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `extra` merged in, mappings merged key by key."""
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def build_spec(base: dict[str, Any], sections: Mapping[str, Any]) -> DeploymentSpec:
    """A validated spec from `base` with `sections` (`lambda_` may stand for `lambda`)."""
    extra = {key.rstrip("_"): value for key, value in sections.items()}
    return DeploymentSpec.model_validate(deep_merge(base, extra))


def is_secret_value(value: Any) -> bool:
    """Whether a registered input value reached the engine marked secret."""
    return isinstance(value, dict) and value.get(_SECRET_SIG) == _SECRET_SIG_VALUE


def plain(value: Any) -> Any:
    """A registered input value with the engine's secret wrappers removed."""
    if is_secret_value(value):
        return plain(value["value"])
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


@dataclass(frozen=True)
class Registered:
    """One resource registration as the engine received it."""

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    parent: str
    dependencies: tuple[str, ...]
    provider: str
    ignore_changes: tuple[str, ...] = ()
    retain_on_delete: bool = False
    custom_timeouts: dict[str, str] = field(default_factory=dict)

    @property
    def props(self) -> dict[str, Any]:
        """The inputs with secret wrappers removed."""
        props: dict[str, Any] = plain(self.inputs)
        return props

    @property
    def metadata(self) -> dict[str, Any]:
        """`metadata` of a Kubernetes object."""
        metadata: dict[str, Any] = self.props.get("metadata", {})
        return metadata

    @property
    def annotations(self) -> dict[str, str]:
        """`metadata.annotations` of a Kubernetes object."""
        annotations: dict[str, str] = self.metadata.get("annotations", {})
        return annotations


class RecordingMonitor(mocks.MockMonitor):
    """A mock monitor that keeps every registration by name and every `register_outputs`."""

    def __init__(self, resource_mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(resource_mocks)
        self.registered: dict[str, Registered] = {}
        self.outputs_by_urn: dict[str, list[dict[str, Any]]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            timeouts = request.customTimeouts
            self.registered[request.name] = Registered(
                type=request.type,
                name=request.name,
                urn=response.urn,
                inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
                parent=request.parent,
                dependencies=tuple(request.dependencies),
                provider=request.provider,
                ignore_changes=tuple(request.ignoreChanges),
                retain_on_delete=bool(request.retainOnDelete),
                custom_timeouts={
                    kind: getattr(timeouts, kind)
                    for kind in ("create", "update", "delete")
                    if getattr(timeouts, kind)
                },
            )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs = dict(rpc.deserialize_properties(request.outputs))
        self.outputs_by_urn.setdefault(request.urn, []).append(outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Recording:
    """What one program run registered, the resources' objects, and its resolved outputs."""

    resources: dict[str, Registered]
    objects: dict[str, pulumi.Resource]
    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    registered_outputs: dict[str, list[dict[str, Any]]]
    warnings: tuple[str, ...]

    def of_type(self, type_: str) -> list[Registered]:
        """Registrations of one type token, e.g. `kubernetes:apps/v1:Deployment`."""
        return [r for r in self.resources.values() if r.type == type_]

    def one(self, type_: str) -> Registered:
        """The only registration of a type token."""
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, got {[r.name for r in found]}"
        return found[0]


def _ensure_event_loop() -> None:
    """Give this thread a current event loop (the SDK's mocks need one).

    An earlier `asyncio.run` (a test's, or a library's) leaves the thread without one.
    """
    try:
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def install(
    resource_mocks: pulumi.runtime.Mocks, logger: logging.Logger | None = None
) -> RecordingMonitor:
    """Point the Pulumi runtime at fresh recording mocks (not a preview: values resolve).

    The root stack is new too, so nothing registered or transformed by an earlier run carries
    over.
    """
    pulumi.runtime.settings.reset_options()
    _ensure_event_loop()
    monitor = RecordingMonitor(resource_mocks)
    pulumi.runtime.set_mocks(resource_mocks, preview=False, monitor=monitor, logger=logger)
    return monitor


def record(
    resource_mocks: pulumi.runtime.Mocks,
    program: Callable[[], Mapping[str, pulumi.Input[Any]]],
) -> Recording:
    """Run `program` under fresh recording mocks (not a preview: values resolve).

    Args:
        resource_mocks: the provider outputs and function results the program sees.
        program: declares resources and returns the named outputs to resolve.
    """
    logged = _WarningRecorder()
    logger = logging.getLogger(f"{__name__}.engine")
    logger.handlers[:] = [logged]
    logger.propagate = False
    monitor = install(resource_mocks, logger)
    objects: dict[str, pulumi.Resource] = {}
    resolved: dict[str, Any] = {}
    secret: set[str] = set()

    def remember(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        objects[args.name] = args.resource
        return None

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        pulumi.runtime.register_stack_transformation(remember)
        outputs = {key: pulumi.Output.from_input(value) for key, value in program().items()}

        async def secrets() -> bool:
            for key, output in outputs.items():
                if await output.is_secret():
                    secret.add(key)
            return True

        flags: pulumi.Output[bool] = pulumi.Output.from_input(secrets())
        return pulumi.Output.all(flags, pulumi.Output.all(**outputs)).apply(
            lambda values: resolved.update(values[1])
        )

    run()
    return Recording(
        resources=dict(monitor.registered),
        objects=objects,
        outputs=resolved,
        secret_outputs=frozenset(secret),
        registered_outputs=dict(monitor.outputs_by_urn),
        warnings=tuple(logged.warnings),
    )


class _WarningRecorder(logging.Handler):
    """Keeps the warnings the program logs through the engine (`pulumi.log.warn`)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append(record.getMessage())
