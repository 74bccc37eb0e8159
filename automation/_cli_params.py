"""The command line's shared arguments and options (Typer `Annotated` types), and spec loading.

Every command module uses these, so a flag means the same thing (and reads the same
environment variable) wherever it appears.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from automation._exit_codes import ExitCode

if TYPE_CHECKING:
    from infra.spec import DeploymentSpec, SpecError

SpecFiles = Annotated[
    list[Path],
    typer.Argument(
        help="Tenant spec files (YAML), or a stack's Pulumi.<stack>.yaml.",
        exists=True,
        dir_okay=False,
        readable=True,
        metavar="SPEC...",
    ),
]
OptionalSpec = Annotated[
    Path | None,
    typer.Argument(help="Tenant spec file.", exists=True, dir_okay=False, metavar="[SPEC]"),
]
TenantOption = Annotated[
    str | None, typer.Option(help="Tenant id (instead of a file).", metavar="ID")
]
EnvOption = Annotated[str | None, typer.Option(help="Environment, with --tenant.", metavar="ENV")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object per line.")]
EventsFlag = Annotated[
    bool,
    typer.Option("--events", help='With --json: also print each engine event ("kind": "event").'),
]
YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
ParallelOption = Annotated[
    int, typer.Option("--parallel", "-p", min=1, metavar="N", help="Tenants processed at once.")
]
WaitOption = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        metavar="SECONDS",
        help="Seconds to wait for a busy stack; 0 fails fast with exit code 4.",
        envvar="JOCKEY_WAIT_SECONDS",
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=1,
        metavar="SECONDS",
        help="Deadline per tenant: the engine is interrupted, then killed after 20 s.",
        envvar="JOCKEY_TIMEOUT_SECONDS",
    ),
]
BrokerOption = Annotated[
    str | None,
    typer.Option(
        "--broker",
        metavar="URL",
        envvar="JOCKEY_BROKER_URL",
        help="Redis URL of the queue: `jockey worker`s run the operations (default: run here).",
    ),
]
RootOption = Annotated[
    Path | None,
    typer.Option(
        "--root",
        metavar="DIR",
        help="Folder every path in a spec must resolve inside (default: the spec's folder).",
        envvar="JOCKEY_SPEC_ROOT",
    ),
]
OutsideRootFlag = Annotated[
    bool,
    typer.Option(
        "--allow-outside-root",
        help="UNSAFE: let spec paths reach outside their root (trusted specs only).",
    ),
]


def err(message: str) -> None:
    """Print a line on stderr."""
    typer.echo(message, err=True)


def fail(message: str, code: int) -> NoReturn:
    """Print a message on stderr and exit with `code`."""
    err(message)
    raise typer.Exit(code)


def fail_with(error: BaseException) -> NoReturn:
    """Print a Jockey error cleanly and exit with its exit code."""
    fail(str(error), int(getattr(error, "exit_code", ExitCode.FAILED)))


def _is_stack_file(path: Path) -> bool:
    return path.name.startswith("Pulumi.") and path.suffix in (".yaml", ".yml")


def _load_one(
    file: Path, root: Path | None, allow_outside_root: bool
) -> DeploymentSpec | SpecError:
    from infra.spec import SpecError, load_spec_file, load_stack_file

    try:
        if _is_stack_file(file):
            return load_stack_file(file, allow_outside_root=allow_outside_root)
        return load_spec_file(file, root=root, allow_outside_root=allow_outside_root)
    except SpecError as error:
        return error


def load_specs(
    files: list[Path],
    *,
    root: Path | None = None,
    allow_outside_root: bool = False,
    one_per_stack: bool = True,
) -> list[DeploymentSpec]:
    """Load every file; on any invalid spec print one line per problem and exit 3.

    A `Pulumi.<stack>.yaml` is read as a stack: its `jockey:*` config is validated (secure
    values are never printed). What a valid spec allows but the operator should hear about
    (`spec_warnings`, paths let out by `--allow-outside-root`) is printed on stderr as
    `FILE: warning: ...` lines.
    """
    from infra.spec import OutsideRootWarning, SpecError, format_problems, spec_warnings

    specs: list[DeploymentSpec] = []
    failed = False
    for file in files:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OutsideRootWarning)
            loaded = _load_one(file, root, allow_outside_root)
        for warning in caught:
            if issubclass(warning.category, OutsideRootWarning):
                err(f"{file}: warning: {warning.message}")
            else:
                warnings.showwarning(
                    warning.message, warning.category, warning.filename, warning.lineno
                )
        if isinstance(loaded, SpecError):
            failed = True
            for line in format_problems(loaded):
                err(f"{file}: {line}")
            continue
        specs.append(loaded)
        for problem in spec_warnings(loaded):
            err(f"{file}: warning: {problem}")
    if failed:
        raise typer.Exit(ExitCode.INVALID_SPEC)
    stacks = [spec.stack_name for spec in specs]
    duplicates = sorted({stack for stack in stacks if stacks.count(stack) > 1})
    if duplicates and one_per_stack:  # an operation runs each stack once; validate may check both
        fail(f"the same tenant stack appears twice: {', '.join(duplicates)}", ExitCode.USAGE)
    return specs


__all__ = [
    "BrokerOption",
    "EnvOption",
    "EventsFlag",
    "JsonFlag",
    "OptionalSpec",
    "OutsideRootFlag",
    "ParallelOption",
    "RootOption",
    "SpecFiles",
    "TenantOption",
    "TimeoutOption",
    "WaitOption",
    "YesFlag",
    "err",
    "fail",
    "fail_with",
    "load_specs",
]
