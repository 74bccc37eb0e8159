"""Leaf-level differences between two redacted values, for steps without a detailed diff."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from automation._report._paths import Segment


def differences(
    old: Any, new: Any, prefix: tuple[Segment, ...] = ()
) -> Iterator[tuple[tuple[Segment, ...], str, Any, Any]]:
    """`(path, kind, old, new)` for each differing leaf; kind is add, update or delete.

    Engine-internal keys (`__defaults`, `__inputs`, ...) are skipped. Two redacted secrets
    compare equal: whether a blinded secret changed is only known from a detailed diff.
    """
    if old == new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(set(old) | set(new)):
            if key.startswith("__"):
                continue
            path = (*prefix, key)
            if key not in old:
                yield path, "add", None, new[key]
            elif key not in new:
                yield path, "delete", old[key], None
            else:
                yield from differences(old[key], new[key], path)
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            path = (*prefix, index)
            if index >= len(old):
                yield path, "add", None, new[index]
            elif index >= len(new):
                yield path, "delete", old[index], None
            else:
                yield from differences(old[index], new[index], path)
    else:
        yield prefix, "update", old, new
