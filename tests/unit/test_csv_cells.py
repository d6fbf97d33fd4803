"""Money and moments in the CSV downloads: money with two decimals as a number (no figure: an empty cell),
moments in ISO 8601 UTC to the second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from housescan.csv_safe import moment_cell, money_cell, spreadsheet_safe_row


@pytest.mark.parametrize(
    ("amount", "cell"),
    [(0, "0.00"), (500, "500.00"), (80.5, "80.50"), (2.675, "2.68"), (0.125, "0.13"), (1234567.891, "1234567.89")],
)
def test_money_has_two_decimals_rounded_half_up(amount: float, cell: str) -> None:
    assert str(money_cell(amount)) == cell


def test_no_figure_is_an_empty_cell_and_a_figure_stays_a_number() -> None:
    assert money_cell(None) == ""
    row = spreadsheet_safe_row([money_cell(12.5)])
    assert row == [Decimal("12.50")] and isinstance(row[0], Decimal)


def test_a_moment_is_iso_8601_utc_to_the_second() -> None:
    paris = timezone(timedelta(hours=1))
    assert moment_cell(datetime(2026, 12, 7, 16, 45, 14, 987654, tzinfo=paris)) == "2026-12-07T15:45:14Z"
    assert moment_cell(datetime(2026, 12, 7, 15, 45, 14, tzinfo=UTC)) == "2026-12-07T15:45:14Z"
    assert moment_cell(datetime(2026, 12, 7, 15, 45, 14)) == "2026-12-07T15:45:14Z"
