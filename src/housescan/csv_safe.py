"""Text cells in a CSV download that a spreadsheet will not run as a formula (OWASP "CSV injection")."""

from __future__ import annotations

from collections.abc import Iterable

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
