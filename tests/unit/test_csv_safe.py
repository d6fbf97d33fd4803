"""CSV text cells a spreadsheet would run as a formula get a leading quote; everything else is left as it is."""

from __future__ import annotations

import uuid

import pytest

from housescan.csv_safe import spreadsheet_safe, spreadsheet_safe_row


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil","x")', "+1", "-2+3", "-", "@SUM(1)", "\t=1", "\r=1", "=", "- loose tile"],
)
def test_a_cell_a_spreadsheet_would_read_as_a_formula_gets_a_leading_quote(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["", "Leaking trap", "3 coats of paint", "1+1", "a=b", " =1", "'=already quoted", "£-20", "Ask: -£50"]
)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert spreadsheet_safe(text) == text


def test_a_row_keeps_numbers_and_other_values_and_makes_its_text_safe() -> None:
    scan_id = uuid.uuid4()
    row = spreadsheet_safe_row((scan_id, "=1+1", -50.0, 0, "Kitchen", None))
    assert row == [scan_id, "'=1+1", -50.0, 0, "Kitchen", None]
    assert isinstance(row[2], float)
