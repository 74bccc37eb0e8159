"""Read a stack's `Pulumi.<stack>.yaml` and validate its `jockey:*` config (never its secrets)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from infra.spec._errors import REDACTED, SpecError, SpecProblem
from infra.spec._load import spec_from_stack_config
from infra.spec._models import DeploymentSpec
from infra.spec._types import SECTIONS
from infra.spec._yaml import FileRefusedError, parse_yaml_limited, read_text_limited

_PREFIX = "jockey:"


def _without_secure_values(value: Any) -> Any:
    """The value with every `{secure: <ciphertext>}` replaced by the redaction marker."""
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return REDACTED
        return {key: _without_secure_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_secure_values(item) for item in value]
    return value


def load_stack_file(path: Path, *, allow_outside_root: bool = False) -> DeploymentSpec:
    """Validate the `jockey:tenant|agent|lambda|kubernetes` config of a stack file.

    The project folder (the stack file's folder) is the root of every path in it. Secure
    values (`{secure: ...}`) are never read or printed: a problem shows `[secret]`.

    Raises:
        SpecError: the file is unreadable, not YAML, has no `config`, or its config is invalid.
    """
    where = str(path)
    try:
        data = parse_yaml_limited(read_text_limited(path))
    except (OSError, UnicodeDecodeError, FileRefusedError, ValueError, yaml.YAMLError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise SpecError(
            [SpecProblem("(file)", f"cannot be read as a stack file ({reason})", where, "check it")]
        ) from None
    config = data.get("config") if isinstance(data, Mapping) else None
    if not isinstance(config, Mapping):
        raise SpecError(
            [
                SpecProblem(
                    "config",
                    "is missing: a stack file holds the tenant under config.jockey:*",
                    None,
                    f"add {', '.join(_PREFIX + s for s in SECTIONS)} under config",
                )
            ]
        )
    objects = {
        key.removeprefix(_PREFIX): _without_secure_values(value)
        for key, value in config.items()
        if isinstance(key, str) and key.removeprefix(_PREFIX) in SECTIONS
    }
    return spec_from_stack_config(
        objects, path.resolve().parent, allow_outside_root=allow_outside_root
    )


__all__ = ["load_stack_file"]
