"""Helpers shared by the component test harnesses: spec building and secret detection."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pulumi.runtime import rpc

from infra.spec import DeploymentSpec

SECRET_SIG = rpc._special_sig_key
SECRET_SIG_VALUE = rpc._special_secret_sig


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
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_SIG_VALUE
