"""The AWS target: the tenant's ECR repository, and the agent as a Lambda function.

The function runs behind an API Gateway HTTP API or a Function URL, with its alarms and,
optionally, canary releases through CodeDeploy.

`AgentRepository` comes first (the image is pushed into it); `LambdaAgent` then runs the
pushed image by digest. Both take the AWS provider through `opts`.
"""

from infra.components.aws._lambda import LambdaAgent, LambdaAgentArgs
from infra.components.aws._names import ALIAS_NAME, AwsNames, aws_names, bounded
from infra.components.aws._policies import lambda_trust_policy, lifecycle_policy, logs_policy
from infra.components.aws._repository import AgentRepository, AgentRepositoryArgs
from infra.components.aws._settings import (
    access_log_format,
    function_environment,
    integration_timeout_ms,
)

__all__ = [
    "ALIAS_NAME",
    "AgentRepository",
    "AgentRepositoryArgs",
    "AwsNames",
    "LambdaAgent",
    "LambdaAgentArgs",
    "access_log_format",
    "aws_names",
    "bounded",
    "function_environment",
    "integration_timeout_ms",
    "lambda_trust_policy",
    "lifecycle_policy",
    "logs_policy",
]
