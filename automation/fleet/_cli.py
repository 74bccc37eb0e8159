"""`jockey sync` and `jockey drift`: the fleet commands (a thin front over `automation.fleet`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from automation._cli_params import (
    BrokerOption,
    JsonFlag,
    OutsideRootFlag,
    ParallelOption,
    RootOption,
    TimeoutOption,
    WaitOption,
    YesFlag,
    err,
    fail,
    fail_with,
)
from automation._exit_codes import ExitCode

if TYPE_CHECKING:
    from automation.fleet._drift import DriftResult
    from automation.fleet._plan import FleetPlan
    from automation.fleet._runner import TenantRunner
    from automation.fleet._specs import SpecFile
    from automation.fleet._sync import SyncReport, TenantSync

SpecPaths = Annotated[
    list[Path],
    typer.Argument(
        help="Tenant spec files, or folders: every *.yaml below them with a `tenant:` section.",
        exists=True,
        readable=True,
        metavar="PATH...",
    ),
]
MarkdownOption = Annotated[
    Path | None,
    typer.Option("--markdown", metavar="FILE", help="Write the Markdown report."),
]
ChangeSetOption = Annotated[
    Path | None,
    typer.Option("--change-set", metavar="FILE", help="Write the JSON change set."),
]


def register_fleet_commands(app: typer.Typer) -> None:
    """Add `sync`, `drift` and `report` to the `jockey` app."""
    app.command("sync")(sync_command)
    app.command("drift")(drift_command)
    app.command("report")(report_command)


def _shard(value: str | None) -> tuple[int, int] | None:
    from automation.fleet._plan import parse_shard

    if value is None:
        return None
    try:
        return parse_shard(value)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _load(paths: list[Path], root: Path | None, outside_root: bool) -> list[SpecFile]:
    from automation._errors import InvalidSpecError
    from automation.fleet._specs import load_spec_files

    try:
        return load_spec_files(paths, root=root, allow_outside_root=outside_root)
    except InvalidSpecError as error:
        fail_with(error)


def _runner(parallel: int, running_word: str, broker: str | None) -> TenantRunner:
    from automation._errors import JockeyError
    from automation.fleet._runner import fleet_runner

    def on_interrupt(count: int) -> None:
        if count == 1:
            err(
                f"interrupted: letting the running {running_word} finish and starting no more "
                "(interrupt again to cancel them)"
            )
        else:
            err(f"interrupted again: cancelling the running {running_word}")

    try:
        return fleet_runner(parallel, on_interrupt=on_interrupt, broker_url=broker)
    except JockeyError as error:
        fail_with(error)


def _print_plan(plan: FleetPlan, *, preview: bool, prune: bool) -> None:
    from automation.fleet._plan import SyncPlan

    counts = plan.counts()
    err("plan: " + ", ".join(f"{counts[p.value]} {p.value}" for p in SyncPlan))
    for tenant in plan.tenants:
        if tenant.plan is SyncPlan.UNCHANGED:
            continue
        action = {
            SyncPlan.CREATE: "preview" if preview else "up",
            SyncPlan.UPDATE: "preview" if preview else "up",
            SyncPlan.ORPHAN: "preview destroy" if preview else ("destroy" if prune else "keep"),
        }[tenant.plan]
        err(f"  {tenant.plan.value:<7} {tenant.stack} → {action} ({tenant.reason})")


def _confirm_sync(plan: FleetPlan, *, prune: bool, yes: bool) -> None:
    from automation.fleet._plan import SyncPlan

    changing = plan.of(SyncPlan.CREATE) + plan.of(SyncPlan.UPDATE)
    pruning = plan.of(SyncPlan.ORPHAN) if prune else []
    if yes or not (changing or pruning):
        return
    if not sys.stdin.isatty():
        fail("refusing to sync without confirmation: pass --yes", ExitCode.USAGE)
    what = f"deploy {len(changing)} tenant(s)"
    if pruning:
        what += f" and DESTROY {len(pruning)} orphan(s): {', '.join(t.stack for t in pruning)}"
    typer.confirm(f"sync: {what}?", abort=True)


def _print_tenant(part: TenantSync, as_json: bool) -> None:
    from automation._progress import print_json_line
    from automation.fleet._sync import SyncOutcome

    if as_json:
        print_json_line(part.to_json())
        return
    plan, result = part.plan, part.result
    if result is None:
        kept = " (kept: pass --prune to destroy it)" if plan.plan.value == "orphan" else ""
        err(f"{plan.stack}: {plan.plan.value}, nothing to do{kept}")
        return
    if part.outcome is SyncOutcome.UNTOUCHED:
        err(f"{plan.stack}: {plan.plan.value}, untouched (interrupted before its turn)")
        return
    counts = result.changes
    status = {SyncOutcome.DONE: "ok", SyncOutcome.CANCELLED: "cancelled"}.get(
        part.outcome, "failed"
    )
    err(
        f"{plan.stack}: {plan.plan.value} → {result.operation.value} {status} — create "
        f"{counts.create}, update {counts.update}, replace {counts.replace}, delete "
        f"{counts.delete}{', stack removed' if part.pruned else ''} "
        f"({result.duration_seconds:.1f}s)"
    )
    if result.error:
        err(f"  error: {result.error}")


def _finish_sync(report: SyncReport, as_json: bool) -> None:
    from automation._progress import print_json_line
    from automation.fleet._sync import SyncOutcome

    summary = report.summary()
    if as_json:
        print_json_line(summary)
    else:
        counts = ", ".join(f"{summary[k]} {k}" for k in ("create", "update", "unchanged", "orphan"))
        err(f"sync: {counts}; {summary['pruned']} pruned, {summary['failed']} failed")
    if report.interrupted:
        done = summary["done"]
        err(
            f"sync interrupted: done: {', '.join(done) or 'none'}; untouched: "
            f"{', '.join(summary['untouched']) or 'none'}"
        )
    failed = report.with_outcome(SyncOutcome.FAILED) + report.with_outcome(SyncOutcome.CANCELLED)
    if failed and all(part.result and part.result.busy for part in failed):
        raise typer.Exit(ExitCode.STACK_BUSY)
    if failed or report.interrupted:
        raise typer.Exit(ExitCode.FAILED)


def sync_command(
    paths: SpecPaths,
    prune: Annotated[
        bool, typer.Option("--prune", help="Destroy orphans (stacks without a spec), remove them.")
    ] = False,
    allow_prod: Annotated[
        bool, typer.Option("--allow-prod", help="With --prune: production orphans too.")
    ] = False,
    preview: Annotated[
        bool,
        typer.Option("--preview", help="Preview everything instead (orphans as destroys)."),
    ] = False,
    run_all: Annotated[
        bool, typer.Option("--all", help="Run unchanged tenants too (ignore fingerprints).")
    ] = False,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="I/N",
            help="Only this shard of the fleet (tenants assigned by stack name), e.g. for a "
            "job matrix; merge the shards' --change-set files with `jockey report`.",
        ),
    ] = None,
    parallel: ParallelOption = 1,
    yes: YesFlag = False,
    as_json: JsonFlag = False,
    markdown: MarkdownOption = None,
    change_set: ChangeSetOption = None,
    wait: WaitOption = 300.0,
    timeout: TimeoutOption = None,
    root: RootOption = None,
    outside_root: OutsideRootFlag = False,
    broker: BrokerOption = None,
) -> None:
    """Make the backend follow the spec files: create, update, skip unchanged, list orphans.

    Orphans (tenant stacks without a spec) are kept unless --prune. The first Ctrl-C lets
    running tenants finish and starts no more; the summary says which are done and which
    untouched. With a broker the plan is read here and the operations run on the workers.
    """
    from automation._cancel import cancel_on_signals
    from automation._errors import JockeyError
    from automation.fleet._plan import check_prune
    from automation.fleet._reports import sync_change_set, sync_markdown, write_report
    from automation.fleet._sync import plan_sync, run_sync

    files = _load(paths, root, outside_root)
    runner = _runner(parallel, "tenants", broker)
    try:
        plan = plan_sync(files, run_all=run_all, shard=_shard(shard))
        if prune and not preview:
            check_prune(plan, allow_prod=allow_prod)
    except JockeyError as error:
        fail_with(error)
    if not as_json:
        _print_plan(plan, preview=preview, prune=prune)
    if not preview:
        _confirm_sync(plan, prune=prune, yes=yes)
    with cancel_on_signals(runner):
        report = run_sync(
            plan,
            preview=preview,
            prune=prune,
            allow_prod=allow_prod,
            runner=runner,
            on_tenant=lambda part: _print_tenant(part, as_json),
            wait_seconds=wait,
            timeout_seconds=timeout,
        )
    if markdown is not None:
        err(f"report written to {write_report(markdown, sync_markdown(report))}")
    if change_set is not None:
        err(f"report written to {write_report(change_set, sync_change_set(report))}")
    _finish_sync(report, as_json)


def _print_drift(result: DriftResult, as_json: bool) -> None:
    from automation._progress import print_json_line
    from automation._report import display_value

    if as_json:
        print_json_line(result.to_json())
        return
    line = f"{result.stack}: {result.state.value}"
    if result.reason:
        line += f" ({result.reason.splitlines()[0]})"
    elif result.resources:
        line += f" ({len(result.resources)} resource(s))"
    err(line)
    for resource in result.resources:
        missing = " (missing live: up creates it)" if resource.op == "create" else ""
        err(f"  {resource.op} {resource.type} {resource.name}{missing}")
        for change in resource.properties:
            live, spec = display_value(change.old, 80), display_value(change.new, 80)
            err(f"    {change.path}: live {live}, spec {spec}")
    if result.remediation is not None:
        fix = result.remediation
        counts = fix.changes
        outcome = "put back" if fix.ok else f"remediation failed: {fix.error}"
        err(
            f"  {outcome} (created {counts.create}, updated {counts.update}, replaced "
            f"{counts.replace}, deleted {counts.delete})"
        )


def drift_command(
    paths: SpecPaths,
    as_json: JsonFlag = False,
    markdown: MarkdownOption = None,
    change_set: ChangeSetOption = None,
    remediate: Annotated[
        bool,
        typer.Option("--remediate", help="Run `up` on drifted tenants to put them back."),
    ] = False,
    parallel: ParallelOption = 1,
    wait: WaitOption = 300.0,
    timeout: TimeoutOption = None,
    root: RootOption = None,
    outside_root: OutsideRootFlag = False,
    broker: BrokerOption = None,
) -> None:
    """Check live resources against the specs (state unchanged). Exit 0 none, 5 drift, 1 error.

    Render-mode tenants are `not-applicable`. With --remediate, drifted tenants are put back
    by `up` and the exit code is 0 when every one of them was.
    """
    from automation._cancel import cancel_on_signals
    from automation._errors import JockeyError
    from automation._progress import print_json_line
    from automation.fleet._drift import DriftState, drift_exit_code, drift_many
    from automation.fleet._reports import drift_change_set, drift_markdown, write_report

    files = _load(paths, root, outside_root)
    runner = _runner(parallel, "checks", broker)
    try:
        with cancel_on_signals(runner):
            results = drift_many(
                [item.spec for item in files],
                remediate=remediate,
                runner=runner,
                on_result=lambda result: _print_drift(result, as_json),
                wait_seconds=wait,
                timeout_seconds=timeout,
            )
    except JockeyError as error:
        fail_with(error)
    if markdown is not None:
        err(f"report written to {write_report(markdown, drift_markdown(results))}")
    if change_set is not None:
        err(f"report written to {write_report(change_set, drift_change_set(results))}")
    counts = {state.value: sum(r.state is state for r in results) for state in DriftState}
    remediated = sum(result.remediated for result in results)
    if as_json:
        print_json_line({"kind": "summary", **counts, "remediated": remediated})
    else:
        err("drift: " + ", ".join(f"{n} {state}" for state, n in counts.items()))
    raise typer.Exit(drift_exit_code(results))


def report_command(
    change_sets: Annotated[
        list[Path],
        typer.Argument(
            help="JSON change sets (from --change-set).",
            exists=True,
            dir_okay=False,
            readable=True,
            metavar="CHANGE_SET...",
        ),
    ],
    markdown: MarkdownOption = None,
    change_set: ChangeSetOption = None,
) -> None:
    """Merge change sets (e.g. the shards of a sharded preview) into one report.

    The Markdown stays under GitHub's comment limit (64,000 characters): the largest
    sections are trimmed first, never the summary table.
    """
    import json

    from automation.fleet._reports import merge_change_sets, write_report

    try:
        payloads = [json.loads(path.read_text()) for path in change_sets]
        text, merged = merge_change_sets(payloads)
    except (ValueError, KeyError, TypeError) as error:
        fail(f"not a Jockey change set: {error}", ExitCode.USAGE)
    if markdown is None and change_set is None:
        typer.echo(text, nl=False)
    if markdown is not None:
        err(f"report written to {write_report(markdown, text)}")
    if change_set is not None:
        err(f"report written to {write_report(change_set, merged)}")


__all__ = ["drift_command", "register_fleet_commands", "report_command", "sync_command"]
