"""The Kubernetes target: one hardened agent per tenant namespace."""

from infra.components.kubernetes._checksum import CHECKSUM_ANNOTATION, config_checksum
from infra.components.kubernetes._component import KubernetesAgent, KubernetesAgentArgs
from infra.components.kubernetes._labels import common_labels, namespace_labels, selector_labels

__all__ = [
    "CHECKSUM_ANNOTATION",
    "KubernetesAgent",
    "KubernetesAgentArgs",
    "common_labels",
    "config_checksum",
    "namespace_labels",
    "selector_labels",
]
