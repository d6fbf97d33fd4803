"""compare.csv: money as money (two decimals; a home with no costed finding has empty cost cells, not 0) and each
home's scan time in ISO 8601 UTC, in a column added after the existing ones."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from housescan.comparison.service import CSV_COLUMNS
from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.review.conftest import finished

EXISTING_COLUMNS = (
    "scan_id", "address", "house_type", "house_type_by", "rooms", "safety", "major", "maintenance", "note_findings",
    "cost_low", "cost_high", "currency", "assessed_by_person", "assessed_by_model", "not_assessed", "not_seen", "pros",
    "cons", "rating", "note",
)  # fmt: skip


def test_columns_are_only_added_after_the_existing_ones() -> None:
    assert CSV_COLUMNS[: len(EXISTING_COLUMNS)] == EXISTING_COLUMNS
    assert "scanned_at" in CSV_COLUMNS[len(EXISTING_COLUMNS) :]


async def test_compare_csv_money_and_scan_time(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        costed = await finished(client, token, address="1 First Street")
        uncosted = await finished(client, token, address="2 Second Street")
        for scan, cost in ((costed, {"cost_low": 80, "cost_high": 150.5}), (uncosted, {})):
            finding = await client.post(
                f"/api/v1/scans/{scan['id']}/findings",
                json={"title": "Leaking trap", "severity": "major", **cost},
                headers=auth(token),
            )
            assert finding.status_code == 201, finding.text

        ids = f"{costed['id']},{uncosted['id']}"
        compared = (await client.get("/api/v1/compare", params={"scan_ids": ids}, headers=auth(token))).json()["scans"]
        table = await client.get("/api/v1/compare.csv", params={"scan_ids": ids}, headers=auth(token))
        assert table.status_code == 200, table.text
        rows = list(csv.DictReader(io.StringIO(table.text)))
        assert [row["scan_id"] for row in rows] == [costed["id"], uncosted["id"]]

        assert (rows[0]["cost_low"], rows[0]["cost_high"]) == ("80.00", "150.50")
        # No finding of the second home has a cost: its costs are unknown, not 0.
        assert compared[1]["cost"]["findings_with_costs"] == 0
        assert (rows[1]["cost_low"], rows[1]["cost_high"]) == ("", "")
        assert rows[1]["currency"] == compared[1]["cost"]["currency"]

        for row, scan in zip(rows, compared, strict=True):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["scanned_at"]), row["scanned_at"]
            written = datetime.fromisoformat(row["scanned_at"])
            carried = datetime.fromisoformat(scan["scanned_at"])
            assert written == carried.replace(microsecond=0)
