"""The repair list's CSV writes money as money: two decimals, and an empty cell for a total over nothing asked or
nothing costed (never a 0 that reads as "free" or "nothing to ask"), in the owner's CSV and the shared link's."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.repairs.test_repair_lists import _finding, _lists_url, _table
from tests.review.conftest import finished


async def _tables(
    client: httpx.AsyncClient, reader: httpx.AsyncClient, token: str, scan_id: str, made: dict[str, Any]
) -> list[list[dict[str, str]]]:
    """The owner's CSV of the list and the shared link's, each as rows by column."""
    own = await client.get(f"{_lists_url(scan_id, made['id'])}.csv", headers=auth(token))
    shared = await reader.get(f"/api/v1/shared/repair-lists/{made['share']['token']}.csv")
    tables = []
    for table in (own, shared):
        assert table.status_code == 200, table.text
        header, *rows = _table(table.text)
        tables.append([dict(zip(header, row, strict=True)) for row in rows])
    return tables


async def test_a_total_over_no_cost_and_no_amount_is_an_empty_cell(review_server: LiveServer) -> None:
    async with review_server.client() as client, review_server.client() as reader:
        token = await register(client)
        scan = await finished(client, token)
        crack = await _finding(client, token, scan, title="Hairline crack", severity="note")
        made = (
            await client.post(
                _lists_url(scan["id"]),
                json={"items": [{"finding_id": crack["id"], "ask": "repair"}]},
                headers=auth(token),
            )
        ).json()
        assert made["total"]["findings_with_costs"] == 0
        for item, total in await _tables(client, reader, token, scan["id"], made):
            assert (item["amount"], item["cost_low"], item["cost_high"]) == ("", "", "")
            assert total["finding"] == "Total"
            assert (total["amount"], total["cost_low"], total["cost_high"]) == ("", "", "")
            assert total["currency"] == made["total"]["currency"]


async def test_money_has_two_decimals_and_an_asked_zero_is_still_zero(review_server: LiveServer) -> None:
    async with review_server.client() as client, review_server.client() as reader:
        token = await register(client)
        scan = await finished(client, token)
        leak = await _finding(client, token, scan, title="Leaking trap", severity="major", cost_low=80, cost_high=150.5)
        crack = await _finding(client, token, scan, title="Hairline crack", severity="note")
        body = {
            "items": [
                {"finding_id": leak["id"], "ask": "credit", "amount": 0},
                {"finding_id": crack["id"], "ask": "repair"},
            ],
            "show_estimates": True,
        }
        made = (await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))).json()
        assert made["total"]["findings_with_costs"] == 1
        for costed, uncosted, total in await _tables(client, reader, token, scan["id"], made):
            assert (costed["amount"], costed["cost_low"], costed["cost_high"]) == ("0.00", "80.00", "150.50")
            assert (uncosted["amount"], uncosted["cost_low"], uncosted["cost_high"]) == ("", "", "")
            # A credit of 0 was asked for: the total is a figure, 0, not an empty cell.
            assert (total["amount"], total["cost_low"], total["cost_high"]) == ("0.00", "80.00", "150.50")
