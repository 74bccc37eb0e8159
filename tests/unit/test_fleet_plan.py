"""The sync plan (pure): create, update, unchanged and orphan, `--all`, and the prod guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation._exit_codes import ExitCode
from automation.fleet import ProdOrphanError, SpecFile, SyncPlan, TenantPlan
from automation.fleet._backend import TenantStack, parse_tenant_stack
from automation.fleet._fingerprint import fingerprint
from automation.fleet._plan import check_prune, in_shard, parse_shard, plan_fleet
from infra.spec import DeploymentSpec, Environment, load_spec_file
from tests.engine.engine_support import TenantFiles


@pytest.fixture
def files(tmp_path: Path) -> TenantFiles:
    spec_dir = tmp_path / "tenants"
    spec_dir.mkdir()
    return TenantFiles(home=tmp_path / "home", out=spec_dir / "out", spec_dir=spec_dir)


def _spec_file(files: TenantFiles, tenant: str) -> SpecFile:
    path = files.write(tenant)
    return SpecFile(path, load_spec_file(path))


def _material(spec: DeploymentSpec) -> bytes:
    return spec.model_dump_json().encode()


def _stack(name: str) -> TenantStack:
    parsed = parse_tenant_stack(name)
    assert parsed is not None
    return parsed


def test_each_tenant_gets_the_plan_its_backend_state_calls_for(files: TenantFiles) -> None:
    new, same, changed, unrecorded = (
        _spec_file(files, name) for name in ("new", "same", "changed", "unrecorded")
    )
    recorded = {
        "same-dev": fingerprint(_material(same.spec)),
        "changed-dev": fingerprint(b"an older spec"),
    }
    existing = [_stack(n) for n in ("same-dev", "changed-dev", "unrecorded-dev", "gone-prod")]
    plan = plan_fleet([new, same, changed, unrecorded], existing, recorded, _material)
    plans = {tenant.stack: tenant.plan for tenant in plan.tenants}
    assert plans == {
        "new-dev": SyncPlan.CREATE,
        "same-dev": SyncPlan.UNCHANGED,
        "changed-dev": SyncPlan.UPDATE,
        "unrecorded-dev": SyncPlan.UPDATE,
        "gone-prod": SyncPlan.ORPHAN,
    }
    assert [tenant.stack for tenant in plan.tenants] == sorted(plans)
    assert plan.counts() == {"create": 1, "update": 2, "unchanged": 1, "orphan": 1}
    orphan = plan.of(SyncPlan.ORPHAN)[0]
    assert (orphan.tenant, orphan.environment, orphan.spec, orphan.file) == (
        "gone",
        "prod",
        None,
        None,
    )
    assert plan.of(SyncPlan.CREATE)[0].file == str(new.path)


def test_all_runs_every_existing_tenant(files: TenantFiles) -> None:
    same = _spec_file(files, "same")
    recorded = {"same-dev": fingerprint(_material(same.spec))}
    plan = plan_fleet([same], [_stack("same-dev")], recorded, _material, run_all=True)
    assert [(t.plan, t.reason) for t in plan.tenants] == [(SyncPlan.UPDATE, "--all")]


def test_a_tenant_whose_fingerprint_cannot_be_computed_is_updated(files: TenantFiles) -> None:
    same = _spec_file(files, "same")
    recorded = {"same-dev": fingerprint(_material(same.spec))}
    plan = plan_fleet([same], [_stack("same-dev")], recorded, lambda _spec: None)
    assert plan.tenants[0].plan is SyncPlan.UPDATE


def test_pruning_a_production_orphan_needs_allow_prod() -> None:
    plan = plan_fleet([], [_stack("old-prod"), _stack("older-dev")], {}, _material)
    with pytest.raises(ProdOrphanError) as caught:
        check_prune(plan, allow_prod=False)
    assert caught.value.stack == "old-prod"
    assert caught.value.exit_code == ExitCode.USAGE
    assert "--allow-prod" in str(caught.value) and "nothing ran" in str(caught.value)
    check_prune(plan, allow_prod=True)


def test_dev_orphans_prune_without_allow_prod() -> None:
    check_prune(plan_fleet([], [_stack("old-dev")], {}, _material), allow_prod=False)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("acme-dev", ("acme", Environment.DEV)),
        ("acme-corp-staging", ("acme-corp", Environment.STAGING)),
        ("a-prod", ("a", Environment.PROD)),
        ("dev", None),
        ("prod", None),
        ("acme-qa", None),
        ("-dev", None),
        ("Acme-dev", None),
        ("acme--dev", None),
        ("org/acme-dev", None),
    ],
)
def test_only_stacks_named_like_a_tenants_can_be_orphans(
    name: str, expected: tuple[str, Environment] | None
) -> None:
    parsed = parse_tenant_stack(name)
    assert (None if parsed is None else (parsed.tenant, parsed.environment)) == expected


def test_shards_split_the_fleet_once_and_the_same_way_every_time() -> None:
    stacks = [f"tenant{index}-dev" for index in range(200)]
    for count in (1, 2, 3, 7):
        owners = [[i for i in range(1, count + 1) if in_shard(s, (i, count))] for s in stacks]
        assert all(len(owner) == 1 for owner in owners)
        if count > 1:
            assert len({owner[0] for owner in owners}) == count
    assert in_shard("acme-dev", None)


@pytest.mark.parametrize("text", ["0/2", "3/2", "x/2", "2", "1/0", ""])
def test_a_shard_is_i_of_n(text: str) -> None:
    with pytest.raises(ValueError):
        parse_shard(text)
    assert parse_shard("2/4") == (2, 4)


def test_a_sharded_plan_still_finds_orphans_right(files: TenantFiles) -> None:
    specs = [_spec_file(files, name) for name in ("a", "b", "c", "d", "e", "f")]
    existing = [_stack(f"{name}-dev") for name in ("a", "b", "c", "gone", "old")]
    plans: list[TenantPlan] = []
    for index in (1, 2, 3):
        shard = (index, 3)
        mine = [item for item in specs if in_shard(item.stack, shard)]
        theirs = [stack for stack in existing if in_shard(stack.stack, shard)]
        plans += plan_fleet(mine, theirs, {}, _material).tenants
    whole = plan_fleet(specs, existing, {}, _material).tenants
    assert sorted(plans, key=lambda tenant: tenant.stack) == list(whole)
