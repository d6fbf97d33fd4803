"""A repair list's link says its web page (share.page_url, the page the web app shows a reader) beside its JSON
(share.url, kept), wherever the token is shown: when the list is made, when a change makes the next version, and
when a new link is made; on the public address when one is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from housescan.config import Settings
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, register
from tests.repairs.test_repair_lists import _finding, _lists_url
from tests.review.conftest import finished

PUBLIC = "https://housescan.example/"


@pytest.fixture
async def public_server(settings: Settings) -> AsyncIterator[LiveServer]:
    server = await start_server(settings.model_copy(update={"agents_provider": "null", "public_url": PUBLIC}))
    yield server
    await server.stop()


def _assert_links(share: dict[str, object], origin: str) -> None:
    token = share["token"]
    assert token
    assert share["page_url"] == f"{origin}/shared/repair-lists/{token}"
    assert share["url"] == f"{origin}/api/v1/shared/repair-lists/{token}"


async def test_page_url_wherever_the_token_is_shown(review_server: LiveServer) -> None:
    async with review_server.client() as client, review_server.client() as reader:
        token = await register(client)
        scan = await finished(client, token)
        leak = await _finding(client, token, scan, title="Leaking trap", severity="major")
        body = {"items": [{"finding_id": leak["id"], "ask": "repair"}]}
        made = (await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))).json()
        _assert_links(made["share"], review_server.url)

        list_url = _lists_url(scan["id"], made["id"])
        # Without the token (only its hash is kept) there is no link to give.
        read = (await client.get(list_url, headers=auth(token))).json()["share"]
        assert (read["token"], read["url"], read["page_url"]) == (None, None, None)

        assert (await reader.get(made["share"]["url"])).status_code == 200  # opened: a change is version 2
        second = (await client.patch(list_url, json={"note": "v2"}, headers=auth(token))).json()
        assert second["version"] == 2
        _assert_links(second["share"], review_server.url)

        issued = await client.post(f"{list_url}/share", headers=auth(token))
        assert issued.status_code == 201, issued.text
        _assert_links(issued.json(), review_server.url)


async def test_page_url_is_on_the_public_address(public_server: LiveServer) -> None:
    async with public_server.client() as client:
        token = await register(client)
        scan = await finished(client, token)
        leak = await _finding(client, token, scan, title="Leaking trap", severity="major")
        body = {"items": [{"finding_id": leak["id"], "ask": "repair"}]}
        made = (await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))).json()
        _assert_links(made["share"], PUBLIC.rstrip("/"))
