"""`KubernetesAgent`: HorizontalPodAutoscaler and PodDisruptionBudget, asked for or in prod."""

from __future__ import annotations

from tests.unit.mocks.kubernetes import Rendered, make_spec, render

HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"


def test_dev_without_autoscaling_or_budget_gets_neither(dev_kubernetes: Rendered) -> None:
    assert dev_kubernetes.of_type(HPA) == []
    assert dev_kubernetes.of_type(PDB) == []


def test_autoscaler_scales_the_deployment_on_cpu_when_asked() -> None:
    spec = make_spec(
        kubernetes={"autoscaling": {"minReplicas": 2, "maxReplicas": 6, "targetCPUUtilization": 65}}
    )
    rendered = render(spec)
    hpa = rendered.one(HPA).props["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": rendered.deployment["metadata"]["name"],
    }
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 6)
    assert hpa["metrics"] == [
        {
            "type": "Resource",
            "resource": {
                "name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 65},
            },
        }
    ]
    assert rendered.one("kubernetes:apps/v1:Deployment").urn in rendered.one(HPA).dependencies


def test_prod_always_gets_an_autoscaler_from_replicas_to_twice_that() -> None:
    rendered = render(make_spec("prod", kubernetes={"replicas": 3}))
    hpa = rendered.one(HPA).props["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 6)
    assert rendered.deployment["spec"]["replicas"] == 3


def test_prod_keeps_the_spec_s_own_autoscaling() -> None:
    spec = make_spec("prod", kubernetes={"autoscaling": {"minReplicas": 2, "maxReplicas": 4}})
    hpa = render(spec).one(HPA).props["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 4)


def test_disruption_budget_when_asked() -> None:
    spec = make_spec(kubernetes={"replicas": 3, "disruptionBudget": {"minAvailable": 2}})
    budget = render(spec).one(PDB).props["spec"]
    assert budget["minAvailable"] == 2
    assert budget["selector"] == {
        "matchLabels": {
            "app.kubernetes.io/name": "support-bot",
            "app.kubernetes.io/instance": "acme-dev",
        }
    }
    assert budget["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_prod_always_gets_a_disruption_budget_that_still_allows_a_drain() -> None:
    rendered = render(make_spec("prod", kubernetes={"replicas": 2}))
    budget = rendered.one(PDB).props["spec"]
    assert budget["minAvailable"] == 1
    assert budget["minAvailable"] < rendered.one(HPA).props["spec"]["minReplicas"]
