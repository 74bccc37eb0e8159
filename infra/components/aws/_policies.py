"""IAM and ECR policy documents (plain JSON text, no Pulumi)."""

from __future__ import annotations

import json

LAMBDA_SERVICE = "lambda.amazonaws.com"
VPC_ACCESS_POLICY = "service-role/AWSLambdaVPCAccessExecutionRole"
"""AWS managed policy for the function's network interfaces (attached only with a VPC)."""


def lambda_trust_policy(account_id: str) -> str:
    """A trust policy letting only Lambda, on behalf of this account, assume the role.

    Args:
        account_id: the AWS account that owns the function (`aws:SourceAccount`).

    Returns:
        The policy document as JSON.
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "LambdaOfThisAccount",
                    "Effect": "Allow",
                    "Principal": {"Service": LAMBDA_SERVICE},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def logs_policy(log_group_arn: str, efs_access_point_arn: str | None = None) -> str:
    """The function's own permissions: write to its log group (and mount its EFS).

    The log group exists before the function, so no `logs:CreateLogGroup`; the streams
    are the group's (`<arn>:*`). The EFS grant is limited to the one access point.

    Args:
        log_group_arn: the ARN of the function's log group (without a trailing `:*`).
        efs_access_point_arn: the EFS access point the function mounts, if any.

    Returns:
        The policy document as JSON.
    """
    statements: list[dict[str, object]] = [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn.removesuffix(':*')}:*",
        }
    ]
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
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


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
