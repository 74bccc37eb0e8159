"""The tenant set as desired state: `sync` the stacks to the specs, and check their `drift`.

`sync` creates, updates, skips the unchanged and prunes orphans; `drift` compares the live
resources with the specs and optionally puts them back.

Example:
    >>> from pathlib import Path
    >>> from automation.fleet import load_spec_files, sync  # doctest: +SKIP
    >>> report = sync(load_spec_files([Path("tenants")]), parallel=4)  # doctest: +SKIP
    >>> report.summary()  # doctest: +SKIP
"""

# Names resolve lazily (PEP 562), as in `automation`: the worker imports the fleet's hooks
# (`automation.fleet._hooks`) without loading the planner, the runner or the reports.
from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "DriftResult": "automation.fleet._drift",
    "DriftState": "automation.fleet._drift",
    "DuplicateTenantError": "automation.fleet._specs",
    "FINGERPRINT_TAG": "automation.fleet._fingerprint",
    "FleetPlan": "automation.fleet._plan",
    "FleetRunner": "automation.fleet._runner",
    "ProdOrphanError": "automation.fleet._plan",
    "SpecFile": "automation.fleet._specs",
    "SyncOutcome": "automation.fleet._sync",
    "SyncPlan": "automation.fleet._plan",
    "SyncReport": "automation.fleet._sync",
    "TenantPlan": "automation.fleet._plan",
    "TenantSync": "automation.fleet._sync",
    "drift": "automation.fleet._drift",
    "drift_change_set": "automation.fleet._reports",
    "drift_exit_code": "automation.fleet._drift",
    "drift_many": "automation.fleet._drift",
    "drift_markdown": "automation.fleet._reports",
    "find_spec_files": "automation.fleet._specs",
    "load_spec_files": "automation.fleet._specs",
    "plan_sync": "automation.fleet._sync",
    "run_sync": "automation.fleet._sync",
    "sync": "automation.fleet._sync",
    "sync_change_set": "automation.fleet._reports",
    "sync_markdown": "automation.fleet._reports",
}

if TYPE_CHECKING:
    from automation.fleet._drift import (
        DriftResult as DriftResult,
    )
    from automation.fleet._drift import (
        DriftState as DriftState,
    )
    from automation.fleet._drift import (
        drift as drift,
    )
    from automation.fleet._drift import (
        drift_exit_code as drift_exit_code,
    )
    from automation.fleet._drift import (
        drift_many as drift_many,
    )
    from automation.fleet._fingerprint import (
        FINGERPRINT_TAG as FINGERPRINT_TAG,
    )
    from automation.fleet._plan import (
        FleetPlan as FleetPlan,
    )
    from automation.fleet._plan import (
        ProdOrphanError as ProdOrphanError,
    )
    from automation.fleet._plan import (
        SyncPlan as SyncPlan,
    )
    from automation.fleet._plan import (
        TenantPlan as TenantPlan,
    )
    from automation.fleet._reports import (
        drift_change_set as drift_change_set,
    )
    from automation.fleet._reports import (
        drift_markdown as drift_markdown,
    )
    from automation.fleet._reports import (
        sync_change_set as sync_change_set,
    )
    from automation.fleet._reports import (
        sync_markdown as sync_markdown,
    )
    from automation.fleet._runner import (
        FleetRunner as FleetRunner,
    )
    from automation.fleet._specs import (
        DuplicateTenantError as DuplicateTenantError,
    )
    from automation.fleet._specs import (
        SpecFile as SpecFile,
    )
    from automation.fleet._specs import (
        find_spec_files as find_spec_files,
    )
    from automation.fleet._specs import (
        load_spec_files as load_spec_files,
    )
    from automation.fleet._sync import (
        SyncOutcome as SyncOutcome,
    )
    from automation.fleet._sync import (
        SyncReport as SyncReport,
    )
    from automation.fleet._sync import (
        TenantSync as TenantSync,
    )
    from automation.fleet._sync import (
        plan_sync as plan_sync,
    )
    from automation.fleet._sync import (
        run_sync as run_sync,
    )
    from automation.fleet._sync import (
        sync as sync,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'automation.fleet' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = sorted(_EXPORTS)
