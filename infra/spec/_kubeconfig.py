"""What can be checked offline about a spec's kubeconfig.

It exists, parses, has the context, and cannot act on this machine beyond reaching its
cluster.

A kubeconfig that comes with a spec is as untrusted as the spec: `users[].user.exec` and
`auth-provider` run commands on the machine during `up`, and a certificate, key or token
file named in it could be any file here. Those are refused unless the kubeconfig is one the
operator's own `KUBECONFIG` lists (it is theirs, so it is trusted) or the operator let
paths outside the root through (`allow_outside_root`, which warns instead).

Nothing read from the file is ever shown in a problem: only the spec's own values (the
file's path, the context's name), where in the file a parse failed, and the index of the
entry (`users[0].user.exec`) that is refused.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from infra.spec._confine import OutsideRootWarning, operator_kubeconfigs
from infra.spec._errors import SpecProblem
from infra.spec._models import ClusterSpec
from infra.spec._yaml import FileRefusedError, parse_yaml_limited, read_text_limited

_FIELD = "kubernetes.cluster.kubeconfig"
_CONTEXT_FIELD = "kubernetes.cluster.context"
_READABLE = "point kubeconfig at a readable kubeconfig file (YAML with clusters and contexts)"
_COMMANDS = ("exec", "auth-provider")
"""User entries that run a command (or a plugin that may run one) on this machine."""
_CLUSTER_FILES = ("certificate-authority",)
_USER_FILES = ("client-certificate", "client-key", "tokenFile")
_TRUST = (
    "a kubeconfig that comes with a spec may not run commands: use a token or a client "
    "certificate (inline, or in files inside the spec's folder); for EKS, GKE or OIDC logins "
    "keep the kubeconfig out of the spec and list it in the operator's KUBECONFIG, which is "
    "trusted (or --allow-outside-root for a trusted spec)"
)
_FILES_FIX = (
    "keep the file inside the spec's folder (relative to the kubeconfig), or inline it as "
    "*-data; or list this kubeconfig in the operator's KUBECONFIG, which is trusted "
    "(or --allow-outside-root for a trusted spec)"
)


def kubeconfig_problems(
    cluster: ClusterSpec,
    *,
    root: Path | None = None,
    environ: Mapping[str, str] | None = None,
    allow_outside_root: bool = False,
) -> list[SpecProblem]:
    """The problems of a resolved spec's `kubeconfig` (none when it names no file).

    Args:
        cluster: the spec's `kubernetes.cluster`, its kubeconfig path absolute.
        root: the spec's resolved root: files the kubeconfig names must resolve inside it
            (by default, the kubeconfig's own folder).
        environ: the operator's environment: a kubeconfig its `KUBECONFIG` lists is the
            operator's own and trusted (nothing in it is refused).
        allow_outside_root: the operator's opt-out: commands and outside files are let
            through, each with an `OutsideRootWarning`.

    Returns:
        The file is missing, unreadable or not a kubeconfig (one problem); else one problem
        per user entry that runs a command and per file it names outside the root, then
        one if it lacks the context the spec names (or, with none named, its
        current-context).
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
    problems: list[SpecProblem] = []
    if path not in operator_kubeconfigs(environ or {}):
        problems = _untrusted_problems(
            data, path, path.parent if root is None else root, allow_outside_root
        )
    return [*problems, *_context_problems(data, cluster, where, check)]


def _untrusted_problems(
    data: Mapping[str, Any], path: Path, root: Path, allow_outside_root: bool
) -> list[SpecProblem]:
    """Commands and outside files in a kubeconfig that came with a spec."""
    found: list[tuple[str, str]] = []
    for entry, user in _entries(data, "users", "user"):
        found.extend(
            (f"its {entry}.{key} runs a command on this machine during up", _TRUST)
            for key in _COMMANDS
            if key in user
        )
    for entries, body, keys in (
        ("clusters", "cluster", _CLUSTER_FILES),
        ("users", "user", _USER_FILES),
    ):
        for entry, item in _entries(data, entries, body):
            for key in keys:
                named = item.get(key)
                if isinstance(named, str) and named and not _inside(path.parent, named, root):
                    found.append(
                        (
                            f"its {entry}.{key} names a file outside the spec's root {root}",
                            _FILES_FIX,
                        )
                    )
    if allow_outside_root:
        for message, _ in found:
            warnings.warn(
                f"{_FIELD} ({path}): {message}: let through because outside paths are allowed "
                "(--allow-outside-root)",
                OutsideRootWarning,
                stacklevel=3,
            )
        return []
    return [SpecProblem(_FIELD, message, str(path), fix) for message, fix in found]


def _entries(
    data: Mapping[str, Any], entries: str, body: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """`(users[0].user, {...})` for each well-formed entry of a kubeconfig list."""
    items = data.get(entries)
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        inner = item.get(body) if isinstance(item, Mapping) else None
        if isinstance(inner, Mapping):
            yield f"{entries}[{index}].{body}", inner


def _inside(folder: Path, named: str, root: Path) -> bool:
    """Whether a file a kubeconfig names resolves inside `root`, symlinks followed.

    The name is relative to the kubeconfig's folder, as kubectl reads it.
    """
    try:
        return (folder / named).resolve().is_relative_to(root)
    except (OSError, RuntimeError, ValueError):  # a NUL byte, a symlink loop
        return False


def _context_problems(
    data: Mapping[str, Any], cluster: ClusterSpec, where: str, check: str
) -> list[SpecProblem]:
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
