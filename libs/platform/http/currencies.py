"""Currencies a sum of money may be in: ISO 4217, from a maintained list, less the codes
that are not money.

The list is ISO 4217's "List one" (current currencies and funds) as Debian's `iso-codes`
ships it, read through `pycountry`; a code ISO withdraws or adds arrives with an upgrade of
that package, not with an edit here. A three-letter pattern alone let `"ABC"` through.

Of the codes on that list, these are refused, because an amount in dispute, an offer, a
redress payment or a provider's fee is a sum of money someone pays or is paid:
- XXX ("no currency is involved") and XTS ("reserved for testing"): ISO says so itself.
- The precious metals XAU, XAG, XPT, XPD: units of a troy ounce of metal, not a currency;
  a dispute over metal holdings is stated, and redress paid, in the currency they are
  valued in — and our amounts have two decimal places, which ounces of metal do not.
- The units of account XDR (IMF special drawing right), XUA (ADB unit of account), XSU
  (Sucre, ALBA's clearing unit) and the bond-market units XBA, XBB, XBC, XBD: they settle
  between central banks and institutions; no consumer pays or is paid in them.
- The fund codes BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW (ISO 4217's "fund" entries):
  indexed or settlement units beside a country's currency (e.g. Chile's Unidad de Fomento
  beside CLP); the money that changes hands is the country's currency, and an amount
  indexed to such a unit is stated in that currency on the day.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

import pycountry
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

NOT_MONEY = frozenset(
    {
        "XXX",
        "XTS",
        "XAU",
        "XAG",
        "XPT",
        "XPD",
        "XDR",
        "XUA",
        "XSU",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "BOV",
        "CHE",
        "CHW",
        "CLF",
        "COU",
        "MXV",
        "USN",
        "UYI",
        "UYW",
    }
)
RULE = "an ISO 4217 currency code of money (not XXX, XTS, a precious metal or a fund code)"


@cache
def currency_codes() -> tuple[str, ...]:
    """The codes accepted, sorted: ISO 4217 List one less what is not money."""
    listed = {currency.alpha_3 for currency in pycountry.currencies}
    return tuple(sorted(listed - NOT_MONEY))


def _currency(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a valid string")
    if value not in currency_codes():
        reason = "is not money" if value in NOT_MONEY else "is not an ISO 4217 currency code"
        raise PydanticCustomError(
            "currency",
            "'{code}' {reason}: give {rule}",
            {"code": value, "reason": reason, "rule": RULE},
        )
    return value


Currency = Annotated[
    str,
    BeforeValidator(_currency),
    WithJsonSchema(
        {
            "type": "string",
            "enum": list(currency_codes()),
            "description": f"ISO 4217: {RULE}",
        }
    ),
]
