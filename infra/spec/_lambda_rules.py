"""The Lambda target's rules across fields, and its settings that depend on the environment.

The rules cover endpoints, alerts, secret references and ARNs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.spec._errors import SpecProblem
from infra.spec._types import arn_partition, arn_region, ecr_location, is_ecr_image

if TYPE_CHECKING:
    from infra.spec._models import AlertsSpec, DeploymentSpec, FunctionUrlAuth

API_GATEWAY_MAX_TIMEOUT = 29
"""Seconds a Lambda behind an HTTP API may run: the integration gives up at 30 s."""
LAMBDA_ENV_MAX_BYTES = 4096
"""Lambda's limit on the total size of a function's environment variables."""
SECRET_ARN_SUFFIX = "_SECRET_ARN"
"""The agent reads a `fromSecretsManager` secret `<NAME>` from the ARN in `<NAME>_SECRET_ARN`."""
SSM_PARAMETER_SUFFIX = "_SSM_PARAMETER"
"""The agent reads a `fromSsm` secret `<NAME>` from the parameter in `<NAME>_SSM_PARAMETER`."""


def secret_references(spec: DeploymentSpec) -> dict[str, str]:
    """The variables telling the agent where its Secrets Manager and SSM secrets are.

    Args:
        spec: a validated spec.

    Returns:
        `<NAME>_SECRET_ARN` (the secret's ARN) or `<NAME>_SSM_PARAMETER` (the parameter's
        name or ARN, as written) for each such secret; never a value.
    """
    return {variable: reference for _, variable, reference in _reference_variables(spec)}


def _reference_variables(spec: DeploymentSpec) -> list[tuple[str, str, str]]:
    """(secret name, variable name, reference) of each Secrets Manager or SSM secret."""
    found = []
    for name, source in sorted(spec.agent.secret_env.items()):
        if source.from_secrets_manager is not None:
            found.append((name, f"{name}{SECRET_ARN_SUFFIX}", source.from_secrets_manager))
        elif source.from_ssm is not None:
            found.append((name, f"{name}{SSM_PARAMETER_SUFFIX}", source.from_ssm))
    return found


def lambda_problems(spec: DeploymentSpec) -> list[SpecProblem]:
    """Every Lambda rule the spec breaks (none while the Lambda target is off)."""
    lam = spec.lambda_
    if not lam.enabled:
        return []
    problems = _endpoint_rules(spec) + _alert_rules(spec) + _secret_reference_rules(spec)
    problems += _arn_rules(spec)
    build = spec.agent.image.build
    if build is not None and build.platform.value != lam.architecture.platform:
        problems.append(
            SpecProblem(
                "agent.image.build.platform",
                f"does not match lambda.architecture {lam.architecture.value}",
                build.platform.value,
                f"use platform {lam.architecture.platform} (one image runs on both targets), "
                "or change lambda.architecture",
            )
        )
    ref = spec.agent.image.ref
    if ref is not None and not is_ecr_image(ref):
        problems.append(
            SpecProblem(
                "agent.image.ref",
                "Lambda runs images from Amazon ECR only",
                ref,
                "push the image to ECR and use <account>.dkr.ecr.<region>.amazonaws.com/<repo>"
                "@sha256:<digest>, or use build: (Jockey pushes to ECR)",
            )
        )
    variables = {**spec.agent.env, **secret_references(spec)}
    size = sum(len(name) + len(value) for name, value in variables.items())
    if size > LAMBDA_ENV_MAX_BYTES:
        problems.append(
            SpecProblem(
                "agent.env",
                f"bytes of names and values, above Lambda's {LAMBDA_ENV_MAX_BYTES}-byte limit "
                "for all variables",
                size,
                "move large values into a file in the image, or shorten them",
            )
        )
    return problems


def _endpoint_rules(spec: DeploymentSpec) -> list[SpecProblem]:
    """What each endpoint kind can honour: timeouts, streaming, and whose settings apply."""
    lam = spec.lambda_
    problems = []
    if lam.endpoint.value == "httpApi":
        if lam.timeout > API_GATEWAY_MAX_TIMEOUT:
            problems.append(
                SpecProblem(
                    "lambda.timeout",
                    "longer than the HTTP API's 30 s integration timeout",
                    lam.timeout,
                    f"use at most {API_GATEWAY_MAX_TIMEOUT} seconds, or endpoint: functionUrl "
                    "(up to 900 s)",
                )
            )
        if lam.streaming:
            problems.append(
                SpecProblem(
                    "lambda.streaming",
                    "an HTTP API buffers the whole response, so it cannot stream",
                    True,
                    "set endpoint: functionUrl to stream, or remove streaming",
                )
            )
        if lam.function_url is not None:
            problems.append(
                SpecProblem(
                    "lambda.functionUrl",
                    "configures a Function URL, but endpoint is httpApi",
                    "functionUrl",
                    "set endpoint: functionUrl, or remove functionUrl",
                )
            )
        return problems
    api = lam.api
    if api.jwt_authorizer is not None:
        problems.append(
            SpecProblem(
                "lambda.api.jwtAuthorizer",
                "a Function URL cannot use a JWT authorizer (its auth is AWS_IAM or NONE)",
                api.jwt_authorizer.issuer,
                "use endpoint: httpApi for JWT auth, or functionUrl.authType: AWS_IAM with "
                "SigV4-signed requests",
            )
        )
    if api.domain is not None:
        problems.append(
            SpecProblem(
                "lambda.api.domain",
                "a Function URL has no custom domain",
                api.domain.name,
                "use endpoint: httpApi for a custom domain, or put CloudFront in front of the URL",
            )
        )
    if api.cors is not None:
        problems.append(
            SpecProblem(
                "lambda.api.cors",
                "configures the HTTP API, but endpoint is functionUrl",
                api.cors.allow_origins,
                "move it to lambda.functionUrl.cors (its methods exclude OPTIONS)",
            )
        )
    if "throttle" in api.model_fields_set:
        problems.append(
            SpecProblem(
                "lambda.api.throttle",
                "a Function URL has no stage throttling",
                api.throttle.model_dump(by_alias=True),
                "remove it and cap the function with lambda.reservedConcurrency",
            )
        )
    return problems


def _alert_rules(spec: DeploymentSpec) -> list[SpecProblem]:
    lam = spec.lambda_
    limit_ms = lam.timeout * 1000
    if lam.alerts is None or lam.alerts.p95_duration_ms is None:
        return []
    if lam.alerts.p95_duration_ms <= limit_ms:
        return []
    return [
        SpecProblem(
            "lambda.alerts.p95DurationMs",
            f"above lambda.timeout ({limit_ms} ms), so the alarm could never fire",
            lam.alerts.p95_duration_ms,
            f"use at most {limit_ms} ms, such as {int(limit_ms * 0.8)} (80% of the timeout)",
        )
    ]


def _secret_reference_rules(spec: DeploymentSpec) -> list[SpecProblem]:
    """The variables naming the secrets' references must not collide with the agent's own."""
    taken = set(spec.agent.env) | set(spec.agent.secret_env)
    return [
        SpecProblem(
            f"agent.secretEnv.{name}",
            f"its reference variable {variable} is also set in "
            f"{'env' if variable in spec.agent.env else 'secretEnv'}",
            variable,
            f"rename the secret, or remove {variable} from env and secretEnv",
        )
        for name, variable, _ in _reference_variables(spec)
        if variable in taken
    ]


def _spec_arns(spec: DeploymentSpec) -> list[tuple[str, str]]:
    """Every ARN of the spec with its path, the image's location first when it is in ECR."""
    lam = spec.lambda_
    arns = []
    for name, source in sorted(spec.agent.secret_env.items()):
        for key, value in (
            ("fromSecretsManager", source.from_secrets_manager),
            ("fromSsm", source.from_ssm),
            ("kmsKeyArn", source.kms_key_arn),
        ):
            if value is not None and value.startswith("arn:"):
                arns.append((f"agent.secretEnv.{name}.{key}", value))
    if lam.efs is not None:
        arns.append(("lambda.efs.accessPointArn", lam.efs.access_point_arn))
    if lam.api.domain is not None:
        arns.append(("lambda.api.domain.certificateArn", lam.api.domain.certificate_arn))
    if lam.alerts is not None and lam.alerts.topic_arn is not None:
        arns.append(("lambda.alerts.topicArn", lam.alerts.topic_arn))
    return arns


def _arn_rules(spec: DeploymentSpec) -> list[SpecProblem]:
    """One partition for everything; the custom domain's certificate in the function's region.

    IAM cannot grant across partitions.
    """
    arns = _spec_arns(spec)
    ref = spec.agent.image.ref
    location = ecr_location(ref) if ref is not None else None
    if location is not None:
        anchor_path, (partition, region) = "agent.image.ref", location
    elif arns:
        anchor_path, partition, region = arns[0][0], arn_partition(arns[0][1]), ""
    else:
        return []
    problems = [
        SpecProblem(
            path,
            f"is in the {arn_partition(arn)} partition, but {anchor_path} is in {partition}",
            arn,
            f"use an ARN in the {partition} partition, where the function runs (IAM cannot "
            "grant access across partitions)",
        )
        for path, arn in arns
        if arn_partition(arn) != partition
    ]
    domain = spec.lambda_.api.domain
    if region and domain is not None and arn_region(domain.certificate_arn) != region:
        problems.append(
            SpecProblem(
                "lambda.api.domain.certificateArn",
                f"is in {arn_region(domain.certificate_arn)}, but the function and its HTTP "
                f"API run in {region} (agent.image.ref)",
                domain.certificate_arn,
                f"request or import the certificate in ACM in {region}",
            )
        )
    return problems


def kubernetes_secret_problems(spec: DeploymentSpec) -> list[SpecProblem]:
    """Kubernetes gets secret values in a Secret: a reference has no value to put there."""
    problems = []
    for name, source in sorted(spec.agent.secret_env.items()):
        if source.reference is None:
            continue
        key = "fromSecretsManager" if source.from_secrets_manager is not None else "fromSsm"
        problems.append(
            SpecProblem(
                f"agent.secretEnv.{name}.{key}",
                "cannot reach the Kubernetes target: its pods read secrets from a Kubernetes "
                "Secret, and reading AWS secret stores from a cluster needs an operator "
                "(External Secrets, the Secrets Store CSI driver) Jockey does not install",
                source.reference,
                "use fromEnv or fromFile (spec file) or fromConfig (stack config) for this "
                "secret, or deploy this tenant to Lambda only (kubernetes.enabled: false)",
            )
        )
    return problems


def effective_function_url_auth(spec: DeploymentSpec) -> FunctionUrlAuth:
    """Who may call the Function URL.

    The spec's `authType`, else AWS_IAM in prod and NONE elsewhere.
    """
    from infra.spec._models import FunctionUrlAuth

    chosen = spec.lambda_.function_url.auth_type if spec.lambda_.function_url else None
    if chosen is not None:
        return chosen
    is_prod = spec.tenant.environment.value == "prod"
    return FunctionUrlAuth.AWS_IAM if is_prod else FunctionUrlAuth.NONE


def effective_alerts(spec: DeploymentSpec) -> AlertsSpec | None:
    """The alarms the tenant gets: the spec's `lambda.alerts`, or in prod the defaults."""
    from infra.spec._models import AlertsSpec

    if spec.lambda_.alerts is not None or spec.tenant.environment.value != "prod":
        return spec.lambda_.alerts
    return AlertsSpec()


def spec_warnings(spec: DeploymentSpec) -> list[SpecProblem]:
    """What a valid spec allows but its operator should hear about (shown, never refused).

    Args:
        spec: a validated spec.

    Returns:
        One problem-shaped warning each (path, what it means, value, what to do instead).
    """
    from infra.spec._models import FunctionUrlAuth

    lam = spec.lambda_
    public_url = (
        lam.enabled
        and lam.endpoint.value == "functionUrl"
        and spec.tenant.environment.value == "prod"
        and effective_function_url_auth(spec) is FunctionUrlAuth.NONE
    )
    if not public_url:
        return []
    return [
        SpecProblem(
            "lambda.functionUrl.authType",
            "makes the prod Function URL public: anyone who finds it can call the agent and "
            "spend its budget",
            "NONE",
            "use AWS_IAM (callers sign requests with SigV4), or make sure the agent "
            "authenticates every request itself",
        )
    ]
