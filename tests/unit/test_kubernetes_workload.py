"""`KubernetesAgent`: the Deployment and its pods (security, probes, resources, rollout)."""

from __future__ import annotations

from typing import Any

from infra.components.kubernetes import selector_labels
from tests.unit.mocks.kubernetes import IMAGE, Rendered, make_spec, render

# Volume types the Pod Security "restricted" profile allows.
RESTRICTED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def restricted_violations(pod: dict[str, Any]) -> list[str]:
    """The Pod Security Standards "restricted" checks (and the baseline ones under them)."""
    problems = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            problems.append(f"{field} is true")
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUME_TYPES:
            problems.append(f"volume {volume['name']} is {kinds}")
    pod_context = pod.get("securityContext", {})
    if pod_context.get("seccompProfile", {}).get("type") not in ("RuntimeDefault", "Localhost"):
        problems.append("pod seccompProfile is not RuntimeDefault")
    for container in pod["containers"]:
        context = container.get("securityContext", {})
        name = container["name"]
        if context.get("privileged"):
            problems.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation is not false")
        if "ALL" not in context.get("capabilities", {}).get("drop", []):
            problems.append(f"{name}: capabilities do not drop ALL")
        if set(context.get("capabilities", {}).get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}: adds capabilities")
        run_as_non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
        if run_as_non_root is not True:
            problems.append(f"{name}: runAsNonRoot is not true")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            problems.append(f"{name}: runs as UID 0")
        if any(port.get("hostPort") for port in container.get("ports", [])):
            problems.append(f"{name}: uses a hostPort")
    return problems


def test_pods_pass_the_restricted_pod_security_profile(dev_kubernetes: Rendered) -> None:
    assert restricted_violations(dev_kubernetes.pod_spec) == []


def test_the_checker_catches_a_privileged_root_pod() -> None:
    pod = {
        "hostNetwork": True,
        "volumes": [{"name": "host", "hostPath": {"path": "/"}}],
        "containers": [{"name": "bad", "securityContext": {"privileged": True, "runAsUser": 0}}],
    }
    assert restricted_violations(pod) == [
        "hostNetwork is true",
        "volume host is {'hostPath'}",
        "pod seccompProfile is not RuntimeDefault",
        "bad: privileged",
        "bad: allowPrivilegeEscalation is not false",
        "bad: capabilities do not drop ALL",
        "bad: runAsNonRoot is not true",
        "bad: runs as UID 0",
    ]


def test_pod_and_container_security_contexts_are_hardened(dev_kubernetes: Rendered) -> None:
    assert dev_kubernetes.pod_spec["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    context = dev_kubernetes.container["securityContext"]
    assert context["allowPrivilegeEscalation"] is False
    assert context["privileged"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] >= 10000


def test_pods_get_no_service_account_token_no_service_links_no_host_namespaces(
    dev_kubernetes: Rendered,
) -> None:
    pod = dev_kubernetes.pod_spec
    account = dev_kubernetes.one("kubernetes:core/v1:ServiceAccount").props
    assert account["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == account["metadata"]["name"] == "support-bot"
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False
    assert (pod["hostNetwork"], pod["hostPID"], pod["hostIPC"]) == (False, False, False)


def test_tmp_is_the_only_writable_path_and_is_bounded(dev_kubernetes: Rendered) -> None:
    assert dev_kubernetes.pod_spec["volumes"] == [
        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}
    ]
    assert dev_kubernetes.container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]


def test_image_is_the_digest_pinned_reference_pulled_if_not_present(
    dev_kubernetes: Rendered,
) -> None:
    container = dev_kubernetes.container
    assert container["image"] == IMAGE
    assert "@sha256:" in container["image"]
    assert container["imagePullPolicy"] == "IfNotPresent"


def test_probes_use_the_agent_paths_on_the_agent_port() -> None:
    spec = make_spec(agent={"port": 9000, "healthPath": "/livez", "readyPath": "/readyz"})
    container = render(spec).container
    assert container["ports"] == [{"name": "http", "containerPort": 9000, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["startupProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] == "http"
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60


def test_requests_and_limits_come_from_the_spec() -> None:
    spec = make_spec(
        kubernetes={
            "resources": {
                "cpuRequest": "250m",
                "cpuLimit": "1",
                "memoryRequest": "256Mi",
                "memoryLimit": "512Mi",
            },
            "quota": {"cpu": "8", "memory": "16Gi"},
        }
    )
    assert render(spec).container["resources"] == {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }


def test_env_comes_from_the_config_map_and_the_secret(dev_kubernetes: Rendered) -> None:
    config_map = dev_kubernetes.one("kubernetes:core/v1:ConfigMap").props
    secret = dev_kubernetes.one("kubernetes:core/v1:Secret").props
    assert dev_kubernetes.container["envFrom"] == [
        {"configMapRef": {"name": config_map["metadata"]["name"]}},
        {"secretRef": {"name": secret["metadata"]["name"]}},
    ]
    assert "env" not in dev_kubernetes.container


def test_without_secret_values_there_is_no_secret_and_no_secret_ref() -> None:
    rendered = render(make_spec(), secret_env={})
    assert rendered.of_type("kubernetes:core/v1:Secret") == []
    assert rendered.container["envFrom"] == [{"configMapRef": {"name": "support-bot-env"}}]


def test_rolling_update_never_drops_capacity(dev_kubernetes: Rendered) -> None:
    strategy = dev_kubernetes.deployment["spec"]["strategy"]
    assert strategy == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }


def test_recreate_strategy_has_no_rolling_parameters() -> None:
    spec = make_spec(kubernetes={"strategy": "Recreate", "replicas": 1})
    assert render(spec).deployment["spec"]["strategy"] == {"type": "Recreate"}


def test_selector_uses_only_stable_labels() -> None:
    spec = make_spec()
    deployment = render(spec).deployment["spec"]
    selector = deployment["selector"]["matchLabels"]
    assert selector == selector_labels(spec)
    assert selector == {
        "app.kubernetes.io/name": "support-bot",
        "app.kubernetes.io/instance": "acme-dev",
    }
    template_labels = deployment["template"]["metadata"]["labels"]
    assert selector.items() <= template_labels.items()
    assert template_labels["app.kubernetes.io/version"] == "1.4.2"


def test_selector_survives_a_version_bump(dev_kubernetes: Rendered) -> None:
    before = dev_kubernetes.deployment["spec"]["selector"]
    after = render(make_spec(agent={"version": "2.0.0"})).deployment["spec"]["selector"]
    assert before == after


def test_replicas_are_the_spec_s_without_an_autoscaler() -> None:
    rendered = render(make_spec(kubernetes={"replicas": 3}))
    assert rendered.deployment["spec"]["replicas"] == 3
    assert rendered.one("kubernetes:apps/v1:Deployment").ignore_changes == ()


def test_with_an_autoscaler_replicas_start_at_its_minimum_and_are_left_to_it() -> None:
    spec = make_spec(
        kubernetes={"replicas": 2, "autoscaling": {"minReplicas": 3, "maxReplicas": 5}}
    )
    rendered = render(spec)
    assert rendered.deployment["spec"]["replicas"] == 3
    assert rendered.one("kubernetes:apps/v1:Deployment").ignore_changes == ("spec.replicas",)


def test_pods_shut_down_gracefully_and_spread_softly_over_nodes() -> None:
    spec = make_spec()
    pod = render(spec).pod_spec
    assert pod["terminationGracePeriodSeconds"] == 30
    (spread,) = pod["topologySpreadConstraints"]
    assert spread["topologyKey"] == "kubernetes.io/hostname"
    assert spread["whenUnsatisfiable"] == "ScheduleAnyway"
    assert spread["labelSelector"]["matchLabels"] == selector_labels(spec)
    anti = pod["affinity"]["podAntiAffinity"]
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in anti
    (preferred,) = anti["preferredDuringSchedulingIgnoredDuringExecution"]
    assert preferred["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
