"""The repair list as a PDF, for its owner and behind its link: each finding with its photo and the spot
marked on it, what is asked, the note and the total in the account's currency; a shared one speaks to its
reader; unknown, expired, revoked or another user's lists answer 404."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from housescan.clock import local_time
from housescan.db.base import utcnow
from housescan.repairs.models import RepairList
from housescan.reports.render import MARK_COLOUR
from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.pdf_support import first_page, near, pdf_words
from tests.repairs.test_repair_lists import _finding, _lists_url
from tests.review.conftest import finished

BOX = {"shape": "box", "x": 0.3, "y": 0.3, "w": 0.4, "h": 0.4}


async def _marked_list(client: Any, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    scan = await finished(client, token)
    photo = scan["rooms"][0]["images"][0]["id"]
    damp = await _finding(
        client,
        token,
        scan,
        title="Rising damp",
        severity="major",
        trade="damp_specialist",
        cost_low=300,
        cost_high=700,
        marks=[{"photo_id": photo, **BOX}],
    )
    leak = await _finding(client, token, scan, title="Leaking trap", severity="maintenance", cost_low=80, cost_high=150)
    body = {
        "items": [
            {"finding_id": damp["id"], "ask": "credit", "amount": 450},
            {"finding_id": leak["id"], "ask": "repair"},
        ],
        "note": "Before exchange, please.",
    }
    created = await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))
    assert created.status_code == 201, created.text
    return scan, created.json()


def _pdf_ok(response: Any) -> bytes:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    content: bytes = response.content
    return content


def _pdf_urls(scan: dict[str, Any], made: dict[str, Any]) -> tuple[str, str]:
    """The owner's PDF of a repair list and the one behind its shared link."""
    return (
        f"{_lists_url(scan['id'], made['id'])}/report.pdf",
        f"/api/v1/shared/repair-lists/{made['share']['token']}/report.pdf",
    )


async def test_the_owners_and_the_shared_pdf_show_marks_asks_note_and_total(
    review_server: LiveServer, tmp_path: Path
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan, made = await _marked_list(client, token)
        pdf_url, shared_url = _pdf_urls(scan, made)
        own = _pdf_ok(await client.get(pdf_url, headers=auth(token)))
        link = made["share"]
        assert link["pdf_url"] == f"{link['url']}/report.pdf"
        async with review_server.client() as reader:
            shared = _pdf_ok(await reader.get(shared_url))
            assert (await reader.get(f"/api/v1/shared/repair-lists/{link['token']}")).json()["version"] == 1

    currency = made["total"]["currency"]
    words = pdf_words(own, tmp_path)
    damp_at = words.index("Rising damp")
    assert words.index(f"Major. Asked: a credit of 450 {currency}") > damp_at
    assert words.index(f"Call a damp specialist; estimated 300 - 700 {currency}") > damp_at
    assert words.index("Maintenance. Asked: repair it") > words.index("Leaking trap") > damp_at
    assert "Before exchange, please." in words
    total_at = words.index("Total", words.index("Before exchange"))
    assert f"Amounts asked 450 {currency}" in words[total_at:]
    assert f"Estimated repairs 380 - 850 {currency} (estimates)" in words[total_at:]
    assert f"Currency {currency}" in words[total_at:]
    assert "You ask for each of these 2 findings" in words

    for pdf in (own, shared):
        assert near(first_page(pdf, tmp_path), MARK_COLOUR, 40).sum() > 50, "the finding's mark is not drawn"
    reader_words = pdf_words(shared, tmp_path)
    assert "The person who inspected this home asks for each of these 2 findings" in reader_words
    # The person's own estimates stay theirs unless they chose to show them.
    assert "Estimated repairs" not in reader_words and "300 - 700" not in reader_words
    assert f"Amounts asked 450 {currency}" in reader_words and "(UTC)" in reader_words
    assert not re.search(r"\byou(r|rs|rself)?\b", reader_words, re.IGNORECASE), reader_words


async def test_the_pdf_is_refused_for_unknown_expired_revoked_and_other_users_lists(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan, made = await _marked_list(client, token)
        own_url, shared_url = _pdf_urls(scan, made)
        stranger = auth(await register(client))
        assert (await client.get(own_url, headers=stranger)).status_code == 404
        unknown_list = f"{_lists_url(scan['id'], str(uuid.uuid4()))}/report.pdf"
        assert (await client.get(unknown_list, headers=auth(token))).status_code == 404
        async with review_server.client() as reader:
            assert (await reader.get(f"/api/v1/shared/repair-lists/{'x' * 43}/report.pdf")).status_code == 404
            assert (await reader.get(own_url)).status_code == 401

            async with review_server.runtime.sessionmaker() as db_session:
                await db_session.execute(
                    update(RepairList)
                    .where(RepairList.series_id == uuid.UUID(made["id"]))
                    .values(expires_at=utcnow() - timedelta(minutes=1))
                )
                await db_session.commit()
            assert (await reader.get(shared_url)).status_code == 404

            fresh = await client.post(
                _lists_url(scan["id"]),
                json={"items": [{"finding_id": made["items"][0]["finding_id"], "ask": "repair"}]},
                headers=auth(token),
            )
            fresh_url = f"/api/v1/shared/repair-lists/{fresh.json()['share']['token']}/report.pdf"
            assert (await reader.get(fresh_url)).status_code == 200
            revoked = await client.delete(f"{_lists_url(scan['id'], fresh.json()['id'])}/share", headers=auth(token))
            assert revoked.status_code == 204
            assert (await reader.get(fresh_url)).status_code == 404


async def test_both_pdfs_print_their_times_in_the_zone_asked_and_refuse_an_unknown_zone(
    review_server: LiveServer, tmp_path: Path
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan, made = await _marked_list(client, token)
        own_url, shared_url = _pdf_urls(scan, made)
        own_utc = pdf_words(_pdf_ok(await client.get(own_url, params={"tz": "UTC"}, headers=auth(token))), tmp_path)
        own_tokyo = pdf_words(
            _pdf_ok(await client.get(own_url, params={"tz": "Asia/Tokyo"}, headers=auth(token))), tmp_path
        )
        refused = [await client.get(own_url, params={"tz": "Mars/Olympus_Mons"}, headers=auth(token))]
        async with review_server.client() as reader:
            refused.append(await reader.get(shared_url, params={"tz": "Mars/Olympus_Mons"}))
            shared_default = pdf_words(_pdf_ok(await reader.get(shared_url)), tmp_path)
            shared_tokyo = pdf_words(_pdf_ok(await reader.get(shared_url, params={"tz": "Asia/Tokyo"})), tmp_path)

    # Tokyo is nine hours ahead of UTC all year: the same moment reads differently, each zone named.
    saved_at = datetime.fromisoformat(made["updated_at"])
    in_utc, in_tokyo = f"Saved {local_time(saved_at, 'UTC')}", f"Saved {local_time(saved_at, 'Asia/Tokyo')}"
    assert in_utc != in_tokyo
    assert in_utc in own_utc and in_tokyo not in own_utc
    assert in_tokyo in own_tokyo and in_utc not in own_tokyo
    assert in_utc in shared_default, "a link read with no zone prints UTC"
    assert in_tokyo in shared_tokyo and in_utc not in shared_tokyo
    for response in refused:
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["error"] == "unknown_time_zone", body
        assert body["detail"][0]["loc"] == ["query", "tz"] and "Olympus_Mons" in body["detail"][0]["msg"], body
