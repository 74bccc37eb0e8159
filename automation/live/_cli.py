"""`jockey status` and `jockey logs`: thin commands over `automation.live`.

Exit codes of `status`: 0 when every tenant is running (or rendered), 6 (`UNHEALTHY`) when
any is not (absent, pending, deploying, degraded or failed), 1 when a tenant's status could
not be read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from automation._cli_params import (
    JsonFlag,
    OutsideRootFlag,
    RootOption,
    SpecFiles,
    err,
    fail,
    fail_with,
    load_specs,
)
from automation._exit_codes import ExitCode

if TYPE_CHECKING:
    from automation.live._model import TenantStatus
    from infra.spec import DeploymentSpec

WatchFlag = Annotated[
    bool,
    typer.Option(
        "--watch",
        "-w",
        help="Stream each change (Kubernetes watch API) until every tenant is running or "
        "failed, or the timeout.",
    ),
]
KeepWatching = Annotated[
    bool,
    typer.Option(
        "--keep-watching",
        help="With --watch: go on after every tenant settled (until the timeout or Ctrl-C), "
        "e.g. to see the rollout an `up` is about to start.",
    ),
]
StopAfter = Annotated[
    float | None,
    typer.Option(
        "--timeout", min=1, metavar="SECONDS", help="Stop watching or following after this long."
    ),
]
RollbackFlag = Annotated[
    bool,
    typer.Option(
        "--rollback/--no-rollback",
        help="Roll a failed rollout back to the last good configuration (default), or leave it "
        "failed for debugging.",
    ),
]
_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """`90`, `90s`, `10m`, `2h`, `1d` as seconds.

    Raises:
        typer.BadParameter: not such a duration.
    """
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise typer.BadParameter(f"{text!r} is not a duration: write e.g. 30s, 10m, 2h or 1d")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def describe(status: TenantStatus) -> list[str]:
    """A tenant's status as text: one summary line, then the details that matter."""
    block = status.kubernetes
    ready = f"{block.replicas.ready}/{block.replicas.desired}" if block else "-"
    line = f"{status.stack}\t{status.phase.value}\tready {ready}"
    if block is not None:
        line += f"\trollout {block.rollout.value if block.rollout else '-'}"
        line += f"\trestarts {block.restarts}\t{block.image or '-'}"
    lines = [line]
    if block is not None:
        lines += [f"  not ready: {problem.describe()}" for problem in block.problems]
    if status.lambda_ is not None:
        fn = status.lambda_
        lines.append(
            f"  lambda {fn.function or '-'}: {fn.phase.value}, state {fn.state or '-'}, last "
            f"update {fn.last_update_status or '-'}, live version {fn.live_version or '-'}"
            + (f" ({fn.reason})" if fn.reason else "")
        )
    if status.last_operation is not None:
        last = status.last_operation
        lines.append(f"  last operation: {last.operation} {last.result} at {last.started}")
    return lines


def _print(status: TenantStatus, as_json: bool) -> None:
    from automation._progress import print_json_line

    if as_json:
        print_json_line(status.to_json())
    else:
        for line in describe(status):
            typer.echo(line)


def _exit_code(statuses: Iterable[TenantStatus], errors: int) -> ExitCode:
    if errors:
        return ExitCode.FAILED
    return ExitCode.OK if all(s.phase.healthy for s in statuses) else ExitCode.UNHEALTHY


def _watch(
    specs: list[DeploymentSpec], as_json: bool, timeout: float | None, until_settled: bool
) -> None:
    from automation._errors import JockeyError
    from automation.live._watch import watch

    latest: dict[str, TenantStatus] = {}
    try:
        with watch(specs, timeout_seconds=timeout, until_settled=until_settled) as changes:
            if as_json or not _is_terminal():
                for status in changes:
                    latest[status.stack] = status
                    _print(status, as_json)
            else:
                _live_table(changes, latest)
    except JockeyError as error:
        fail_with(error)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    raise typer.Exit(_exit_code(latest.values(), 0))


def _is_terminal() -> bool:
    import sys

    return sys.stdout.isatty()


def _live_table(changes: Iterable[TenantStatus], latest: dict[str, TenantStatus]) -> None:
    from rich.live import Live
    from rich.table import Table

    def table() -> Table:
        grid = Table("stack", "phase", "ready", "updated", "rollout", "restarts", "not ready")
        for status in latest.values():
            block = status.kubernetes
            grid.add_row(
                status.stack,
                status.phase.value,
                f"{block.replicas.ready}/{block.replicas.desired}" if block else "-",
                str(block.replicas.updated) if block else "-",
                block.rollout.value if block and block.rollout else "-",
                str(block.restarts) if block else "-",
                "; ".join(p.describe() for p in block.problems[:2]) if block else "",
            )
        return grid

    with Live(table(), auto_refresh=False) as live:
        for status in changes:
            latest[status.stack] = status
            live.update(table(), refresh=True)


def status(
    files: SpecFiles,
    as_json: JsonFlag = False,
    watch: WatchFlag = False,
    keep_watching: KeepWatching = False,
    timeout: StopAfter = None,
    root: RootOption = None,
    outside_root: OutsideRootFlag = False,
) -> None:
    """Each tenant's live phase (exit 6 unless all are running).

    Deployment replicas, rollout, restarts, not-ready reasons, the Lambda function and the
    last operation.
    """
    from automation._errors import JockeyError
    from automation.live._status import status as tenant_status

    specs = load_specs(files, root=root, allow_outside_root=outside_root)
    if watch:
        _watch(specs, as_json, timeout, until_settled=not keep_watching)
        return
    statuses: list[TenantStatus] = []
    errors = 0
    for spec in specs:
        try:
            current = tenant_status(spec)
        except JockeyError as error:
            errors += 1
            err(str(error))
            continue
        statuses.append(current)
        _print(current, as_json)
    raise typer.Exit(_exit_code(statuses, errors))


def logs(
    file: Annotated[
        Path, typer.Argument(help="Tenant spec file.", exists=True, dir_okay=False, metavar="SPEC")
    ],
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep streaming, new pods included.")
    ] = False,
    since: Annotated[
        str | None,
        typer.Option("--since", metavar="DURATION", help="Only lines of the last 30s, 10m, 2h."),
    ] = None,
    tail: Annotated[
        int | None, typer.Option("--tail", min=0, metavar="N", help="Last N lines of each pod.")
    ] = None,
    as_json: JsonFlag = False,
    timeout: StopAfter = None,
    root: RootOption = None,
    outside_root: OutsideRootFlag = False,
) -> None:
    """Print the agent's logs: every pod (lines prefixed by pod name) and the Lambda function."""
    from automation._errors import JockeyError
    from automation._progress import print_json_line
    from automation.live._logs import logs as agent_logs

    seconds = parse_duration(since) if since else None
    (spec,) = load_specs([file], root=root, allow_outside_root=outside_root)
    if not spec.kubernetes.enabled and not spec.lambda_.enabled:
        fail(f"{file}: the tenant has neither target enabled: no logs", ExitCode.USAGE)
    try:
        with agent_logs(
            spec, follow=follow, since_seconds=seconds, tail=tail, timeout_seconds=timeout
        ) as lines:
            for line in lines:
                if as_json:
                    print_json_line(line.to_json())
                else:
                    typer.echo(line.render())
    except JockeyError as error:
        fail_with(error)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def register_live_commands(app: typer.Typer) -> None:
    """Add `status` and `logs` to the `jockey` app."""
    app.command()(status)
    app.command()(logs)


__all__ = ["RollbackFlag", "describe", "parse_duration", "register_live_commands"]
