"""`jockey` commands that read a tenant's stack or the toolchain.

Outputs, list, doctor, and the Pulumi CLI passthrough (`status` is live: `automation.live._cli`).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from automation._cli_params import (
    EnvOption,
    JsonFlag,
    OptionalSpec,
    TenantOption,
    fail,
    fail_with,
    load_specs,
)
from automation._exit_codes import ExitCode


def register_stack_commands(app: typer.Typer) -> None:
    """Add the stack commands to the `jockey` app."""
    for command, name in (
        (outputs, None),
        (list_command, "list"),
        (doctor, None),
    ):
        app.command(name)(command)
    app.command(
        "pulumi", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )(pulumi_passthrough)


def _stack_of(file: Path | None, tenant: str | None, env: str | None) -> tuple[str, str]:
    if file is not None:
        (spec,) = load_specs([file])
        return spec.tenant.id, spec.tenant.environment.value
    if tenant and env:
        return tenant, env
    fail("pass a spec file, or both --tenant and --env", ExitCode.USAGE)


def outputs(file: OptionalSpec = None, tenant: TenantOption = None, env: EnvOption = None) -> None:
    """Print the stack's outputs as JSON (secret values shown as [secret])."""
    from automation._api import outputs as stack_outputs
    from automation._errors import JockeyError

    tenant_id, environment = _stack_of(file, tenant, env)
    try:
        values = stack_outputs(tenant_id, environment)
    except JockeyError as error:
        fail_with(error)
    typer.echo(json.dumps(dict(values), indent=2, default=str))


def list_command(as_json: JsonFlag = False) -> None:
    """List the tenant stacks in the backend."""
    from automation._api import list_stacks
    from automation._errors import JockeyError
    from automation._progress import print_json_line

    try:
        stacks = list_stacks()
    except JockeyError as error:
        fail_with(error)
    for summary in stacks:
        if as_json:
            print_json_line(summary.to_json())
        else:
            typer.echo(
                f"{summary.stack}\t{summary.resource_count or 0} resources\t"
                f"{summary.last_update or 'never updated'}"
            )


def doctor(as_json: JsonFlag = False) -> None:
    """Check the engine toolchain, plugins, backend and passphrase."""
    from automation._doctor import print_doctor_report, run_doctor

    report = run_doctor()
    print_doctor_report(report, as_json=as_json)
    if not report.ok:
        raise typer.Exit(ExitCode.FAILED)


def pulumi_passthrough(ctx: typer.Context) -> None:
    """Run Jockey's Pulumi CLI (no PATH edits, no downloads): jockey pulumi preview --stack dev."""
    import subprocess

    from automation._errors import JockeyError
    from automation._toolchain import find_toolchain

    try:
        toolchain = find_toolchain()
    except JockeyError as error:
        fail_with(error)
    done = subprocess.run([str(toolchain.pulumi), *ctx.args], env=toolchain.env(), check=False)
    raise typer.Exit(done.returncode)
