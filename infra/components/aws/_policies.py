"""IAM and ECR policy documents (plain JSON text, no Pulumi)."""

from __future__ import annotations

import json
from collections.abc import Sequence

LAMBDA_SERVICE = "lambda.amazonaws.com"
CODEDEPLOY_SERVICE = "codedeploy.amazonaws.com"
VPC_ACCESS_POLICY = "service-role/AWSLambdaVPCAccessExecutionRole"
"""AWS managed policy for the function's network interfaces (attached only with a VPC)."""


def _document(statements: list[dict[str, object]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _write_logs(log_group_arn: str) -> dict[str, object]:
    # The group exists before its writer, so no logs:CreateLogGroup; streams are `<arn>:*`.
    return {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"{log_group_arn.removesuffix(':*')}:*",
    }


def service_trust_policy(service: str, sid: str, account_id: str) -> str:
    """A trust policy letting only `service`, on behalf of this account, assume the role.

    Args:
        service: the service principal, such as `lambda.amazonaws.com`.
        sid: the statement id.
        account_id: the AWS account the role serves (`aws:SourceAccount`).

    Returns:
        The policy document as JSON.
    """
    return _document(
        [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ]
    )


def lambda_trust_policy(account_id: str) -> str:
    """A trust policy letting only Lambda, on behalf of this account, assume the role.

    Args:
        account_id: the AWS account that owns the function (`aws:SourceAccount`).

    Returns:
        The policy document as JSON.
    """
    return service_trust_policy(LAMBDA_SERVICE, "LambdaOfThisAccount", account_id)


def codedeploy_trust_policy(account_id: str) -> str:
    """A trust policy letting only CodeDeploy, on behalf of this account, assume the role."""
    return service_trust_policy(CODEDEPLOY_SERVICE, "CodeDeployOfThisAccount", account_id)


def logs_policy(
    log_group_arn: str, efs_access_point_arn: str | None = None, *, tracing: bool = False
) -> str:
    """The function's own permissions: write to its log group (mount its EFS, send traces).

    The log group exists before the function, so no `logs:CreateLogGroup`; the streams
    are the group's (`<arn>:*`). The EFS grant is limited to the one access point. X-Ray
    has no resource-level permissions: its two write actions are granted on `*`.

    Args:
        log_group_arn: the ARN of the function's log group (without a trailing `:*`).
        efs_access_point_arn: the EFS access point the function mounts, if any.
        tracing: whether the function sends X-Ray traces.

    Returns:
        The policy document as JSON.
    """
    statements: list[dict[str, object]] = [_write_logs(log_group_arn)]
    if efs_access_point_arn is not None:
        statements.append(
            {
                "Sid": "MountOwnAccessPoint",
                "Effect": "Allow",
                "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"elasticfilesystem:AccessPointArn": efs_access_point_arn}
                },
            }
        )
    if tracing:
        statements.append(
            {
                "Sid": "WriteTraces",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            }
        )
    return _document(statements)


def secrets_policy(
    secret_arns: Sequence[str], parameter_arns: Sequence[str], key_arns: Sequence[str]
) -> str:
    """Read exactly the agent's Secrets Manager secrets and SSM parameters.

    Decrypt them with exactly the keys the spec names.

    Args:
        secret_arns: complete secret ARNs (`secretsmanager:GetSecretValue`).
        parameter_arns: parameter ARNs (`ssm:GetParameter`, `ssm:GetParameters`).
        key_arns: customer managed KMS keys (`kms:Decrypt`).

    Returns:
        The policy document as JSON; one statement per kind present, resources sorted.
    """
    statements: list[dict[str, object]] = []
    for sid, actions, resources in (
        ("ReadOwnSecrets", ["secretsmanager:GetSecretValue"], secret_arns),
        ("ReadOwnParameters", ["ssm:GetParameter", "ssm:GetParameters"], parameter_arns),
        ("DecryptOwnSecrets", ["kms:Decrypt"], key_arns),
    ):
        if resources:
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Action": actions,
                    "Resource": sorted(set(resources)),
                }
            )
    return _document(statements)


def deploy_policy(function_arn: str, alias_arn: str, alarm_arns: Sequence[str]) -> str:
    """CodeDeploy's permissions for one release: move this alias, read these alarms.

    Args:
        function_arn: the agent function (unqualified ARN).
        alias_arn: its `live` alias.
        alarm_arns: the alarms that stop a release.

    Returns:
        The policy document as JSON.
    """
    return _document(
        [
            {
                "Sid": "ShiftTheLiveAlias",
                "Effect": "Allow",
                "Action": [
                    "lambda:GetAlias",
                    "lambda:UpdateAlias",
                    "lambda:GetProvisionedConcurrencyConfig",
                ],
                "Resource": [function_arn, alias_arn],
            },
            {
                "Sid": "ReadReleaseAlarms",
                "Effect": "Allow",
                "Action": "cloudwatch:DescribeAlarms",
                "Resource": sorted(alarm_arns),
            },
        ]
    )


def release_policy(
    log_group_arn: str,
    function_arn: str,
    alias_arn: str,
    application_arn: str,
    group_arn: str,
    config_arn: str,
) -> str:
    """The release function's permissions: read the alias, start a release of this group.

    Args:
        log_group_arn: the release function's log group.
        function_arn: the agent function (unqualified ARN).
        alias_arn: its `live` alias.
        application_arn: the CodeDeploy application (revisions are registered there).
        group_arn: the CodeDeploy deployment group.
        config_arn: the deployment config the group uses.

    Returns:
        The policy document as JSON.
    """
    return _document(
        [
            _write_logs(log_group_arn),
            {
                "Sid": "ReadTheLiveAlias",
                "Effect": "Allow",
                "Action": "lambda:GetAlias",
                "Resource": [function_arn, alias_arn],
            },
            {
                "Sid": "StartReleases",
                "Effect": "Allow",
                "Action": "codedeploy:CreateDeployment",
                "Resource": group_arn,
            },
            {
                "Sid": "ReadTheDeploymentConfig",
                "Effect": "Allow",
                "Action": "codedeploy:GetDeploymentConfig",
                "Resource": config_arn,
            },
            {
                "Sid": "RegisterRevisions",
                "Effect": "Allow",
                "Action": [
                    "codedeploy:RegisterApplicationRevision",
                    "codedeploy:GetApplicationRevision",
                ],
                "Resource": application_arn,
            },
        ]
    )


def lifecycle_policy(keep_images: int) -> str:
    """An ECR lifecycle policy keeping the newest `keep_images` images, tagged or not.

    Args:
        keep_images: how many images to keep.

    Returns:
        The policy document as JSON.
    """
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Keep the newest {keep_images} images",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": keep_images,
                    },
                    "action": {"type": "expire"},
                }
            ]
        }
    )
