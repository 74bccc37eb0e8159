"""Kubernetes resource quantities (`100m`, `1.5`, `256Mi`, `1e3`), parsed exactly."""

from __future__ import annotations

import re
from decimal import Decimal

_BINARY_SI = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL_SI = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
# The serialised grammar of k8s.io/apimachinery/pkg/api/resource.Quantity:
# <signedNumber><binarySI | decimalSI | decimalExponent>, no spaces. "1E" is exa;
# "1E3" and "1e3" are exponents (the regex tries the bare suffix first, then backtracks).
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?"
)


def parse_quantity(text: str) -> Decimal:
    """The exact value of a Kubernetes quantity in base units (cores, bytes).

    Args:
        text: a quantity as Kubernetes writes it: `100m`, `0.5`, `256Mi`, `1G`, `12e6`.

    Returns:
        The value as a `Decimal` (`parse_quantity("100m") == Decimal("0.1")`).

    Raises:
        ValueError: `text` is not a Kubernetes quantity.
    """
    match = _QUANTITY.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    number = Decimal(match["number"])
    suffix = match["suffix"] or ""
    if suffix in _BINARY_SI:
        return number * _BINARY_SI[suffix]
    if suffix in _DECIMAL_SI:
        return number * _DECIMAL_SI[suffix]
    try:
        return number.scaleb(int(suffix[1:]))
    except ArithmeticError as error:  # an exponent past Decimal's range
        raise ValueError(f"quantity out of range: {text!r}") from error
