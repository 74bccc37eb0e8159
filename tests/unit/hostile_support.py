"""Helpers shared by the hostile-spec tests: a base spec, spec files, bounded problem checks."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from infra.spec import SpecError
from infra.spec._errors import VALUE_LIMIT, shown_value

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
IMAGE = "ghcr.io/acme/support-bot@sha256:" + "ab" * 32
LINE_LIMIT = 3 * 400 + VALUE_LIMIT + 20
"""The longest line a problem may print: path, message and fix clipped, plus the value."""


def base_spec() -> dict[str, Any]:
    """The DESIGN.md example with a prebuilt image and no Lambda: it reads no files."""
    data = yaml.safe_load((EXAMPLES / "acme.yaml").read_text())
    assert isinstance(data, dict)
    data = copy.deepcopy(data)
    data["agent"]["image"] = {"ref": IMAGE}
    data["lambda"] = {"enabled": False}
    return data


def write_spec(path: Path, data: Any) -> Path:
    """`data` written as YAML to `path` (its folder created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def kubeconfig(contexts: list[str], current: str | None = None) -> dict[str, Any]:
    """A minimal kubeconfig with one cluster and user per context."""
    data: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": c, "cluster": {"server": "https://127.0.0.1:6443"}} for c in contexts
        ],
        "users": [{"name": c, "user": {"token": "kubeconfig-canary-token"}} for c in contexts],
        "contexts": [{"name": c, "context": {"cluster": c, "user": c}} for c in contexts],
    }
    if current is not None:
        data["current-context"] = current
    return data


def assert_well_formed(error: SpecError) -> None:
    """Every problem names a field path, and prints a bounded line with a bounded value."""
    assert error.problems
    for problem in error.problems:
        assert isinstance(problem.path, str) and problem.path
        assert problem.message and problem.fix
        assert len(shown_value(problem.value)) <= VALUE_LIMIT
        assert len(str(problem)) <= LINE_LIMIT
