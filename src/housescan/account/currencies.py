"""The currencies an account can keep its costs in: ISO 4217 active codes (list one) of currencies.

No pinned dependency ships the list (babel and pycountry are not dependencies), so it is written here. Left
out on purpose: the list's entries that are not a currency a price is given in (fund codes such as CHE, USN,
BOV; precious metals XAU, XAG, XPD, XPT; bond units XBA-XBD; XDR, XSU, XUA; the testing code XTS and XXX, "no
currency"). Codes in transition stay while people may still hold them: ANG (replaced by XCG from 2025), BGN
(Bulgaria joined the euro in 2026), SLL (replaced by SLE), VED beside VES. Withdrawn codes (HRK, ZWL, ...) are
refused. When ISO publishes an amendment, edit this list.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

# fmt: off
ISO_4217_CURRENCIES: frozenset[str] = frozenset({
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN",
    "BAM", "BBD", "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUC", "CUP", "CVE", "CZK",
    "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR",
    "FJD", "FKP",
    "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD",
    "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "IQD", "IRR", "ISK",
    "JMD", "JOD", "JPY",
    "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT",
    "LAK", "LBP", "LKR", "LRD", "LSL", "LYD",
    "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN",
    "NAD", "NGN", "NIO", "NOK", "NPR", "NZD",
    "OMR",
    "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
    "QAR",
    "RON", "RSD", "RUB", "RWF",
    "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL",
    "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
    "UAH", "UGX", "USD", "UYU", "UZS",
    "VED", "VES", "VND", "VUV",
    "WST",
    "XAF", "XCD", "XCG", "XOF", "XPF",
    "YER",
    "ZAR", "ZMW", "ZWG",
})
# fmt: on


def iso_currency(code: str) -> str:
    """The code when it is an ISO 4217 currency; otherwise an error naming it (in a body, a 422 whose entry's
    `loc` names the field, `type` is unknown_currency and `msg` says the value, with no "Value error" prefix)."""
    if code not in ISO_4217_CURRENCIES:
        raise PydanticCustomError(
            "unknown_currency",
            "'{code}' is not an ISO 4217 currency code, such as EUR, GBP or USD",
            {"code": code},
        )
    return code


CurrencyCode = Annotated[
    str,
    Field(pattern="^[A-Z]{3}$", description="ISO 4217 code of a currency, e.g. EUR"),
    AfterValidator(iso_currency),
]
