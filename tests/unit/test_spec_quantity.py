"""The Kubernetes quantity parser: exact values for every suffix Kubernetes accepts."""

from decimal import Decimal

import pytest

from infra.spec import parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("100m", Decimal("0.1")),
        ("1", Decimal(1)),
        ("0.5", Decimal("0.5")),
        (".5", Decimal("0.5")),
        ("1.", Decimal(1)),
        ("+2", Decimal(2)),
        ("1500m", Decimal("1.5")),
        ("250u", Decimal("0.00025")),
        ("5n", Decimal("0.000000005")),
        ("1k", Decimal(1000)),
        ("1M", Decimal(10**6)),
        ("128M", Decimal(128 * 10**6)),
        ("1G", Decimal(10**9)),
        ("2T", Decimal(2 * 10**12)),
        ("1P", Decimal(10**15)),
        ("1E", Decimal(10**18)),
        ("1Ki", Decimal(1024)),
        ("256Mi", Decimal(256 * 2**20)),
        ("1.5Gi", Decimal(3 * 2**29)),
        ("1Ti", Decimal(2**40)),
        ("1Pi", Decimal(2**50)),
        ("1Ei", Decimal(2**60)),
        ("1e3", Decimal(1000)),
        ("1E3", Decimal(1000)),
        ("12e6", Decimal(12 * 10**6)),
        ("5e-3", Decimal("0.005")),
        ("1.5e+2", Decimal(150)),
    ],
)
def test_parses_every_kubernetes_suffix_exactly(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


def test_binary_and_decimal_suffixes_differ() -> None:
    assert parse_quantity("1Gi") > parse_quantity("1G")
    assert parse_quantity("1Mi") - parse_quantity("1M") == Decimal(48_576)


def test_cpu_millicores_compare_with_whole_cores() -> None:
    assert parse_quantity("500m") < parse_quantity("1") == parse_quantity("1000m")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "m",
        "Mi",
        "1mi",
        "1MB",
        "1 Mi",
        " 1",
        "1Mi ",
        "1.2.3",
        "1e",
        "1e1.5",
        "0x10",
        "1KiB",
        "--1",
    ],
)
def test_refuses_what_kubernetes_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity(text)


def test_refuses_exponents_beyond_any_real_amount() -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_quantity("1e99999999999")
