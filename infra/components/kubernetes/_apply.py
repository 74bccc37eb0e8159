"""How Jockey applies and awaits its objects: it owns what it declares, no await is unbounded.

The Kubernetes provider applies with Server-Side Apply and, after each apply, waits for the
object to be ready by its own rules. Jockey sets three things on that:

- Every object carries `pulumi.com/patchForce: "true"`: Jockey is the source of truth for the
  fields it declares, so an apply takes them back from another field manager (`kubectl scale`,
  `kubectl edit`) instead of failing with a field conflict. Fields Jockey does not declare stay
  with their owners; `spec.replicas` under an autoscaler is left out of the apply once the
  autoscaler owns it (`ignore_changes`).
- The Deployment's await (its new pods available) is bounded by
  `kubernetes.rolloutTimeoutSeconds`, through the resource's custom timeouts.
- Objects whose readiness another object already proves, or that only something outside
  Jockey can make ready, skip the provider's await (`pulumi.com/skipAwait: "true"`):
  the Service (the provider waits for endpoints, then lets them "settle" 10 s after every
  change; the Deployment's await already proves its pods ready, and the Service is created
  after it), a LoadBalancer Service's address and an Ingress's status (set by a cloud or an
  ingress controller, which a cluster may not have: the provider would wait 10 minutes), and
  the PersistentVolumeClaim (bound by a provisioner, or only once a pod uses it with
  `WaitForFirstConsumer`; the provider's own claim await is a fixed 5 minutes). An unbound
  claim keeps the pods pending, so the Deployment's bounded await reports it.
"""

from __future__ import annotations

import pulumi

from infra.spec import DeploymentSpec

FORCE_APPLY_ANNOTATION = "pulumi.com/patchForce"
SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait"


def apply_annotations(*, skip_await: bool = False) -> dict[str, str]:
    """The provider annotations of a Jockey object: always force-apply, maybe skip the await.

    Args:
        skip_await: create and update without waiting for the provider's readiness check.
    """
    annotations = {FORCE_APPLY_ANNOTATION: "true"}
    if skip_await:
        annotations[SKIP_AWAIT_ANNOTATION] = "true"
    return annotations


def rollout_timeouts(spec: DeploymentSpec) -> pulumi.CustomTimeouts:
    """How long creating or updating the Deployment waits for its pods to be ready."""
    seconds = f"{spec.kubernetes.rollout_timeout_seconds}s"
    return pulumi.CustomTimeouts(create=seconds, update=seconds)
