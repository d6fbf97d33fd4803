"""The account's currency is an ISO 4217 currency: a code that is not one ("XYZ", a withdrawn one, a fund or "no
currency" code) gets a 422 naming the field and the value, on both calls that set it, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic_core import PydanticCustomError
from sqlalchemy import update

from housescan.account.currencies import ISO_4217_CURRENCIES, iso_currency
from housescan.auth.models import User
from tests.conftest import LiveServer
from tests.helpers import auth, register, unique_email

SETTERS = ("/api/v1/me/preferences", "/api/v1/me/cost-preferences")


@pytest.mark.parametrize("code", ["EUR", "GBP", "USD", "JPY", "CHF", "XCG", "ZWG", "SLE"])
def test_currencies_in_use_are_known(code: str) -> None:
    assert iso_currency(code) == code


@pytest.mark.parametrize("code", ["XYZ", "ABC", "HRK", "ZWL", "XXX", "XTS", "XAU", "USN", "eur"])
def test_codes_that_are_not_a_currency_are_refused(code: str) -> None:
    assert code not in ISO_4217_CURRENCIES
    with pytest.raises(PydanticCustomError, match=f"'{code}' is not an ISO 4217 currency code"):
        iso_currency(code)


def _named(answer: Any, value: str) -> bool:
    errors = answer.json()["detail"]
    return any(
        error["loc"] == ["body", "currency"] and error["type"] == "unknown_currency" and value in error["msg"]
        for error in errors
    )


async def test_an_unknown_currency_is_refused_by_both_setters_and_not_stored(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        for path in SETTERS:
            saved = await client.put(path, json={"currency": "GBP"}, headers=auth(token))
            assert saved.status_code == 200 and saved.json()["currency"] == "GBP", saved.text
            refused = await client.put(path, json={"currency": "XYZ"}, headers=auth(token))
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"] == "invalid_input"
            assert _named(refused, "'XYZ'"), refused.text
            kept = await client.get(path, headers=auth(token))
            assert kept.json()["currency"] == "GBP"


async def test_a_code_stored_before_the_check_still_reads_and_can_be_corrected(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        email = unique_email()
        token = await register(client, email)
        async with live_server.runtime.sessionmaker() as session:
            await session.execute(update(User).where(User.email == email).values(currency="XYZ"))
            await session.commit()
        for path in SETTERS:
            read = await client.get(path, headers=auth(token))
            assert read.status_code == 200 and read.json()["currency"] == "XYZ", read.text
        fixed = await client.put(SETTERS[0], json={"currency": "EUR"}, headers=auth(token))
        assert fixed.status_code == 200 and fixed.json()["currency"] == "EUR", fixed.text
