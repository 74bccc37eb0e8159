"""The sync plan: what each tenant needs for the backend to match the spec files.

- `create`: the tenant has no stack yet;
- `update`: its stack's fingerprint is missing or differs (the spec, a secret, a file it
  points at, the program or the engine changed since its last successful `up`), or `--all`;
- `unchanged`: its fingerprint matches: nothing runs;
- `orphan`: a tenant stack in the backend with no spec file.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from automation._errors import JockeyError
from automation._exit_codes import ExitCode
from automation.fleet._backend import TenantStack
from automation.fleet._fingerprint import Versions, fingerprint_material, matches
from automation.fleet._specs import SpecFile
from infra.spec import DeploymentSpec, Environment, SpecError, resolve_secret_values

_HASHERS = 4


class SyncPlan(StrEnum):
    """What a sync does for one tenant."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ORPHAN = "orphan"


@dataclass(frozen=True)
class TenantPlan:
    """One tenant's plan and why.

    Attributes:
        stack: `<tenant>-<environment>`.
        tenant: tenant id.
        environment: dev, staging or prod.
        plan: create, update, unchanged or orphan.
        reason: why, in a few words.
        spec: the tenant's spec (None for an orphan).
        file: the spec file, as given (None for an orphan).
    """

    stack: str
    tenant: str
    environment: str
    plan: SyncPlan
    reason: str
    spec: DeploymentSpec | None = None
    file: str | None = None

    @property
    def is_prod(self) -> bool:
        """Whether the tenant runs in production."""
        return self.environment == Environment.PROD.value

    def to_json(self) -> dict[str, Any]:
        """JSON shape: stack, tenant, environment, plan, reason, file."""
        return {
            "stack": self.stack,
            "tenant": self.tenant,
            "environment": self.environment,
            "plan": self.plan.value,
            "reason": self.reason,
            "file": self.file,
        }


@dataclass(frozen=True)
class FleetPlan:
    """The whole sync plan, one entry per tenant, ordered by stack."""

    tenants: tuple[TenantPlan, ...]

    def of(self, plan: SyncPlan) -> list[TenantPlan]:
        """The tenants with this plan."""
        return [tenant for tenant in self.tenants if tenant.plan is plan]

    def counts(self) -> dict[str, int]:
        """How many tenants have each plan (every plan named, zeros included)."""
        return {plan.value: len(self.of(plan)) for plan in SyncPlan}


class ProdOrphanError(JockeyError):
    """Pruning would destroy production tenants and `--allow-prod` was not given; nothing ran."""

    exit_code = ExitCode.USAGE


def check_prune(plan: FleetPlan, *, allow_prod: bool) -> None:
    """Refuse to prune production orphans unless allowed.

    Raises:
        ProdOrphanError: naming every production orphan.
    """
    prod = [tenant for tenant in plan.of(SyncPlan.ORPHAN) if tenant.is_prod]
    if prod and not allow_prod:
        names = ", ".join(tenant.stack for tenant in prod)
        raise ProdOrphanError(
            f"--prune would destroy {len(prod)} production tenant(s) without a spec: {names}; "
            "nothing ran",
            tenant=prod[0].tenant if len(prod) == 1 else None,
            stack=prod[0].stack if len(prod) == 1 else None,
            fix="restore their spec files, or add --allow-prod to destroy them",
        )


Shard = tuple[int, int]
"""`(index, count)`, 1-based: this run takes the tenants whose stack hashes to `index`."""


def parse_shard(text: str) -> Shard:
    """`I/N` (1 <= I <= N) as a shard.

    Raises:
        ValueError: the text is not `I/N` with 1 <= I <= N.
    """
    index, _, count = text.partition("/")
    try:
        shard = int(index), int(count)
    except ValueError:
        raise ValueError(f"{text!r} is not I/N (e.g. 2/4)") from None
    if not 1 <= shard[0] <= shard[1]:
        raise ValueError(f"{text!r}: I must be between 1 and N")
    return shard


def in_shard(stack: str, shard: Shard | None) -> bool:
    """Whether `stack` belongs to `shard` (stable across runs and machines: CRC-32 of the name)."""
    if shard is None:
        return True
    index, count = shard
    return zlib.crc32(stack.encode()) % count == index - 1


MaterialFn = Callable[[DeploymentSpec], bytes | None]
"""A spec's fingerprint material, or None when it cannot be computed (a secret is missing)."""


def material_reader(versions: Versions, environ: Mapping[str, str] | None = None) -> MaterialFn:
    """Fingerprint material from the operator's environment (secrets read, never kept)."""
    env = os.environ if environ is None else environ

    def material(spec: DeploymentSpec) -> bytes | None:
        try:
            secrets = resolve_secret_values(spec, env)
        except SpecError:
            return None  # `up` reports the missing secret; until then it cannot be unchanged
        return fingerprint_material(spec, secrets, versions, env)

    return material


def plan_fleet(
    specs: Sequence[SpecFile],
    existing: Sequence[TenantStack],
    recorded: Mapping[str, str | None],
    material: MaterialFn,
    *,
    run_all: bool = False,
) -> FleetPlan:
    """Plan each tenant (pure, apart from hashing).

    Args:
        specs: the desired set (one spec per stack: see `check_unique`).
        existing: the tenant stacks in the backend.
        recorded: the fingerprints recorded on existing stacks (absent or None: none).
        material: a spec's fingerprint material.
        run_all: plan every existing tenant `update`, whatever its fingerprint.
    """
    stacks = {stack.stack: stack for stack in existing}
    checks = [
        item for item in specs if item.stack in stacks and not run_all and recorded.get(item.stack)
    ]
    with ThreadPoolExecutor(_HASHERS, "jockey-fingerprint") as pool:
        # PBKDF2 releases the GIL: the hashes of many tenants run side by side.
        same = dict(
            zip(
                [item.stack for item in checks],
                pool.map(lambda item: _matches(item, recorded, material), checks),
                strict=True,
            )
        )
    plans: list[TenantPlan] = []
    for item in specs:
        if item.stack not in stacks:
            plan, reason = SyncPlan.CREATE, "no stack in the backend"
        elif run_all:
            plan, reason = SyncPlan.UPDATE, "--all"
        elif not recorded.get(item.stack):
            plan, reason = SyncPlan.UPDATE, "no fingerprint of a successful up"
        elif same[item.stack]:
            plan, reason = SyncPlan.UNCHANGED, "same spec, secrets, program and engine"
        else:
            plan, reason = SyncPlan.UPDATE, "spec, secrets, program or engine changed"
        plans.append(
            TenantPlan(
                stack=item.stack,
                tenant=item.spec.tenant.id,
                environment=item.spec.tenant.environment.value,
                plan=plan,
                reason=reason,
                spec=item.spec,
                file=str(item.path) if item.path is not None else None,
            )
        )
    wanted = {item.stack for item in specs}
    for stack in existing:
        if stack.stack not in wanted:
            plans.append(
                TenantPlan(
                    stack=stack.stack,
                    tenant=stack.tenant,
                    environment=stack.environment.value,
                    plan=SyncPlan.ORPHAN,
                    reason="stack in the backend without a spec file",
                )
            )
    return FleetPlan(tuple(sorted(plans, key=lambda tenant: tenant.stack)))


def _matches(item: SpecFile, recorded: Mapping[str, str | None], material: MaterialFn) -> bool:
    data = material(item.spec)
    return data is not None and matches(recorded.get(item.stack), data)


__all__ = [
    "FleetPlan",
    "MaterialFn",
    "ProdOrphanError",
    "Shard",
    "SyncPlan",
    "TenantPlan",
    "check_prune",
    "in_shard",
    "material_reader",
    "parse_shard",
    "plan_fleet",
]
