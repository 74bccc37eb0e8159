"""The agent's persistent volume: the claim, and where the pods mount it."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from infra.spec import StorageSpec

core = k8s.core.v1

VOLUME_NAME = "data"


def claim_spec(storage: StorageSpec) -> core.PersistentVolumeClaimSpecArgs:
    """The claim's size, access mode and storage class (unset: the cluster's default)."""
    return core.PersistentVolumeClaimSpecArgs(
        access_modes=[storage.access_mode.value],
        storage_class_name=storage.storage_class,
        resources=core.VolumeResourceRequirementsArgs(requests={"storage": storage.size}),
    )


def claim_volume(claim: pulumi.Input[str]) -> core.VolumeArgs:
    """The pod volume backed by the claim."""
    return core.VolumeArgs(
        name=VOLUME_NAME,
        persistent_volume_claim=core.PersistentVolumeClaimVolumeSourceArgs(claim_name=claim),
    )


def claim_mount(storage: StorageSpec) -> core.VolumeMountArgs:
    """The claim mounted writable at `mountPath` (the root filesystem stays read-only)."""
    return core.VolumeMountArgs(name=VOLUME_NAME, mount_path=storage.mount_path)
