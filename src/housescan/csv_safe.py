"""Text cells in a CSV download that a spreadsheet will not run as a formula (OWASP "CSV injection")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

# Excel and LibreOffice read a cell starting with one of these as a formula (or as the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """The text with a leading single quote when a spreadsheet would otherwise read it as a formula.

    Every leading "-" counts, "-" alone too: telling a negative number from "-2+3" or "-cmd|..." in text is
    not worth the risk, and the CSVs write numbers as numbers, which this never sees."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def spreadsheet_safe_row(cells: Iterable[object]) -> list[object]:
    """The row with each text cell made safe; numbers and other values as they are."""
    return [spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in cells]


CENTS = Decimal("0.01")


def money_cell(amount: float | None) -> Decimal | str:
    """A money figure as a spreadsheet reads a number: two decimals, no symbol or thousands separator (each CSV
    gives the currency in a column of its own); no figure at all is an empty cell, never 0."""
    return "" if amount is None else Decimal(str(amount)).quantize(CENTS, rounding=ROUND_HALF_UP)


def moment_cell(moment: datetime) -> str:
    """A moment in ISO 8601 UTC to the second, e.g. "2026-12-07T15:45:14Z" (a naive one is UTC already)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
