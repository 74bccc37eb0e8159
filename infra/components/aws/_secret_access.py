"""What the function's role may read for the agent's Secrets Manager and SSM secrets.

Exactly the secrets, parameters and keys the spec names, nothing by wildcard. A parameter
given by name lives in the function's own partition, region and account, so its ARN is
only known at deployment time.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.components.aws._names import AwsNames
from infra.components.aws._policies import secrets_policy
from infra.spec import DeploymentSpec


@dataclass(frozen=True)
class Location:
    """Where the function runs: the parts of an ARN a parameter name leaves out.

    Attributes:
        partition: `aws`, `aws-cn` or `aws-us-gov`.
        region: such as `eu-west-1`.
        account: the 12-digit account id.
    """

    partition: str
    region: str
    account: str


def parameter_arn(parameter: str, where: Location | None) -> str:
    """The ARN of an SSM parameter given by name or ARN.

    Args:
        parameter: `/acme/key`, `acme-key`, or `arn:...:parameter/acme/key`.
        where: the function's location (needed for a name).

    Raises:
        ValueError: a name without a location.
    """
    if parameter.startswith("arn:"):
        return parameter
    if where is None:
        raise ValueError(f"the SSM parameter {parameter} needs the function's location")
    return (
        f"arn:{where.partition}:ssm:{where.region}:{where.account}:parameter/"
        f"{parameter.removeprefix('/')}"
    )


@dataclass(frozen=True)
class SecretGrants:
    """The agent's secret references, as the role's policy grants them.

    Attributes:
        secret_arns: complete Secrets Manager ARNs.
        parameters: SSM parameters, by name or ARN as the spec writes them.
        key_arns: customer managed KMS keys that encrypt them.
    """

    secret_arns: tuple[str, ...]
    parameters: tuple[str, ...]
    key_arns: tuple[str, ...]

    @property
    def needs_location(self) -> bool:
        """Whether a parameter is named without its ARN."""
        return any(not parameter.startswith("arn:") for parameter in self.parameters)

    def policy(self, where: Location | None = None) -> str:
        """The role's inline policy document (JSON).

        Args:
            where: the function's location, needed when `needs_location`.
        """
        return secrets_policy(
            self.secret_arns,
            [parameter_arn(parameter, where) for parameter in self.parameters],
            self.key_arns,
        )


def secret_grants(spec: DeploymentSpec) -> SecretGrants | None:
    """The grants for a spec's `fromSecretsManager` and `fromSsm` secrets (None: none)."""
    sources = [source for _, source in sorted(spec.agent.secret_env.items())]
    secrets = tuple(s.from_secrets_manager for s in sources if s.from_secrets_manager)
    parameters = tuple(s.from_ssm for s in sources if s.from_ssm)
    keys = tuple(s.kms_key_arn for s in sources if s.kms_key_arn)
    if not (secrets or parameters):
        return None
    return SecretGrants(secrets, parameters, keys)


def declare_secret_access(
    name: str,
    parent: pulumi.Resource,
    spec: DeploymentSpec,
    names: AwsNames,
    role: aws.iam.Role,
    account_id: pulumi.Input[str],
) -> aws.iam.RolePolicy | None:
    """The role's inline policy for the agent's secret references (None: it has none).

    Args:
        name: the component's name; the policy is `<name>-secrets-policy`.
        parent: the component.
        spec: the validated spec.
        names: the tenant's AWS names.
        role: the function's execution role.
        account_id: the account the function runs in.
    """
    grants = secret_grants(spec)
    if grants is None:
        return None
    document: pulumi.Input[str]
    if grants.needs_location:
        invoke = pulumi.InvokeOutputOptions(parent=parent)
        document = pulumi.Output.all(
            aws.get_partition_output(opts=invoke).partition,
            aws.get_region_output(opts=invoke).region,
            account_id,
        ).apply(lambda where: grants.policy(Location(*where)))
    else:
        document = grants.policy()
    return aws.iam.RolePolicy(
        f"{name}-secrets-policy",
        name=names.secrets_policy,
        role=role.id,
        policy=document,
        opts=pulumi.ResourceOptions(parent=parent),
    )
