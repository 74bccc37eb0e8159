"""Read and parse YAML within bounds: a size cap, no anchors or aliases, a nesting limit.

A spec may be hostile: a few hundred bytes of nested aliases ("billion laughs") expand to
gigabytes once walked, and a deep nesting exhausts the stack. The events are checked before
anything is built, with libyaml when it is there (PyYAML's pure Python parser otherwise).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 1024 * 1024
"""The largest file read: a spec, a kubeconfig or a secret file (1 MiB)."""
MAX_DEPTH = 32
"""The deepest nesting of mappings and lists a document may have."""

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_COLLECTION_STARTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class FileRefusedError(ValueError):
    """A file refused before reading: over the size cap, or not a regular file."""


class FileTooLargeError(FileRefusedError):
    """A file over the size cap."""


class YamlLimitError(yaml.MarkedYAMLError):
    """A YAML document that parses but breaks a loader limit (its mark is where).

    Attributes:
        fix: how to fix it.
    """

    def __init__(self, problem: str, mark: Any, fix: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.fix = fix


def read_text_limited(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A regular file's UTF-8 text, refused before reading when over `limit` bytes.

    Raises:
        OSError: the file cannot be opened or read.
        UnicodeDecodeError: it is not UTF-8 text.
        FileRefusedError: it is over `limit` bytes, or not a regular file.
    """
    info = path.stat()  # before opening: opening a FIFO would block
    if not stat.S_ISREG(info.st_mode):
        raise FileRefusedError("is not a regular file")
    if info.st_size > limit:
        raise FileTooLargeError(f"is {info.st_size} bytes, over the {limit}-byte cap")
    with path.open("rb") as file:
        data = file.read(limit + 1)  # the file may have grown since
    if len(data) > limit:
        raise FileTooLargeError(f"is over the {limit}-byte cap")
    return data.decode("utf-8")


def parse_yaml_limited(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """The one YAML document in `text`, built only once its events pass the limits.

    Raises:
        YamlLimitError: an anchor, an alias, or nesting deeper than `max_depth`.
        yaml.YAMLError: the text is not YAML (the error's marks say where).
        ValueError: a value YAML cannot build (an impossible date, a huge integer).
    """
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise YamlLimitError(
                f"an alias (*{event.anchor}) is not allowed",
                event.start_mark,
                "write the value out in full: anchors and aliases are refused",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise YamlLimitError(
                f"an anchor (&{anchor}) is not allowed",
                event.start_mark,
                "remove the anchor and write each value out in full",
            )
        if isinstance(event, _COLLECTION_STARTS):
            depth += 1
            if depth > max_depth:
                raise YamlLimitError(
                    f"nesting deeper than {max_depth} levels",
                    event.start_mark,
                    "flatten the document: no field is nested this deep",
                )
        elif isinstance(event, _COLLECTION_ENDS):
            depth -= 1
    try:
        return yaml.load(text, Loader=_Loader)  # a safe loader; its events passed the checks
    except (OverflowError, RecursionError, TypeError) as error:
        raise ValueError(str(error) or type(error).__name__) from error
