"""The desired set: tenant spec files found under the paths given, loaded and checked as a set.

A path is a spec file, or a folder whose `*.yaml`/`*.yml` files below it are read when they
have a top-level `tenant:` section (rendered manifests, stack files and other YAML beside the
specs are left alone; so are hidden folders and render folders). Two specs for the same
tenant and environment are refused before anything runs, naming both files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from automation._errors import InvalidSpecError
from infra.spec import DeploymentSpec, SpecError, load_spec_file

RENDER_MANIFEST = ".jockey-render.json"
"""The file `jockey render` leaves in a render folder: nothing below it is a spec."""
_TENANT_SECTION = re.compile(rb"^tenant:", re.MULTILINE)
_SNIFF_BYTES = 1 << 20


@dataclass(frozen=True)
class SpecFile:
    """A tenant spec and the file it came from.

    Attributes:
        path: the spec file (None for a spec built in code).
        spec: its validated spec.
    """

    path: Path | None
    spec: DeploymentSpec

    @property
    def stack(self) -> str:
        """The tenant's stack name."""
        return self.spec.stack_name


class DuplicateTenantError(InvalidSpecError):
    """Two spec files describe the same tenant and environment; nothing ran."""


def _looks_like_spec(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return True  # let the loader report why it cannot be read
    return bool(_TENANT_SECTION.search(head))


def _is_render_folder(folder: Path) -> bool:
    return (folder / RENDER_MANIFEST).is_file()


def find_spec_files(paths: Iterable[Path]) -> list[Path]:
    """The spec files named or found below the folders named, each once, in path order."""
    found: dict[Path, None] = {}
    for path in paths:
        if not path.is_dir():
            found.setdefault(path, None)
            continue
        for candidate in sorted(path.rglob("*")):
            relative = candidate.relative_to(path)
            folders = [path, *(path / parent for parent in relative.parents if parent.parts)]
            if any(part.startswith(".") for part in relative.parts):
                continue
            if candidate.suffix not in (".yaml", ".yml") or not candidate.is_file():
                continue
            if candidate.name.startswith("Pulumi.") or any(map(_is_render_folder, folders)):
                continue
            if _looks_like_spec(candidate):
                found.setdefault(candidate, None)
    return list(found)


def load_spec_files(
    paths: Sequence[Path], *, root: Path | None = None, allow_outside_root: bool = False
) -> list[SpecFile]:
    """Load every spec under `paths` as the desired set.

    Raises:
        InvalidSpecError: a spec is invalid (every problem of every file is listed, each
            line starting with its file).
        DuplicateTenantError: two files describe the same tenant and environment.
    """
    loaded: list[SpecFile] = []
    problems: list[str] = []
    for path in find_spec_files(paths):
        try:
            spec = load_spec_file(path, root=root, allow_outside_root=allow_outside_root)
        except SpecError as error:
            problems += [f"{path}: {problem}" for problem in error.problems]
            continue
        loaded.append(SpecFile(path, spec))
    if problems:
        raise InvalidSpecError(
            f"{len(problems)} problem(s) in the tenant specs; nothing ran", problems=tuple(problems)
        )
    check_unique(loaded)
    return loaded


def check_unique(specs: Sequence[SpecFile]) -> None:
    """Refuse two specs for one tenant and environment, naming both files.

    Raises:
        DuplicateTenantError: naming the stack and every file that describes it.
    """
    by_stack: dict[str, list[SpecFile]] = {}
    for item in specs:
        by_stack.setdefault(item.stack, []).append(item)
    clashes = {stack: items for stack, items in sorted(by_stack.items()) if len(items) > 1}
    if not clashes:
        return
    lines = tuple(
        f"{stack}: " + " and ".join(str(item.path or "a spec given in code") for item in items)
        for stack, items in clashes.items()
    )
    first = next(iter(clashes.values()))[0]
    single = len(clashes) == 1
    raise DuplicateTenantError(
        f"{len(clashes)} tenant(s) described by more than one spec file; nothing ran",
        problems=lines,
        tenant=first.spec.tenant.id if single else None,
        stack=first.stack if single else None,
        fix="keep one spec file per tenant and environment (delete or merge the others)",
    )


__all__ = [
    "RENDER_MANIFEST",
    "DuplicateTenantError",
    "SpecFile",
    "check_unique",
    "find_spec_files",
    "load_spec_files",
]
