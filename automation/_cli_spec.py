"""`jockey` commands on spec files themselves: validate, schema, dockerfile, render."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from automation._cli_params import (
    OutsideRootFlag,
    RootOption,
    SpecFiles,
    fail,
    fail_with,
    load_specs,
)
from automation._exit_codes import ExitCode


def register_spec_commands(app: typer.Typer) -> None:
    """Add the spec commands to the `jockey` app."""
    for command in (validate, schema, dockerfile, render):
        app.command()(command)


def validate(
    files: SpecFiles, root: RootOption = None, outside_root: OutsideRootFlag = False
) -> None:
    """Check specs or stack files (no engine, no credentials): one line per problem."""
    specs = load_specs(files, root=root, allow_outside_root=outside_root, one_per_stack=False)
    for file, spec in zip(files, specs, strict=True):
        typer.echo(f"{file}: ok ({spec.stack_name})")


def schema() -> None:
    """Print the spec's JSON Schema (for editors)."""
    from infra.spec import spec_json_schema

    typer.echo(json.dumps(spec_json_schema(), indent=2))


def dockerfile(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Print the unified Dockerfile rendered from a spec's image build."""
    from infra.components.image import render_dockerfile

    (spec,) = load_specs([file])
    if spec.agent.image.build is None:
        fail(
            f"{file}: agent.image: a prebuilt ref has no Dockerfile — "
            "set agent.image.build to build one",
            ExitCode.USAGE,
        )
    typer.echo(render_dockerfile(spec.agent, spec.agent.image.build), nl=False)


def render(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, metavar="SPEC")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="New or empty folder (or a previous render of this tenant) for the manifests.",
        ),
    ],
    root: RootOption = None,
    outside_root: OutsideRootFlag = False,
) -> None:
    """Write the tenant's Kubernetes manifests to a folder (no stack, no cluster)."""
    from automation._errors import JockeyError
    from automation._render import render as render_manifests

    (spec,) = load_specs([file], root=root, allow_outside_root=outside_root)
    try:
        result = render_manifests(spec, out)
    except JockeyError as error:
        fail_with(error)
    if not result.ok:
        fail(f"{spec.stack_name}: render failed: {result.error}", ExitCode.FAILED)
    for manifest in sorted(out.rglob("*.yaml")):
        typer.echo(str(manifest))
