"""Sync and drift reports (pure): JSON lines, the summary, Markdown notes and drift sections."""

from __future__ import annotations

from automation._diff import ChangeKind, PropertyChange, ResourceDiff
from automation._report import (
    DRIFT_MARKER,
    MARKER,
    TenantPreview,
    change_set_json,
    previews_from_change_set,
)
from automation._results import ChangeCounts, Operation, OperationResult
from automation.fleet import (
    DriftResult,
    DriftState,
    FleetPlan,
    SyncOutcome,
    SyncPlan,
    SyncReport,
    TenantPlan,
    TenantSync,
    drift_change_set,
    drift_exit_code,
    drift_markdown,
    sync_change_set,
    sync_markdown,
)
from automation.fleet._reports import merge_change_sets

REPLICAS = ResourceDiff(
    urn="urn:pulumi:acme-dev::jockey::kubernetes:apps/v1:Deployment::acme",
    type="kubernetes:apps/v1:Deployment",
    name="acme-dev-kubernetes-deployment",
    op="update",
    properties=(PropertyChange("spec.replicas", ChangeKind.UPDATE, 3, 1),),
)
POLICY = ResourceDiff(
    urn="urn:pulumi:acme-dev::jockey::kubernetes:networking.k8s.io/v1:NetworkPolicy::egress",
    type="kubernetes:networking.k8s.io/v1:NetworkPolicy",
    name="acme-dev-kubernetes-allow-egress",
    op="create",
)


def _plan(stack: str, plan: SyncPlan) -> TenantPlan:
    tenant, _, environment = stack.rpartition("-")
    return TenantPlan(stack, tenant, environment, plan, reason="because")


def _result(stack: str, operation: Operation, ok: bool = True, **counts: int) -> OperationResult:
    tenant, _, environment = stack.rpartition("-")
    return OperationResult(
        tenant, environment, stack, operation, ok, changes=ChangeCounts(**counts)
    )


def _sync_report(preview: bool = False) -> SyncReport:
    created = _plan("new-dev", SyncPlan.CREATE)
    same = _plan("same-dev", SyncPlan.UNCHANGED)
    orphan = _plan("gone-dev", SyncPlan.ORPHAN)
    untouched = _plan("later-dev", SyncPlan.UPDATE)
    operation = Operation.PREVIEW if preview else Operation.UP
    parts = (
        TenantSync(created, SyncOutcome.DONE, _result("new-dev", operation, create=3)),
        TenantSync(same, SyncOutcome.SKIPPED),
        TenantSync(
            orphan,
            SyncOutcome.DONE if preview else SyncOutcome.SKIPPED,
            _result("gone-dev", Operation.PREVIEW, delete=3) if preview else None,
        ),
        TenantSync(
            untouched,
            SyncOutcome.UNTOUCHED,
            _result("later-dev", operation, ok=False),
        ),
    )
    plan = FleetPlan((created, orphan, untouched, same))
    return SyncReport(plan, parts, preview=preview, interrupted=True)


def test_every_tenant_has_a_result_line_and_the_summary_counts_plans() -> None:
    report = _sync_report()
    lines = [part.to_json() for part in report.tenants]
    assert all(line["kind"] == "result" for line in lines)
    unchanged = next(line for line in lines if line["plan"] == "unchanged")
    assert unchanged["operation"] is None and unchanged["ok"] and unchanged["outcome"] == "skipped"
    summary = report.summary()
    assert summary["kind"] == "summary"
    assert {key: summary[key] for key in ("create", "update", "unchanged", "orphan")} == {
        "create": 1,
        "update": 1,
        "unchanged": 1,
        "orphan": 1,
    }
    assert summary["pruned"] == 0 and summary["failed"] == 0
    assert summary["done"] == ["new-dev"] and summary["untouched"] == ["later-dev"]
    assert not report.ok


def test_the_sync_report_notes_what_it_did_not_run() -> None:
    markdown = sync_markdown(_sync_report())
    assert markdown.startswith(MARKER)
    assert "1 tenant(s) unchanged since their last successful up (not run): same-dev" in markdown
    assert "kept; `jockey sync --prune` destroys them: gone-dev" in markdown
    assert "interrupted: 1 tenant(s) untouched: later-dev" in markdown


def test_a_sync_preview_shows_orphans_as_destroys() -> None:
    report = _sync_report(preview=True)
    markdown = sync_markdown(report)
    assert "previewed as destroys" in markdown
    assert "<b>gone-dev</b>" in markdown and "3 to delete" in markdown
    change_set = sync_change_set(report)
    assert [tenant["stack"] for tenant in change_set["tenants"]] == ["gone-dev", "new-dev"]
    outcomes = {t["stack"]: t["outcome"] for t in change_set["sync"]["tenants"]}
    assert outcomes["same-dev"] == "skipped" and outcomes["later-dev"] == "untouched"


def _drifted(remediation: OperationResult | None = None) -> DriftResult:
    check = _result("acme-dev", Operation.PREVIEW, create=1, update=1)
    return DriftResult(
        "acme",
        "dev",
        "acme-dev",
        DriftState.DRIFTED,
        resources=(REPLICAS, POLICY),
        check=check,
        remediation=remediation,
    )


def test_a_drift_report_has_a_drift_section_per_checked_tenant() -> None:
    rendered = DriftResult("demo", "dev", "demo-dev", DriftState.NOT_APPLICABLE, reason="x")
    markdown = drift_markdown([_drifted(), rendered])
    assert markdown.startswith(DRIFT_MARKER)
    assert "## Jockey drift" in markdown
    assert "**1 tenant**: 1 drifted." in markdown
    assert "<b>acme-dev</b> (acme): 2 drifted resources" in markdown
    assert "`~ spec.replicas`: `3` → `1`" in markdown
    assert "`acme-dev-kubernetes-allow-egress`" in markdown
    assert "⚠️ drifted" in markdown
    assert "1 tenant(s) not applicable (render mode: nothing live): demo-dev" in markdown
    assert "<b>demo-dev</b>" not in markdown


def test_drift_json_names_the_state_and_the_changed_properties() -> None:
    line = _drifted().to_json()
    assert line["operation"] == "drift" and line["drift"] == "drifted"
    assert line["resources"][0]["properties"][0]["path"] == "spec.replicas"
    rendered = DriftResult("demo", "dev", "demo-dev", DriftState.NOT_APPLICABLE, reason="x")
    assert rendered.to_json()["drift"] == "not-applicable" and rendered.to_json()["ok"]
    change_set = drift_change_set([_drifted(), rendered])
    assert change_set["drift"]["drifted"] == 1 and change_set["drift"]["not-applicable"] == 1
    assert {t["stack"]: t["drift"] for t in change_set["tenants"]} == {
        "acme-dev": "drifted",
        "demo-dev": "not-applicable",
    }


def test_exit_codes_follow_terraforms_detailed_exit_code() -> None:
    clean = DriftResult("a", "dev", "a-dev", DriftState.NONE)
    rendered = DriftResult("b", "dev", "b-dev", DriftState.NOT_APPLICABLE)
    failed = DriftResult("c", "dev", "c-dev", DriftState.FAILED, reason="boom")
    assert drift_exit_code([clean, rendered]) == 0
    assert drift_exit_code([clean, _drifted()]) == 5
    assert drift_exit_code([_drifted(), failed]) == 1
    put_back = _drifted(_result("acme-dev", Operation.UP, create=1, update=1))
    assert put_back.remediated and drift_exit_code([put_back]) == 0
    not_put_back = _drifted(_result("acme-dev", Operation.UP, ok=False))
    assert drift_exit_code([not_put_back]) == 1
    assert "remediation failed" in drift_markdown([not_put_back])


def test_a_change_set_reads_back_into_the_same_previews() -> None:
    preview = TenantPreview(
        "acme",
        "dev",
        "acme-dev",
        changes=ChangeCounts(create=1, update=1),
        resources=(REPLICAS, POLICY),
        diagnostics=("warning: x",),
    )
    assert previews_from_change_set(change_set_json([preview])) == [preview]


def test_sharded_sync_change_sets_merge_into_one_report() -> None:
    first = sync_change_set(_sync_report(preview=True))
    created = _plan("extra-dev", SyncPlan.CREATE)
    second_report = SyncReport(
        FleetPlan((created,)),
        (TenantSync(created, SyncOutcome.DONE, _result("extra-dev", Operation.PREVIEW, create=2)),),
        preview=True,
    )
    markdown, merged = merge_change_sets([first, sync_change_set(second_report)])
    assert markdown.startswith(MARKER) and "## Jockey preview (sync)" in markdown
    assert "<b>extra-dev</b>" in markdown and "<b>gone-dev</b>" in markdown
    assert "unchanged since their last successful up (not previewed): same-dev" in markdown
    summary = merged["sync"]["summary"]
    assert (summary["create"], summary["unchanged"], summary["orphan"]) == (2, 1, 1)
    assert [tenant["stack"] for tenant in merged["tenants"]] == ["extra-dev", "gone-dev", "new-dev"]


def test_a_merged_report_stays_under_the_comment_limit() -> None:
    big = tuple(
        ResourceDiff(
            f"urn:{i}",
            "kubernetes:core/v1:ConfigMap",
            f"cm-{i}",
            "update",
            properties=tuple(
                PropertyChange(f"data.K{j}", ChangeKind.UPDATE, "a" * 100, "b" * 100)
                for j in range(40)
            ),
        )
        for i in range(30)
    )
    payloads = []
    for shard in range(4):
        plan = _plan(f"t{shard}-dev", SyncPlan.UPDATE)
        result = OperationResult(
            f"t{shard}", "dev", f"t{shard}-dev", Operation.PREVIEW, True, resources=big
        )
        report = SyncReport(FleetPlan((plan,)), (TenantSync(plan, SyncOutcome.DONE, result),), True)
        payloads.append(sync_change_set(report))
    markdown, _ = merge_change_sets(payloads)
    assert len(markdown) <= 64_000
    assert all(f"t{shard}-dev" in markdown for shard in range(4))
