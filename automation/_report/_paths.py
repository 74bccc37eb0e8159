"""Pulumi property paths: `spec.template.spec.containers[0].image`, `data["LOG_LEVEL"]`.

The engine names a changed property with these paths in a step's detailed diff; resolving
one against a resource's inputs gives the value on either side of the change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from infra.spec import REDACTED

Segment = str | int
"""A map key or a list index."""

_BARE_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$\-]*")


class PathSyntaxError(ValueError):
    """A property path that does not parse."""


def parse_path(path: str) -> tuple[Segment, ...]:
    """The segments of a property path.

    Raises:
        PathSyntaxError: the path is malformed (an unclosed bracket or quote).
    """
    segments: list[Segment] = []
    i, end = 0, len(path)
    while i < end:
        char = path[i]
        if char == ".":
            i += 1
        elif path.startswith('["', i):
            key, i = _quoted_key(path, i + 2)
            segments.append(key)
        elif char == "[":
            close = path.find("]", i)
            if close < 0:
                raise PathSyntaxError(f"unclosed '[' in {path!r}")
            token = path[i + 1 : close]
            segments.append(int(token) if token.isdigit() else token)
            i = close + 1
        else:
            stop = i
            while stop < end and path[stop] not in ".[":
                stop += 1
            segments.append(path[i:stop])
            i = stop
    return tuple(segments)


def _quoted_key(path: str, start: int) -> tuple[str, int]:
    chars: list[str] = []
    i = start
    while i < len(path):
        char = path[i]
        if char == "\\" and i + 1 < len(path):
            chars.append(path[i + 1])
            i += 2
        elif char == '"':
            if not path.startswith('"]', i):
                raise PathSyntaxError(f"expected '\"]' at {i} in {path!r}")
            return "".join(chars), i + 2
        else:
            chars.append(char)
            i += 1
    raise PathSyntaxError(f"unclosed quote in {path!r}")


def format_path(segments: Sequence[Segment]) -> str:
    """A property path in the engine's own syntax (the inverse of `parse_path`)."""
    parts: list[str] = []
    for segment in segments:
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif _BARE_KEY.fullmatch(segment):
            parts.append(f".{segment}" if parts else segment)
        else:
            escaped = segment.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'["{escaped}"]')
    return "".join(parts)


def resolve(root: Any, segments: Sequence[Segment]) -> tuple[bool, Any]:
    """`(found, value)` at `segments` under `root` (an already redacted value).

    A path that runs into a redacted secret resolves to `[secret]`: whatever lies inside
    a secret is secret too.
    """
    node = root
    for segment in segments:
        if node == REDACTED:
            return True, REDACTED
        if isinstance(node, Mapping) and str(segment) in node:
            node = node[str(segment)]
        elif isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
            node = node[segment]
        else:
            return False, None
    return True, node
