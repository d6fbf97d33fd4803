"""The shipped cost guide: every row honest about its source, and GET /cost-guide scaling by the account's
regional factor without inventing exchange rates."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from housescan.repairs.guide import GUIDE, GuideRow
from housescan.review.models import Trade
from tests.conftest import LiveServer
from tests.helpers import auth, register


@pytest.mark.parametrize("row", GUIDE, ids=[row.id for row in GUIDE])
def test_every_row_has_a_source_a_year_and_an_ordered_range(row: GuideRow) -> None:
    assert urlparse(row.source.url).scheme == "https" and urlparse(row.source.url).netloc
    assert row.source.title.strip()
    assert 2000 <= row.year <= 2026
    assert 0 < row.low <= row.high
    assert row.trade in set(Trade)
    assert len(row.currency) == 3 and row.currency.isupper()
    assert row.id.startswith(f"{row.trade.value}.")


def test_row_ids_are_unique() -> None:
    assert len({row.id for row in GUIDE}) == len(GUIDE)


async def test_guide_scaled_by_factor_and_filtered(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        headers = auth(token)
        default = (await client.get("/api/v1/me/cost-preferences", headers=headers)).json()
        assert default == {"currency": None, "cost_factor": 1.0}

        whole = (await client.get("/api/v1/cost-guide", headers=headers)).json()
        assert whole["estimate"] is True and "estimate" in whole["note"].lower()
        assert [row["id"] for row in whole["rows"]] == [row.id for row in GUIDE]
        # No account currency yet: every row keeps its own and says it is not the account's.
        assert all(row["in_account_currency"] is False for row in whole["rows"])

        put = await client.put(
            "/api/v1/me/cost-preferences", json={"currency": "GBP", "cost_factor": 1.5}, headers=headers
        )
        assert put.status_code == 200, put.text
        assert put.json() == {"currency": "GBP", "cost_factor": 1.5}
        # The currency is the account's one setting, the same /me/preferences reads.
        assert (await client.get("/api/v1/me/preferences", headers=headers)).json()["currency"] == "GBP"

        answer = (await client.get("/api/v1/cost-guide", params={"trade": "electrician"}, headers=headers)).json()
        assert answer["cost_factor"] == 1.5 and answer["account_currency"] == "GBP"
        [unit] = answer["rows"]
        assert unit["id"] == "electrician.consumer_unit"
        assert (unit["guide_low"], unit["guide_high"]) == (350, 750)
        assert (unit["low"], unit["high"]) == (525, 1125)
        assert unit["currency"] == "GBP" and unit["in_account_currency"] is True
        assert unit["source"]["url"].startswith("https://") and unit["year"] == 2025

        found = (await client.get("/api/v1/cost-guide", params={"q": "Rising DAMP"}, headers=headers)).json()
        assert {row["id"] for row in found["rows"]} == {
            "damp_specialist.dpc_injection_wall",
            "damp_specialist.rising_damp_two_rooms",
        }

        # Another currency: figures scaled but kept in GBP, no exchange rate invented.
        await client.put("/api/v1/me/cost-preferences", json={"currency": "EUR"}, headers=headers)
        euro = (await client.get("/api/v1/cost-guide", params={"trade": "electrician"}, headers=headers)).json()
        assert euro["rows"][0]["currency"] == "GBP" and euro["rows"][0]["in_account_currency"] is False
        assert euro["rows"][0]["low"] == 525  # the factor left out of the PUT stayed


async def test_bad_preferences_and_queries_are_422_and_store_nothing(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        headers = auth(await register(client))
        for body in ({"cost_factor": 0.1}, {"cost_factor": 6}, {"currency": "pounds"}):
            answer = await client.put("/api/v1/me/cost-preferences", json=body, headers=headers)
            assert answer.status_code == 422, body
            assert next(iter(body)) in answer.text
        assert (await client.get("/api/v1/me/cost-preferences", headers=headers)).json() == {
            "currency": None,
            "cost_factor": 1.0,
        }
        bad_trade = await client.get("/api/v1/cost-guide", params={"trade": "wizard"}, headers=headers)
        assert bad_trade.status_code == 422 and "trade" in bad_trade.text
        assert (await client.get("/api/v1/cost-guide")).status_code == 401
