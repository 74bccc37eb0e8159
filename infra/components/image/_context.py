"""What a build context sends to Docker, and its content hash.

The hash names the image tag, so identical inputs give identical resource inputs and an
unchanged context builds and pushes nothing. Files excluded by the context's
`.dockerignore` never reach the image and do not count; the matching follows Docker's
rules (moby/patternmatcher): `*`, `?`, `**`, `[...]`, `!` exceptions, last match wins, and
a pattern that matches a directory excludes everything below it.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

DOCKERIGNORE = ".dockerignore"
HASH_VERSION = b"jockey-context-v1\0"
"""Bumped when what goes into the hash changes, so old and new hashes never collide."""


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    exception: bool


class DockerIgnore:
    """The exclusion patterns of one build context, with Docker's matching rules."""

    def __init__(self, lines: Sequence[str]) -> None:
        """Compile `.dockerignore` lines.

        Args:
            lines: the file's lines; comments (`#`) and blank lines are skipped.
        """
        self._patterns = [_compile(line) for line in _clean(lines)]

    @classmethod
    def of_context(cls, context: Path) -> DockerIgnore:
        """The `.dockerignore` at the root of a build context (none: nothing excluded)."""
        path = context / DOCKERIGNORE
        text = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
        return cls(text.splitlines())

    @property
    def has_exceptions(self) -> bool:
        """Whether a `!pattern` may bring back something below an excluded directory."""
        return any(pattern.exception for pattern in self._patterns)

    def excludes(self, relative_path: str) -> bool:
        """Whether Docker leaves a path (relative, `/`-separated) out of the context."""
        parts = relative_path.split("/")
        parents = ["/".join(parts[:end]) for end in range(1, len(parts))]
        excluded = False
        for pattern in self._patterns:
            if pattern.exception != excluded:
                continue  # cannot change the outcome
            if pattern.regex.fullmatch(relative_path) or any(
                pattern.regex.fullmatch(parent) for parent in parents
            ):
                excluded = not pattern.exception
        return excluded


def context_files(context: Path) -> Iterator[str]:
    """Every file Docker sends from a context, relative and `/`-separated, sorted.

    Args:
        context: the build context folder.

    Yields:
        Relative paths of regular files and symlinks not excluded by `.dockerignore`.
    """
    ignore = DockerIgnore.of_context(context)
    found: list[str] = []
    for folder, dirs, files in os.walk(context):
        relative_folder = Path(folder).relative_to(context).as_posix()
        prefix = "" if relative_folder == "." else f"{relative_folder}/"
        if not ignore.has_exceptions:
            dirs[:] = [d for d in dirs if not ignore.excludes(prefix + d)]
        links = [d for d in dirs if (Path(folder) / d).is_symlink()]
        for name in [*files, *links]:
            relative = prefix + name
            if not ignore.excludes(relative):
                found.append(relative)
    yield from sorted(found)


def context_hash(context: Path, dockerfile: str) -> str:
    """The SHA-256 of what a build sends: the Dockerfile and the context's files.

    Each file counts with its path, whether it is executable and its content (a symlink
    with its target), so renames, `chmod +x` and edits all change the hash; timestamps,
    owners and excluded files do not.

    Args:
        context: the build context folder.
        dockerfile: the rendered Dockerfile text.

    Returns:
        64 lowercase hex digits.
    """
    digest = hashlib.sha256(HASH_VERSION)
    digest.update(b"Dockerfile\0" + hashlib.sha256(dockerfile.encode()).digest())
    for relative in context_files(context):
        path = context / relative
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            kind, content = b"l", hashlib.sha256(os.readlink(path).encode()).digest()
        else:
            kind = b"x" if info.st_mode & 0o111 else b"f"
            content = _file_digest(path)
        digest.update(relative.encode() + b"\0" + kind + content)
    return digest.hexdigest()


def _file_digest(path: Path) -> bytes:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


def _clean(lines: Sequence[str]) -> Iterator[str]:
    """Patterns as Docker reads them: trimmed, normalised, relative to the context."""
    for line in lines:
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        exception = pattern.startswith("!")
        if exception:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = posixpath.normpath(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern.lstrip("/")
        yield f"!{pattern}" if exception else pattern


def _compile(line: str) -> _Pattern:
    exception = line.startswith("!")
    pattern = line[1:] if exception else line
    return _Pattern(regex=re.compile(_translate(pattern)), exception=exception)


def _translate(pattern: str) -> str:
    """A Docker ignore pattern as a regular expression (Go filepath.Match plus `**`)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            if pattern.startswith("**", i):
                i += 2
                if i < len(pattern) and pattern[i] == "/":
                    i += 1
                out.append(".*" if i == len(pattern) else "(.*/)?")
                continue
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end]
                if body.startswith("^"):
                    body = "!" + body[1:]
                negated = body.startswith("!")
                body = body[1:] if negated else body
                escaped = body.replace("\\", "\\\\").replace("[", "\\[")
                out.append(f"[^/{escaped}]" if negated else f"[{escaped}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)
