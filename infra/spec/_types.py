"""Field types that know the limits of where each value lands."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated
from urllib.parse import urlsplit

import semver
from pydantic import AfterValidator

from infra.spec._errors import rule_error
from infra.spec._quantity import parse_quantity

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# registry[:port]/path[:tag][@sha256:digest], as the distribution reference grammar allows.
_IMAGE = re.compile(
    r"^(?:(?P<registry>[a-zA-Z0-9.-]+(?::[0-9]+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@sha256:(?P<digest>[0-9a-f]{64}))?$"
)
RESERVED_ENV_PREFIXES = ("AWS_LAMBDA_", "AWS_LWA_", "_HANDLER", "LAMBDA_")
RESERVED_ENV_NAMES = frozenset(
    {
        "PORT",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_EXECUTION_ENV",
        "_X_AMZN_TRACE_ID",
        "TZ",
        "LANG",
        "PATH",
        "LD_LIBRARY_PATH",
        "PYTHONPATH",
        "HOME",
    }
)
CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip


def dns_label(value: str) -> str:
    """A DNS-1123 label: lowercase letters, digits and '-', at most 63 characters."""
    if len(value) > 63 or not _DNS_LABEL.match(value):
        raise rule_error(
            "not a DNS-1123 label",
            "use 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit",
        )
    return value


def dns_name(value: str) -> str:
    """A DNS-1123 subdomain (a host name)."""
    if len(value) > 253 or not _DNS_SUBDOMAIN.match(value):
        raise rule_error(
            "not a DNS name",
            "use lowercase labels of letters, digits and '-', joined by dots (app.example.com)",
        )
    return value


def label_value(value: str) -> str:
    """A Kubernetes label value: empty, or 63 characters of [A-Za-z0-9-_.] in letters."""
    if value and (len(value) > 63 or not _LABEL_NAME.match(value)):
        raise rule_error(
            "not a valid Kubernetes label value",
            "use at most 63 letters, digits, '-', '_' or '.', starting and ending with a "
            "letter or digit",
        )
    return value


def label_key(value: str) -> str:
    """A Kubernetes label key: an optional DNS prefix and '/', then a name."""
    prefix, _, name = value.rpartition("/")
    bad_prefix = bool(prefix) and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix))
    if bad_prefix or not name or len(name) > 63 or not _LABEL_NAME.match(name):
        raise rule_error(
            "not a valid Kubernetes label key",
            "use `name` or `prefix/name`: a name of at most 63 letters, digits, '-', '_', '.'"
            " and an optional DNS prefix",
        )
    if prefix in ("kubernetes.io", "k8s.io") or prefix.endswith((".kubernetes.io", ".k8s.io")):
        raise rule_error("the kubernetes.io prefix is reserved", "use your own prefix or none")
    return value


def quantity(value: str) -> str:
    """A Kubernetes quantity greater than zero."""
    try:
        amount = parse_quantity(value)
    except ValueError:
        raise rule_error(
            "not a Kubernetes quantity",
            "use a number with an optional suffix: 500m or 2 (CPU), 256Mi or 1Gi (memory)",
        ) from None
    if amount <= 0:
        raise rule_error("must be greater than zero", "use a positive quantity")
    return value


def semantic_version(value: str) -> str:
    """A semantic version (1.4.2, 2.0.0-rc.1)."""
    if not semver.Version.is_valid(value):
        raise rule_error("not a semantic version", "use MAJOR.MINOR.PATCH, such as 1.4.2")
    return value


def image_reference(value: str) -> str:
    """A container image reference: registry/repository[:tag][@sha256:digest]."""
    match = _IMAGE.match(value)
    if match is None or not (match["tag"] or match["digest"]):
        raise rule_error(
            "not an image reference with a tag or digest",
            "use <registry>/<repository>@sha256:<64 hex digits> (or :<tag> outside prod)",
        )
    return value


def is_digest_pinned(reference: str) -> bool:
    """Whether an image reference names a content digest."""
    return bool(_DIGEST.search(reference))


def env_name(value: str) -> str:
    """An environment variable name the runtime does not reserve."""
    if not _ENV_NAME.match(value):
        raise rule_error(
            "not an environment variable name",
            "use letters, digits and '_', not starting with a digit",
        )
    if value in RESERVED_ENV_NAMES or value.startswith(RESERVED_ENV_PREFIXES):
        raise rule_error(
            "reserved by Lambda, the Lambda Web Adapter or Jockey",
            "choose another name (PORT and AWS_LWA_* are set from agent.port and healthPath)",
        )
    return value


def http_path(value: str) -> str:
    """An HTTP path for probes."""
    if not value.startswith("/") or any(ch.isspace() for ch in value) or "?" in value:
        raise rule_error("not an HTTP path", "use a path starting with '/', such as /health")
    return value


def cors_origin(value: str) -> str:
    """A CORS origin: `*` or scheme://host[:port] without a path."""
    if value == "*":
        return value
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
    ):
        raise rule_error(
            "not a CORS origin",
            "use * or scheme://host[:port] with no path, such as https://app.example.com",
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


DnsLabel = Annotated[str, AfterValidator(dns_label)]
DnsName = Annotated[str, AfterValidator(dns_name)]
LabelKey = Annotated[str, AfterValidator(label_key)]
LabelValue = Annotated[str, AfterValidator(label_value)]
Quantity = Annotated[str, AfterValidator(quantity)]
SemanticVersion = Annotated[str, AfterValidator(semantic_version)]
ImageReference = Annotated[str, AfterValidator(image_reference)]
EnvName = Annotated[str, AfterValidator(env_name)]
HttpPath = Annotated[str, AfterValidator(http_path)]
CorsOrigin = Annotated[str, AfterValidator(cors_origin)]
Cidr = Annotated[str, AfterValidator(cidr)]


def in_range(low: int | float, high: int | float, unit: str = "") -> AfterValidator:
    """A validator for an inclusive numeric range, with the fix naming it."""

    def check(value: int | float) -> int | float:
        if not low <= value <= high:
            raise rule_error(
                f"out of range {low}-{high}{unit}", f"use a value from {low} to {high}{unit}"
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
