"""The Kubernetes target: one hardened agent per tenant namespace."""

from infra.components.kubernetes._component import (
    KubernetesAgent,
    KubernetesAgentArgs,
    config_checksum,
)
from infra.components.kubernetes._labels import common_labels, selector_labels

__all__ = [
    "KubernetesAgent",
    "KubernetesAgentArgs",
    "common_labels",
    "config_checksum",
    "selector_labels",
]
