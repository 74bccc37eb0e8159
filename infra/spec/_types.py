"""Field types that know the limits of where each value lands.

Each validator raises `rule_error(message, fix)`, so every problem a user sees says what
is wrong and how to fix it. Numbers and switches are strict: YAML's `"8080"` or `yes`
for a number, or `1` for a switch, is an error rather than a guess.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Annotated, Any
from urllib.parse import urlsplit

import semver
from pydantic import AfterValidator, BeforeValidator, Strict, WithJsonSchema

from infra.spec._errors import rule_error
from infra.spec._quantity import parse_quantity

_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS_LABEL = re.compile(_LABEL)
_DNS_1035_LABEL = re.compile(r"[a-z](?:[-a-z0-9]*[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_LABEL_NAME = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONFIG_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_HEADER = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_DOMAIN = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"(?::[0-9]+)?"
)
_REPOSITORY = re.compile(
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
)
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_ECR = re.compile(r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/.+")
_SUBNET = re.compile(r"subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_SECURITY_GROUP = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_ACCESS_POINT = re.compile(
    r"arn:aws(?:-cn|-us-gov)?:elasticfilesystem:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:"
    r"access-point/fsap-[0-9a-f]{8,40}"
)
_MOUNT_PATH = re.compile(r"/mnt/[A-Za-z0-9_.-]+")
_ARN = re.compile(r"arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)", re.DOTALL)
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d")
_ACCOUNT = re.compile(r"\d{12}")
_SECRET_RESOURCE = re.compile(r"secret:[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}")
_SSM_NAME = re.compile(r"(?:/[A-Za-z0-9_.-]+)+|[A-Za-z0-9_.-]+")
_KMS_KEY_RESOURCE = re.compile(
    r"key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
)
_CERTIFICATE_RESOURCE = re.compile(
    r"certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
_TOPIC_RESOURCE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

TENANT_ID_MAX_LENGTH = 40
"""Leaves room for `-<environment>` and the suffixes of derived resource names."""
RESERVED_LABEL_PREFIXES = ("kubernetes.io", "k8s.io", "jockey.dev")
"""Label key prefixes that Kubernetes or Jockey set (a tenant label would clash)."""
RESERVED_ENV_PREFIXES = ("AWS_LAMBDA_", "AWS_LWA_", "LAMBDA_", "_HANDLER")
"""Set by Lambda (AWS_LAMBDA_*, LAMBDA_*, _HANDLER) or by Jockey for the adapter (AWS_LWA_*)."""
RESERVED_ENV_NAMES = frozenset(
    {
        "PORT",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_EXECUTION_ENV",
        "AWS_XRAY_CONTEXT_MISSING",
        "AWS_XRAY_DAEMON_ADDRESS",
        "_AWS_XRAY_DAEMON_ADDRESS",
        "_AWS_XRAY_DAEMON_PORT",
        "_X_AMZN_TRACE_ID",
        "TZ",
        "LANG",
        "PATH",
        "LD_LIBRARY_PATH",
        "HOME",
    }
)
"""Names Lambda reserves, plus PORT (Jockey sets it from agent.port)."""
SECTIONS = ("tenant", "agent", "lambda", "kubernetes")
"""The spec's four sections (also the stack config keys `jockey:<section>`)."""
CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
HTTP_METHODS = ("*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
FUNCTION_URL_METHODS = ("*", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
"""Methods a Function URL's CORS lists (Lambda answers OPTIONS preflights itself)."""
MIN_CPU = Decimal("0.001")
"""1m: Kubernetes rounds anything smaller up to it."""
MIN_MEMORY = Decimal(6 * 2**20)
"""6Mi: the smallest memory limit container runtimes accept."""
AWS_PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
"""The AWS partitions Jockey deploys to (an ARN names one; resources never cross them)."""
SSM_NAME_MAX_LENGTH = 1011
"""SSM's limit on a parameter name (AWS counts it with the ARN's prefix; checked on the name)."""
SSM_NAME_MAX_LEVELS = 15
"""SSM's limit on a parameter hierarchy's depth."""
MIN_STORAGE = Decimal(2**20)
"""1Mi: no storage class provisions a smaller volume."""
RESERVED_MOUNT_ROOTS = (
    "/bin",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/run",
    "/sbin",
    "/sys",
    "/tmp",
    "/usr",
    "/var/run",
)
"""Folders a volume must not cover: the image's system files, the kernel's, and /tmp."""
SYSTEM_SUBJECT_PREFIX = "system:"
"""Users and groups of the cluster itself (system:authenticated is every signed-in user)."""

# ---------------------------------------------------------------- names


def dns_label(value: str) -> str:
    """A DNS-1123 label: lowercase letters, digits and '-', at most 63 characters."""
    if len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        raise rule_error(
            "not a DNS-1123 label",
            "use 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit",
        )
    return value


def tenant_id(value: str) -> str:
    """A DNS-1123 label short enough for `<id>-<environment>` and names derived from it."""
    dns_label(value)
    if len(value) > TENANT_ID_MAX_LENGTH:
        raise rule_error(
            f"longer than {TENANT_ID_MAX_LENGTH} characters",
            f"shorten it to {TENANT_ID_MAX_LENGTH} characters: the namespace and stack "
            "`<id>-<environment>` and the resource names derived from it must fit 63",
        )
    return value


def agent_name(value: str) -> str:
    """A DNS-1035 label (it names the Kubernetes Service): starts with a letter."""
    if len(value) > 63 or not _DNS_1035_LABEL.fullmatch(value):
        raise rule_error(
            "not a DNS-1035 label (it names the Kubernetes Service)",
            "use 1-63 lowercase letters, digits or '-', starting with a letter and ending "
            "with a letter or digit, such as support-bot",
        )
    return value


def dns_subdomain(value: str) -> str:
    """A DNS-1123 subdomain: a Kubernetes object name such as a Secret or IngressClass."""
    if len(value) > 253 or not _DNS_SUBDOMAIN.fullmatch(value):
        raise rule_error(
            "not a Kubernetes object name (DNS-1123 subdomain)",
            "use lowercase letters, digits, '-' and '.', starting and ending with a letter "
            "or digit, at most 253 characters",
        )
    return value


def host_name(value: str) -> str:
    """An Ingress host: a DNS name, optionally with a leading `*.` wildcard, not an IP."""
    name = value.removeprefix("*.")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        raise rule_error("an IP address is not allowed as an Ingress host", "use a DNS name")
    if len(name) > 253 or "." not in name or not _DNS_SUBDOMAIN.fullmatch(name):
        raise rule_error(
            "not a DNS host name",
            "use lowercase labels of letters, digits and '-' joined by dots, such as "
            "agent.acme.example (a leading *. is allowed)",
        )
    return value


# ---------------------------------------------------------------- labels


def label_value(value: str) -> str:
    """A Kubernetes label value: empty, or at most 63 of [A-Za-z0-9-_.] in alphanumerics."""
    if value and (len(value) > 63 or not _LABEL_NAME.fullmatch(value)):
        raise rule_error(
            "not a valid Kubernetes label value",
            "use at most 63 letters, digits, '-', '_' or '.', starting and ending with a "
            "letter or digit",
        )
    return value


def organization(value: str) -> str:
    """A non-empty label value (it becomes the `jockey.dev/organization` label)."""
    if not value:
        raise rule_error("is empty", "name the owning organization, such as acme-corp")
    return label_value(value)


def label_key(value: str) -> str:
    """A Kubernetes label key: an optional DNS prefix and '/', then a name."""
    prefix, slash, name = value.rpartition("/")
    bad_prefix = bool(slash) and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix))
    if bad_prefix or len(name) > 63 or not _LABEL_NAME.fullmatch(name):
        raise rule_error(
            "not a valid Kubernetes label key",
            "use `name` or `prefix/name`: a name of at most 63 letters, digits, '-', '_' or '.'"
            " and an optional lowercase DNS prefix",
        )
    if any(prefix == p or prefix.endswith(f".{p}") for p in RESERVED_LABEL_PREFIXES):
        raise rule_error(
            f"the prefix {prefix} is reserved (Kubernetes and Jockey set these labels)",
            "use your own prefix, such as acme.example/team, or none",
        )
    return value


# ---------------------------------------------------------------- quantities


def _number_as_text(value: Any) -> Any:
    """YAML reads `cpu: 2` as a number; Kubernetes reads it as the quantity "2"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format(Decimal(str(value)), "f")
    return value


def _quantity(value: str) -> Decimal:
    try:
        return parse_quantity(value)
    except ValueError:
        raise rule_error(
            "not a Kubernetes quantity",
            "use a number with an optional suffix: 500m or 2 (CPU), 256Mi or 1Gi (memory)",
        ) from None


def cpu_quantity(value: str) -> str:
    """A CPU quantity of at least 1m."""
    if _quantity(value) < MIN_CPU:
        raise rule_error(
            "below 1m, the smallest CPU amount Kubernetes schedules",
            "use at least 1m, such as 100m (0.1 core)",
        )
    return value


def memory_quantity(value: str) -> str:
    """A memory quantity of at least 6Mi, in whole bytes."""
    amount = _quantity(value)
    if value.endswith("m"):
        raise rule_error(
            "uses the milli suffix m (thousandths of a byte)",
            f"use Mi for mebibytes: {value[:-1]}Mi",
        )
    if amount < MIN_MEMORY:
        raise rule_error(
            "below 6Mi, the smallest memory container runtimes accept",
            "use at least 6Mi, such as 128Mi",
        )
    return value


# ---------------------------------------------------------------- versions and images


def semantic_version(value: str) -> str:
    """A semantic version (1.4.2, 2.0.0-rc.1)."""
    if not semver.Version.is_valid(value):
        raise rule_error(
            "not a semantic version", "use MAJOR.MINOR.PATCH, such as 1.4.2 (or 2.0.0-rc.1)"
        )
    return value


def image_reference(value: str) -> str:
    """A container image: `<registry>/<repository>[:tag][@sha256:<64 hex>]`."""
    rest, _, digest = value.partition("@")
    registry, slash, path = rest.partition("/")
    repository, _, tag = path.partition(":") if ":" in path.rpartition("/")[2] else (path, "", "")
    is_registry = "." in registry or ":" in registry or registry == "localhost"
    valid = (
        len(rest) <= 255
        and bool(slash)
        and is_registry
        and bool(_DOMAIN.fullmatch(registry))
        and bool(_REPOSITORY.fullmatch(repository))
        and (not tag or bool(_TAG.fullmatch(tag)))
        and (not digest or bool(_DIGEST.fullmatch(digest)))
        and bool(tag or digest)
    )
    if not valid:
        raise rule_error(
            "not an image reference <registry>/<repository>[:tag][@sha256:<digest>]",
            "name the registry host and pin the image, such as "
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/agent@sha256:<64 hex digits> "
            "(a :tag is allowed outside prod)",
        )
    return value


def is_digest_pinned(reference: str) -> bool:
    """Whether an image reference names a content digest."""
    return bool(_DIGEST.fullmatch(reference.rpartition("@")[2]))


def is_ecr_image(reference: str) -> bool:
    """Whether an image reference is in a private Amazon ECR registry (Lambda needs one)."""
    return bool(_ECR.fullmatch(reference))


# ---------------------------------------------------------------- environment


def env_name(value: str) -> str:
    """An environment variable name the runtime and Jockey do not reserve."""
    if not _IDENTIFIER.fullmatch(value):
        raise rule_error(
            "not an environment variable name",
            "use letters, digits and '_', not starting with a digit, such as LOG_LEVEL",
        )
    if value in RESERVED_ENV_NAMES or value.startswith(RESERVED_ENV_PREFIXES):
        raise rule_error(
            "reserved by Lambda, the Lambda Web Adapter or Jockey",
            "rename it: PORT and AWS_LWA_* are set from agent.port and agent.healthPath, and "
            "Lambda sets AWS_* and LAMBDA_* itself",
        )
    return value


def env_source_name(value: str) -> str:
    """The name of an environment variable to read a secret from."""
    if not _IDENTIFIER.fullmatch(value):
        raise rule_error(
            "not an environment variable name",
            "name the variable holding the secret, such as ACME_OPENAI_API_KEY",
        )
    return value


def config_key(value: str) -> str:
    """A secure config key of the stack, without the `jockey:` namespace."""
    if value.startswith("jockey:"):
        raise rule_error(
            "includes the jockey: namespace", f"write the key alone: {value[len('jockey:') :]}"
        )
    if not _CONFIG_KEY.fullmatch(value) or value in SECTIONS:
        raise rule_error(
            "not a secret config key",
            "name a key set with `pulumi config set --secret jockey:<key>` (letters, digits,"
            " '_', '-', '.'; not tenant, agent, lambda or kubernetes)",
        )
    return value


# ---------------------------------------------------------------- HTTP


def http_path(value: str) -> str:
    """An HTTP path for probes and routes."""
    if (
        not value.startswith("/")
        or any(ch.isspace() for ch in value)
        or "?" in value
        or "#" in value
    ):
        raise rule_error(
            "not an HTTP path", "use a path starting with '/' without query, such as /health"
        )
    return value


def cors_origin(value: str) -> str:
    """A CORS origin: `*` or scheme://host[:port] without a path."""
    if value == "*":
        return value
    try:
        parts = urlsplit(value)
        valid = (
            parts.scheme in ("http", "https")
            and bool(parts.hostname)
            and not (parts.path or parts.query or parts.fragment or parts.username)
        )
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        valid = False
    if not valid:
        raise rule_error(
            "not a CORS origin",
            "use * or scheme://host[:port] with no path or trailing '/', such as "
            "https://app.example.com",
        )
    return value


def http_method(value: str) -> str:
    """An HTTP method API Gateway CORS accepts."""
    if value not in HTTP_METHODS:
        raise rule_error("not an HTTP method", f"use one of {', '.join(HTTP_METHODS)}")
    return value


def function_url_method(value: str) -> str:
    """An HTTP method a Function URL's CORS accepts."""
    if value not in FUNCTION_URL_METHODS:
        raise rule_error(
            "not a Function URL CORS method",
            f"use one of {', '.join(FUNCTION_URL_METHODS)} (Lambda answers OPTIONS preflights "
            "itself)",
        )
    return value


def jwt_audience(value: str) -> str:
    """One accepted `aud` claim of a JWT (a client id or an API identifier)."""
    if not value or any(ch.isspace() for ch in value):
        raise rule_error(
            "not a JWT audience",
            "use the aud value the issuer puts in its tokens, such as a client id or "
            "https://api.acme.example",
        )
    return value


def header_name(value: str) -> str:
    """An HTTP header name, or `*`."""
    if not _HEADER.fullmatch(value):
        raise rule_error(
            "not an HTTP header name",
            "use a header name such as content-type (letters, digits, '-'), or *",
        )
    return value


def cidr(value: str) -> str:
    """An IPv4 or IPv6 CIDR block."""
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise rule_error(
            "not a CIDR block", "use an address/prefix with no host bits, such as 10.0.0.0/8"
        ) from None
    return value


# ---------------------------------------------------------------- AWS ids


def _matching(pattern: re.Pattern[str], what: str, fix: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise rule_error(f"not {what}", fix)
        return value

    return check


subnet_id = _matching(_SUBNET, "a subnet id", "use a subnet id such as subnet-0a1b2c3d")
security_group_id = _matching(
    _SECURITY_GROUP, "a security group id", "use a security group id such as sg-0a1b2c3d"
)
access_point_arn = _matching(
    _ACCESS_POINT,
    "an EFS access point ARN",
    "use arn:aws:elasticfilesystem:<region>:<account>:access-point/fsap-<id>",
)


def _arn_checker(
    service: str, resource: re.Pattern[str], what: str, example: str
) -> Callable[[str], str]:
    """A validator of one kind of ARN, each part checked with its own message.

    A known partition, then the service, the region and account, and the resource's own shape.
    """

    def check(value: str) -> str:
        parts = _ARN.fullmatch(value)
        fix = f"use the complete ARN, such as {example}"
        if parts is None:
            raise rule_error(f"not {what}", fix)
        partition, kind, region, account, rest = parts.groups()
        if partition not in AWS_PARTITIONS:
            raise rule_error(
                f"names the partition {partition!r}, not one of {', '.join(AWS_PARTITIONS)}",
                fix,
            )
        if kind != service:
            raise rule_error(f"is an ARN of {kind or 'no service'}, not {what}", fix)
        if not _REGION.fullmatch(region) or not _ACCOUNT.fullmatch(account):
            raise rule_error(f"not {what}: the region or the 12-digit account is wrong", fix)
        if not resource.fullmatch(rest):
            raise rule_error(f"not {what}", fix)
        return value

    return check


def arn_partition(arn: str) -> str:
    """The partition an ARN names (`aws`, `aws-cn`, `aws-us-gov`)."""
    return arn.split(":", 2)[1]


def arn_region(arn: str) -> str:
    """The region an ARN names."""
    return arn.split(":", 4)[3]


def ecr_location(reference: str) -> tuple[str, str] | None:
    """The partition and region of an Amazon ECR image (a function runs in both), else None."""
    if not _ECR.fullmatch(reference):
        return None
    host = reference.split("/", 1)[0]
    region = host.split(".")[3]
    if host.endswith(".amazonaws.com.cn"):
        return "aws-cn", region
    return ("aws-us-gov" if region.startswith("us-gov-") else "aws"), region


secrets_manager_arn = _arn_checker(
    "secretsmanager",
    _SECRET_RESOURCE,
    "a Secrets Manager secret ARN",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/openai-AbCdEf (it ends in "
    "'-' and the 6 characters Secrets Manager adds; `aws secretsmanager describe-secret` "
    "prints it)",
)
kms_key_arn = _arn_checker(
    "kms",
    _KMS_KEY_RESOURCE,
    "a KMS key ARN",
    "arn:aws:kms:eu-west-1:123456789012:key/<key id> (a key, not an alias: IAM grants "
    "kms:Decrypt on keys)",
)
certificate_arn = _arn_checker(
    "acm",
    _CERTIFICATE_RESOURCE,
    "an ACM certificate ARN",
    "arn:aws:acm:eu-west-1:123456789012:certificate/<id>, in the API's region",
)
sns_topic_arn = _arn_checker(
    "sns",
    _TOPIC_RESOURCE,
    "an SNS topic ARN",
    "arn:aws:sns:eu-west-1:123456789012:acme-alerts (a standard topic)",
)
_ssm_arn = _arn_checker(
    "ssm",
    re.compile(r"parameter/.+", re.DOTALL),
    "an SSM parameter ARN",
    "arn:aws:ssm:eu-west-1:123456789012:parameter/acme/openai-key, or the name /acme/openai-key",
)


def ssm_parameter_name(parameter: str) -> str:
    """The name of an SSM parameter given by name or ARN (`/acme/key` or `acme-key`)."""
    if not parameter.startswith("arn:"):
        return parameter
    name = parameter.split(":parameter/", 1)[1]
    return f"/{name}" if "/" in name else name


def ssm_parameter(value: str) -> str:
    """An SSM parameter: its name (`/acme/key` or `acme-key`) or its ARN."""
    if value.startswith("arn:"):
        _ssm_arn(value)
    name = ssm_parameter_name(value)
    if len(name) > SSM_NAME_MAX_LENGTH or not _SSM_NAME.fullmatch(name):
        raise rule_error(
            "not an SSM parameter name",
            "use a name such as /acme/openai-key (a hierarchy starts with '/'; letters, "
            "digits, '.', '-', '_'), or the parameter's ARN",
        )
    if name.count("/") > SSM_NAME_MAX_LEVELS:
        raise rule_error(
            f"has more than {SSM_NAME_MAX_LEVELS} levels", "use a shallower parameter hierarchy"
        )
    return value


def email_address(value: str) -> str:
    """An e-mail address (an SNS e-mail subscription's endpoint)."""
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise rule_error("not an e-mail address", "use an address such as oncall@acme.example")
    return value


def jwt_issuer(value: str) -> str:
    """A JWT issuer: the https URL its tokens' `iss` claim names."""
    try:
        parts = urlsplit(value)
        valid = (
            parts.scheme == "https"
            and bool(parts.hostname)
            and not (parts.query or parts.fragment or parts.username)
        )
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        valid = False
    if not valid:
        raise rule_error(
            "not a JWT issuer URL",
            "use the https URL its tokens' iss claim names, such as "
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123 or "
            "https://acme.eu.auth0.com/",
        )
    return value


def mount_path(value: str) -> str:
    """A Lambda file system mount path: /mnt/<name>."""
    if len(value) > 160 or not _MOUNT_PATH.fullmatch(value):
        raise rule_error(
            "not a Lambda mount path", "use /mnt/<name> (letters, digits, '_', '.', '-')"
        )
    return value


# ---------------------------------------------------------------- Kubernetes storage and access


def storage_quantity(value: str) -> str:
    """A volume size: a quantity of at least 1Mi, in whole bytes."""
    amount = _quantity(value)
    if value.endswith("m"):
        raise rule_error(
            "uses the milli suffix m (thousandths of a byte)",
            f"use Mi or Gi: {value[:-1]}Mi, or such as 1Gi",
        )
    if amount < MIN_STORAGE:
        raise rule_error(
            "below 1Mi, smaller than any volume a cluster provisions",
            "use at least 1Mi, such as 1Gi",
        )
    return value


def volume_mount_path(value: str) -> str:
    """Where a volume is mounted in the agent container: an absolute, plain path.

    It lies outside the system folders and the container's own /tmp.
    """
    path = PurePosixPath(value)
    plain = (
        value.startswith("/")
        and len(value) <= 255
        and str(path) == value
        and ".." not in path.parts
        and ":" not in value
        and not any(ch.isspace() or not ch.isprintable() for ch in value)
    )
    if not plain:
        raise rule_error(
            "not a plain absolute path",
            "use an absolute path without '..', ':', spaces or a trailing '/', such as /data",
        )
    reserved = next(
        (
            root
            for root in RESERVED_MOUNT_ROOTS
            if path == PurePosixPath(root) or path.is_relative_to(root)
        ),
        None,
    )
    if value == "/" or reserved is not None:
        raise rule_error(
            f"would cover {reserved or '/'}, which the container needs (its system files, or "
            "the writable /tmp Jockey mounts)",
            "mount the volume on a folder of its own, such as /data",
        )
    return value


def subject_name(value: str) -> str:
    """A Kubernetes user or group name a RoleBinding may name (never a `system:` one)."""
    if not value or len(value) > 253 or any(ch.isspace() or not ch.isprintable() for ch in value):
        raise rule_error(
            "not a user or group name",
            "use the name your cluster's authentication reports (1-253 printable characters, "
            "no spaces), such as alice@acme.example",
        )
    if value.startswith(SYSTEM_SUBJECT_PREFIX):
        raise rule_error(
            f"names a {SYSTEM_SUBJECT_PREFIX} identity of the cluster itself (such as "
            "system:authenticated, every signed-in user)",
            "name the tenant's own users or groups",
        )
    return value


# ---------------------------------------------------------------- build


def _quoted_version(value: Any) -> Any:
    """YAML reads `3.10` as the number 3.1: refuse it rather than guess."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise rule_error(
            "read as a number by YAML", 'quote it, such as pythonVersion: "3.12"', value=value
        )
    return value


def python_version(value: str) -> str:
    """A Python minor version with a slim base image."""
    if value not in ("3.10", "3.11", "3.12", "3.13"):
        raise rule_error(
            "not a supported Python version", "use 3.10, 3.11, 3.12 or 3.13 (quote it in YAML)"
        )
    return value


def relative_file(value: str) -> str:
    """A file inside the build context."""
    path = PurePosixPath(value)
    if not value or path.is_absolute() or ".." in path.parts:
        raise rule_error(
            "not a path inside the build context",
            "use a relative path without '..', such as requirements.txt",
        )
    return value


def command(value: list[str]) -> list[str]:
    """A JSON-form CMD: at least one non-empty argument."""
    if not value or not all(value):
        raise rule_error(
            "needs a program and its arguments, none empty",
            'use a list such as ["python", "-m", "app"]',
        )
    return value


# ---------------------------------------------------------------- numbers and lists


def in_range(low: int | float, high: int | float, unit: str = "", why: str = "") -> AfterValidator:
    """A validator for an inclusive numeric range, with the fix naming it."""

    def check(value: int | float) -> int | float:
        if not low <= value <= high:
            reason = f" ({why})" if why else ""
            raise rule_error(
                f"out of range {low}-{high}{unit}{reason}",
                f"use a value from {low} to {high}{unit}",
            )
        return value

    return AfterValidator(check)


def one_of(allowed: tuple[int, ...], what: str) -> AfterValidator:
    """A validator for a fixed set of values."""

    def check(value: int) -> int:
        if value not in allowed:
            raise rule_error(f"not a {what}", f"use one of {', '.join(map(str, allowed))}")
        return value

    return AfterValidator(check)


def at_least_one(what: str) -> AfterValidator:
    """A validator refusing an empty list."""

    def check(value: Sequence[Any]) -> Sequence[Any]:
        if not value:
            raise rule_error(f"lists no {what}", f"list at least one {what}, or remove the field")
        return value

    return AfterValidator(check)


def count_between(low: int, high: int, what: str) -> AfterValidator:
    """A validator for how many items a list holds."""

    def check(value: Sequence[Any]) -> Sequence[Any]:
        if not low <= len(value) <= high:
            raise rule_error(
                f"has {len(value)} {what}, needs {low}-{high}", f"list {low} to {high} {what}"
            )
        return value

    return AfterValidator(check)


def unique(what: str) -> AfterValidator:
    """A validator refusing repeated list items."""

    def check(value: Sequence[Any]) -> Sequence[Any]:
        repeated = sorted({str(item) for item in value if value.count(item) > 1})
        if repeated:
            raise rule_error(f"repeats {', '.join(repeated)}", f"list each {what} once")
        return value

    return AfterValidator(check)


Int = Annotated[int, Strict()]
Number = Annotated[float, Strict()]
DnsLabel = Annotated[str, AfterValidator(dns_label)]
TenantId = Annotated[str, AfterValidator(tenant_id)]
AgentName = Annotated[str, AfterValidator(agent_name)]
DnsSubdomain = Annotated[str, AfterValidator(dns_subdomain)]
HostName = Annotated[str, AfterValidator(host_name)]
LabelKey = Annotated[str, AfterValidator(label_key)]
LabelValue = Annotated[str, AfterValidator(label_value)]
Organization = Annotated[str, AfterValidator(organization)]
_QUANTITY_SCHEMA = WithJsonSchema({"type": ["string", "number"]})
CpuQuantity = Annotated[
    str, BeforeValidator(_number_as_text), AfterValidator(cpu_quantity), _QUANTITY_SCHEMA
]
MemoryQuantity = Annotated[
    str, BeforeValidator(_number_as_text), AfterValidator(memory_quantity), _QUANTITY_SCHEMA
]
SemanticVersion = Annotated[str, AfterValidator(semantic_version)]
ImageReference = Annotated[str, AfterValidator(image_reference)]
EnvName = Annotated[str, AfterValidator(env_name)]
EnvSourceName = Annotated[str, AfterValidator(env_source_name)]
ConfigKey = Annotated[str, AfterValidator(config_key)]
HttpPath = Annotated[str, AfterValidator(http_path)]
CorsOrigin = Annotated[str, AfterValidator(cors_origin)]
HttpMethod = Annotated[str, AfterValidator(http_method)]
FunctionUrlMethod = Annotated[str, AfterValidator(function_url_method)]
JwtAudience = Annotated[str, AfterValidator(jwt_audience)]
HeaderName = Annotated[str, AfterValidator(header_name)]
Cidr = Annotated[str, AfterValidator(cidr)]
SubnetId = Annotated[str, AfterValidator(subnet_id)]
SecurityGroupId = Annotated[str, AfterValidator(security_group_id)]
AccessPointArn = Annotated[str, AfterValidator(access_point_arn)]
MountPath = Annotated[str, AfterValidator(mount_path)]
SecretsManagerArn = Annotated[str, AfterValidator(secrets_manager_arn)]
SsmParameter = Annotated[str, AfterValidator(ssm_parameter)]
KmsKeyArn = Annotated[str, AfterValidator(kms_key_arn)]
CertificateArn = Annotated[str, AfterValidator(certificate_arn)]
SnsTopicArn = Annotated[str, AfterValidator(sns_topic_arn)]
EmailAddress = Annotated[str, AfterValidator(email_address)]
JwtIssuer = Annotated[str, AfterValidator(jwt_issuer)]
PythonVersion = Annotated[str, BeforeValidator(_quoted_version), AfterValidator(python_version)]
RelativeFile = Annotated[str, AfterValidator(relative_file)]
Command = Annotated[list[str], AfterValidator(command)]
StorageQuantity = Annotated[
    str, BeforeValidator(_number_as_text), AfterValidator(storage_quantity), _QUANTITY_SCHEMA
]
VolumeMountPath = Annotated[str, AfterValidator(volume_mount_path)]
SubjectName = Annotated[str, AfterValidator(subject_name)]
