"""The `jockey` command line.

Exit codes: 0 ok, 1 an operation failed, 2 usage error, 3 invalid spec, 4 stack busy.
Engine modules are imported inside the commands that need them, so `jockey --help`,
`jockey validate`, `jockey schema` and `jockey dockerfile` start fast.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from automation._results import Operation, OperationResult
    from infra.spec import DeploymentSpec

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INVALID_SPEC, EXIT_STACK_BUSY = 0, 1, 2, 3, 4

app = typer.Typer(
    name="jockey",
    help="Deploy AI-agent HTTP services for many tenants on AWS Lambda and Kubernetes.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SpecFiles = Annotated[
    list[Path],
    typer.Argument(help="Tenant spec files (YAML).", exists=True, dir_okay=False, readable=True),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object per line.")]
YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
ParallelOption = Annotated[
    int, typer.Option("--parallel", "-p", min=1, help="Tenants processed at once.")
]
WaitOption = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        help="Seconds to wait for a busy stack; 0 fails fast with exit code 4.",
        envvar="JOCKEY_WAIT_SECONDS",
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=1,
        help="Deadline in seconds per tenant: the engine is interrupted, then killed.",
        envvar="JOCKEY_TIMEOUT_SECONDS",
    ),
]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str, code: int) -> NoReturn:
    _err(message)
    raise typer.Exit(code)


def _version_callback(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"jockey {version('jockey')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """Jockey: tenants as Pulumi stacks."""


def _load_specs(files: list[Path]) -> list[DeploymentSpec]:
    """Load every file; on any invalid spec print one line per problem and exit 3."""
    from infra.spec import SpecError, load_spec_file

    specs: list[DeploymentSpec] = []
    failed = False
    for file in files:
        try:
            specs.append(load_spec_file(file))
        except SpecError as error:
            failed = True
            for problem in error.problems:
                _err(f"{file}: {problem}")
    if failed:
        raise typer.Exit(EXIT_INVALID_SPEC)
    stacks = [spec.stack_name for spec in specs]
    duplicates = sorted({stack for stack in stacks if stacks.count(stack) > 1})
    if duplicates:
        _fail(f"the same tenant stack appears twice: {', '.join(duplicates)}", EXIT_USAGE)
    return specs


@app.command()
def validate(files: SpecFiles) -> None:
    """Check spec files (no engine, no credentials): one line per problem."""
    specs = _load_specs(files)
    for file, spec in zip(files, specs, strict=True):
        typer.echo(f"{file}: ok ({spec.stack_name})")


@app.command()
def schema() -> None:
    """Print the spec's JSON Schema (for editors)."""
    from infra.spec import spec_json_schema

    typer.echo(json.dumps(spec_json_schema(), indent=2))


@app.command()
def dockerfile(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Print the unified Dockerfile rendered from a spec's image build."""
    from infra.components.image._dockerfile import render_dockerfile

    (spec,) = _load_specs([file])
    if spec.agent.image.build is None:
        _fail(
            f"{file}: agent.image: a prebuilt ref has no Dockerfile — "
            "set agent.image.build to build one",
            EXIT_USAGE,
        )
    typer.echo(render_dockerfile(spec.agent, spec.agent.image.build), nl=False)


def _exit_code_for(error: BaseException) -> int:
    from automation._errors import JockeyError

    return getattr(error, "exit_code", EXIT_FAILED) if isinstance(error, JockeyError) else 1


def _run_operation(
    operation: Operation,
    specs: list[DeploymentSpec],
    *,
    as_json: bool,
    parallel: int,
    wait: float,
    timeout: float | None,
    markdown: Path | None = None,
    change_set: Path | None = None,
    show_outputs: bool = False,
) -> None:
    from rich.console import Console

    from automation._api import run_many
    from automation._errors import JockeyError
    from automation._fanout import FanOut
    from automation._progress import LiveProgress, print_json_line

    console = Console(stderr=True)
    live = not as_json and console.is_terminal
    progress = LiveProgress(console, [spec.stack_name for spec in specs])
    collected: dict[str, list[Any]] = {spec.stack_name: [] for spec in specs}

    wants_report = markdown is not None or change_set is not None

    def on_event(event: Any) -> None:
        if wants_report:
            collected[event.stack].append(event.engine_event)
        if live:
            progress.on_event(event)

    needs_events = live or wants_report
    fanout = FanOut(parallel, on_event if needs_events else None)
    previous = {
        sig: signal.signal(sig, lambda *_: fanout.cancel())
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    results: list[OperationResult] = []
    try:
        stream = run_many(
            operation, specs, wait_seconds=wait, timeout_seconds=timeout, fanout=fanout
        )
        if live:
            with progress.running():
                for result in stream:
                    progress.on_result(result)
                    results.append(result)
        else:
            for result in stream:
                results.append(result)
                if as_json:
                    print_json_line(result.to_json())
                else:
                    _print_result(console, result)
    except JockeyError as error:
        _fail(str(error), _exit_code_for(error))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    if wants_report:
        _write_reports(markdown, change_set, specs, results, collected, show_outputs)
    if live:
        for result in results:
            if not result.ok:
                _err(f"{result.stack}: {result.error}")
    if all(result.ok for result in results):
        return
    failed = [result for result in results if not result.ok]
    code = EXIT_STACK_BUSY if all(result.busy for result in failed) else EXIT_FAILED
    raise typer.Exit(code)


def _print_result(console: Any, result: OperationResult) -> None:
    counts = result.changes
    status = "ok" if result.ok else ("cancelled" if result.cancelled else "failed")
    console.print(
        f"{result.stack}: {result.operation.value} {status} — create {counts.create}, "
        f"update {counts.update}, replace {counts.replace}, delete {counts.delete}, "
        f"same {counts.same} ({result.duration_seconds:.1f}s)",
        highlight=False,
    )
    for action in result.repaired:
        console.print(f"  repaired: {action}", highlight=False)
    if result.error:
        console.print(f"  error: {result.error}", highlight=False, markup=False)


def _write_reports(
    markdown: Path | None,
    change_set: Path | None,
    specs: list[DeploymentSpec],
    results: list[OperationResult],
    events: dict[str, list[Any]],
    show_outputs: bool,
) -> None:
    from automation._report import change_set_json, render_markdown, tenant_preview_from_events

    by_stack = {result.stack: result for result in results}
    previews = []
    for spec in specs:
        result = by_stack.get(spec.stack_name)
        previews.append(
            tenant_preview_from_events(
                spec.tenant.id,
                spec.tenant.environment.value,
                spec.stack_name,
                events[spec.stack_name],
                ok=result.ok if result else False,
                error=(result.error if result else "did not run"),
            )
        )
    if markdown is not None:
        markdown.write_text(render_markdown(previews, show_outputs=show_outputs))
        _err(f"preview report written to {markdown}")
    if change_set is not None:
        payload = change_set_json(previews, show_outputs=show_outputs)
        change_set.write_text(json.dumps(payload, indent=2) + "\n")
        _err(f"change set written to {change_set}")


def _confirm(verb: str, stacks: list[str], yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        _fail(f"refusing to {verb} without confirmation: pass --yes", EXIT_USAGE)
    typer.confirm(f"{verb} {len(stacks)} tenant stack(s): {', '.join(stacks)}?", abort=True)


@app.command()
def preview(
    files: SpecFiles,
    as_json: JsonFlag = False,
    parallel: ParallelOption = 1,
    wait: WaitOption = 300.0,
    timeout: TimeoutOption = None,
    markdown: Annotated[
        Path | None,
        typer.Option("--markdown", help="Write a pull-request Markdown report to this file."),
    ] = None,
    change_set: Annotated[
        Path | None,
        typer.Option("--change-set", help="Write the JSON change set to this file."),
    ] = None,
    show_outputs: Annotated[
        bool, typer.Option("--show-outputs", help="Include stack outputs in the reports.")
    ] = False,
) -> None:
    """Preview each tenant's changes (property-level diffs with --markdown/--change-set)."""
    from automation._results import Operation

    specs = _load_specs(files)
    _run_operation(
        Operation.PREVIEW,
        specs,
        as_json=as_json,
        parallel=parallel,
        wait=wait,
        timeout=timeout,
        markdown=markdown,
        change_set=change_set,
        show_outputs=show_outputs,
    )


@app.command()
def up(
    files: SpecFiles,
    as_json: JsonFlag = False,
    yes: YesFlag = False,
    parallel: ParallelOption = 1,
    wait: WaitOption = 300.0,
    timeout: TimeoutOption = None,
) -> None:
    """Deploy each tenant (asks first unless --yes)."""
    from automation._results import Operation

    specs = _load_specs(files)
    _confirm("deploy", [spec.stack_name for spec in specs], yes)
    _run_operation(
        Operation.UP, specs, as_json=as_json, parallel=parallel, wait=wait, timeout=timeout
    )


@app.command()
def refresh(
    files: SpecFiles,
    as_json: JsonFlag = False,
    parallel: ParallelOption = 1,
    wait: WaitOption = 300.0,
    timeout: TimeoutOption = None,
) -> None:
    """Refresh each tenant's state from its providers."""
    from automation._results import Operation

    specs = _load_specs(files)
    _run_operation(
        Operation.REFRESH, specs, as_json=as_json, parallel=parallel, wait=wait, timeout=timeout
    )


@app.command()
def destroy(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Tenant spec files.", exists=True, dir_okay=False),
    ] = None,
    tenant: Annotated[str | None, typer.Option(help="Tenant id (instead of a file).")] = None,
    env: Annotated[str | None, typer.Option(help="Environment, with --tenant.")] = None,
    as_json: JsonFlag = False,
    yes: YesFlag = False,
    parallel: ParallelOption = 1,
    wait: WaitOption = 300.0,
    timeout: TimeoutOption = None,
) -> None:
    """Destroy every resource of each tenant's stack (asks first unless --yes)."""
    from automation._results import Operation

    if files and (tenant or env):
        _fail("pass spec files or --tenant/--env, not both", EXIT_USAGE)
    if not files:
        if not (tenant and env):
            _fail("destroy needs spec files, or both --tenant and --env", EXIT_USAGE)
        _destroy_by_name(tenant, env, as_json=as_json, yes=yes, wait=wait, timeout=timeout)
        return
    specs = _load_specs(files)
    _confirm("destroy", [spec.stack_name for spec in specs], yes)
    _run_operation(
        Operation.DESTROY, specs, as_json=as_json, parallel=parallel, wait=wait, timeout=timeout
    )


def _destroy_by_name(
    tenant: str, env: str, *, as_json: bool, yes: bool, wait: float, timeout: float | None
) -> None:
    from rich.console import Console

    from automation._api import destroy as destroy_stack
    from automation._errors import JockeyError
    from automation._progress import print_json_line

    _confirm("destroy", [f"{tenant}-{env}"], yes)
    try:
        result = destroy_stack(
            tenant=tenant, environment=env, wait_seconds=wait, timeout_seconds=timeout
        )
    except JockeyError as error:
        _fail(str(error), _exit_code_for(error))
    if as_json:
        print_json_line(result.to_json())
    else:
        _print_result(Console(stderr=True), result)
    if not result.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def render(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the manifests.")],
) -> None:
    """Write the tenant's Kubernetes manifests to a folder (no stack, no cluster)."""
    from automation._errors import JockeyError
    from automation._render import render as render_manifests

    (spec,) = _load_specs([file])
    try:
        result = render_manifests(spec, out)
    except JockeyError as error:
        _fail(str(error), _exit_code_for(error))
    if not result.ok:
        _fail(f"{spec.stack_name}: render failed: {result.error}", EXIT_FAILED)
    for manifest in sorted(out.rglob("*.yaml")):
        typer.echo(str(manifest))


def _stack_of(file: Path | None, tenant: str | None, env: str | None) -> tuple[str, str]:
    if file is not None:
        (spec,) = _load_specs([file])
        return spec.tenant.id, spec.tenant.environment.value
    if tenant and env:
        return tenant, env
    _fail("pass a spec file, or both --tenant and --env", EXIT_USAGE)


OptionalSpec = Annotated[
    Path | None, typer.Argument(help="Tenant spec file.", exists=True, dir_okay=False)
]
TenantOption = Annotated[str | None, typer.Option(help="Tenant id (instead of a file).")]
EnvOption = Annotated[str | None, typer.Option(help="Environment, with --tenant.")]


@app.command()
def outputs(file: OptionalSpec = None, tenant: TenantOption = None, env: EnvOption = None) -> None:
    """Print the stack's outputs as JSON (secrets shown as [secret])."""
    from automation._api import outputs as stack_outputs
    from automation._errors import JockeyError

    tenant_id, environment = _stack_of(file, tenant, env)
    try:
        values = stack_outputs(tenant_id, environment)
    except JockeyError as error:
        _fail(str(error), _exit_code_for(error))
    typer.echo(json.dumps(dict(values), indent=2, default=str))


@app.command()
def status(
    file: OptionalSpec = None,
    tenant: TenantOption = None,
    env: EnvOption = None,
) -> None:
    """Print the stack's status as JSON: resources, last operation, lease holder."""
    from automation._api import status as stack_status
    from automation._errors import JockeyError

    tenant_id, environment = _stack_of(file, tenant, env)
    try:
        report = stack_status(tenant_id, environment)
    except JockeyError as error:
        _fail(str(error), _exit_code_for(error))
    typer.echo(json.dumps(report.to_json(), indent=2))
    if not report.exists:
        raise typer.Exit(EXIT_FAILED)


@app.command("list")
def list_command(as_json: JsonFlag = False) -> None:
    """List the tenant stacks in the backend."""
    from automation._api import list_stacks
    from automation._errors import JockeyError
    from automation._progress import print_json_line

    try:
        stacks = list_stacks()
    except JockeyError as error:
        _fail(str(error), _exit_code_for(error))
    for summary in stacks:
        if as_json:
            print_json_line(summary.to_json())
        else:
            typer.echo(
                f"{summary.stack}\t{summary.resource_count or 0} resources\t"
                f"{summary.last_update or 'never updated'}"
            )


@app.command()
def doctor(as_json: JsonFlag = False) -> None:
    """Check the engine toolchain, plugins, backend and passphrase."""
    from automation._doctor import run_doctor

    report = run_doctor()
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        for check in report.checks:
            mark = "ok  " if check.ok else "FAIL"
            typer.echo(f"{mark} {check.name}: {check.detail}")
            if check.fix:
                typer.echo(f"     fix: {check.fix}")
        for plugin in report.plugins:
            typer.echo(f"     plugin {plugin['kind']} {plugin['name']} v{plugin['version']}")
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)


@app.command(
    "pulumi",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def pulumi_passthrough(ctx: typer.Context) -> None:
    """Run Jockey's Pulumi CLI (no PATH edits, no downloads): jockey pulumi preview --stack dev."""
    import subprocess

    from automation._errors import JockeyError
    from automation._toolchain import find_toolchain

    try:
        toolchain = find_toolchain()
    except JockeyError as error:
        _fail(str(error), _exit_code_for(error))
    done = subprocess.run([str(toolchain.pulumi), *ctx.args], env=toolchain.env(), check=False)
    raise typer.Exit(done.returncode)


def main() -> None:
    """Console-script entry point."""
    app()
