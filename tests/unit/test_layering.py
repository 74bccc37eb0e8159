"""The layering rules DESIGN.md states, checked on the import statements themselves (AST)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _imports(path: Path, *, module_level_only: bool = False) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in a file (relative ones made absolute)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base]) if base else ".".join(parent)
            yield node.lineno, base


def _files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (REPO / folder).rglob("*.py"))


def _violations(files: list[Path], forbidden: tuple[str, ...], **options: bool) -> list[str]:
    return [
        f"{path.relative_to(REPO)}:{line} imports {module}"
        for path in files
        for line, module in _imports(path, **options)
        if any(module == prefix or module.startswith(prefix + ".") for prefix in forbidden)
    ]


def test_the_spec_imports_no_pulumi() -> None:
    assert _violations(_files("infra/spec"), ("pulumi", "pulumi_kubernetes", "pulumi_aws")) == []


def test_infra_never_imports_automation() -> None:
    assert _violations(_files("infra"), ("automation",)) == []


def test_the_report_imports_no_command_line_or_terminal_library() -> None:
    forbidden = ("automation.cli", "typer", "rich", "click")
    assert _violations(_files("automation/_report"), forbidden) == []


# The caller's side of an operation: what a control plane imports to call Jockey. It must
# never load the Pulumi SDK (the worker process does), not even lazily inside a function.
CALLER_SIDE = (
    "automation/__init__.py",
    "automation/_api.py",
    "automation/_worker.py",
    "automation/_fanout.py",
    "automation/_events.py",
    "automation/_results.py",
    "automation/_diff.py",
    "automation/_request.py",
    "automation/_render.py",
    "automation/_progress.py",
    "automation/_cancel.py",
    "automation/cli.py",
    "automation/live/__init__.py",
    "automation/live/_aws.py",
    "automation/live/_cli.py",
    "automation/live/_cluster.py",
    "automation/live/_feed.py",
    "automation/live/_informer.py",
    "automation/live/_kube_phase.py",
    "automation/live/_kube_read.py",
    "automation/live/_logs.py",
    "automation/live/_model.py",
    "automation/live/_phases.py",
    "automation/live/_status.py",
    "automation/live/_switch.py",
    "automation/live/_watch.py",
    "automation/fleet/__init__.py",
    "automation/fleet/_backend.py",
    "automation/fleet/_cli.py",
    "automation/fleet/_drift.py",
    "automation/fleet/_fingerprint.py",
    "automation/fleet/_hooks.py",
    "automation/fleet/_plan.py",
    "automation/fleet/_reports.py",
    "automation/fleet/_runner.py",
    "automation/fleet/_specs.py",
    "automation/fleet/_sync.py",
)


@pytest.mark.parametrize("name", CALLER_SIDE)
def test_the_callers_side_never_imports_the_sdk_at_module_level(name: str) -> None:
    assert _violations([REPO / name], ("pulumi",), module_level_only=True) == []


def test_no_module_imports_another_packages_private_modules() -> None:
    problems = []
    for path in _files("automation", "infra"):
        own_package = path.relative_to(REPO).parts[0]
        for line, module in _imports(path):
            parts = module.split(".")
            if parts[0] in ("automation", "infra") and parts[0] != own_package:
                private = [part for part in parts[1:] if part.startswith("_")]
                if private:
                    problems.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    assert problems == []
