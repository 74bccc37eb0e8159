"""What can be checked offline about a spec's kubeconfig: it exists, parses, has the context.

Nothing read from the file is ever shown in a problem: only the spec's own values (the
file's path, the context's name) and where in the file a parse failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from infra.spec._errors import SpecProblem
from infra.spec._models import ClusterSpec
from infra.spec._yaml import FileRefusedError, parse_yaml_limited, read_text_limited

_FIELD = "kubernetes.cluster.kubeconfig"
_CONTEXT_FIELD = "kubernetes.cluster.context"
_READABLE = "point kubeconfig at a readable kubeconfig file (YAML with clusters and contexts)"


def kubeconfig_problems(cluster: ClusterSpec) -> list[SpecProblem]:
    """The problems of a resolved spec's `kubeconfig` (none when it names no file).

    Args:
        cluster: the spec's `kubernetes.cluster`, its kubeconfig path absolute.

    Returns:
        At most one problem: the file is missing, unreadable, not a kubeconfig, or lacks
        the context the spec names (or, with no context named, its current-context).
    """
    path = cluster.kubeconfig
    if path is None:
        return []
    where = str(path)
    check = f"`kubectl config get-contexts --kubeconfig {where}` lists them"
    try:
        data = parse_yaml_limited(read_text_limited(path))
    except FileNotFoundError:
        return [
            SpecProblem(
                _FIELD,
                "file does not exist",
                where,
                "point kubeconfig at the cluster's kubeconfig file (relative to the spec "
                "file), or remove it to use the operator's",
            )
        ]
    except (OSError, UnicodeDecodeError, FileRefusedError) as error:
        return [SpecProblem(_FIELD, f"cannot be read ({_reason(error)})", where, _READABLE)]
    except (yaml.YAMLError, ValueError) as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        return [SpecProblem(_FIELD, f"is not a kubeconfig (not YAML{at})", where, _READABLE)]
    if not _is_kubeconfig(data):
        return [
            SpecProblem(
                _FIELD, "is not a kubeconfig (no clusters and contexts lists)", where, _READABLE
            )
        ]
    names = {
        item["name"]
        for item in data["contexts"]
        if isinstance(item, Mapping) and isinstance(item.get("name"), str)
    }
    if cluster.context is not None:
        if cluster.context in names:
            return []
        return [
            SpecProblem(
                _CONTEXT_FIELD,
                f"is not a context of {where}",
                cluster.context,
                f"name one of the file's contexts ({check})",
            )
        ]
    current = data.get("current-context")
    if isinstance(current, str) and current in names:
        return []
    message = "names no current-context" if not current else "its current-context is missing"
    return [
        SpecProblem(
            _FIELD,
            f"{message}, and kubernetes.cluster.context is not set",
            where,
            f"set kubernetes.cluster.context to one of the file's contexts ({check})",
        )
    ]


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)


def _is_kubeconfig(data: Any) -> bool:
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("clusters"), list)
        and isinstance(data.get("contexts"), list)
    )
