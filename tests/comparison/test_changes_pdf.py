"""The report PDF with an appendix of what changed since an earlier scan of the home (`changes_since`): the whole
home, then room by room the findings new and not recorded this time, the answers changed and the photos then and
now; refused (422, naming the parameter) for a scan of another house, 404 for another user's scans."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select

from housescan.clock import local_time
from housescan.scans.models import Scan
from tests.comparison.test_changes import _finding, _walls
from tests.comparison.test_house_changes import _house_answer, _house_finding
from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.pdf_support import pdf_words
from tests.review.conftest import finished


async def test_the_pdf_appendix_names_what_changed_room_by_room(review_server: LiveServer, tmp_path: Path) -> None:
    async with review_server.client() as client:
        token = await register(client)
        earlier = await finished(client, token)
        kitchen_then = earlier["rooms"][0]
        later = await finished(
            client, token, labels=("Kitchen", "Main bedroom", "Study"), address=None, house_id=earlier["house"]["id"]
        )
        kitchen_now = later["rooms"][0]
        await _finding(client, token, earlier["id"], kitchen_then["id"], "Leaking tap")
        await _finding(client, token, later["id"], kitchen_now["id"], "Cracked tile")
        await _walls(client, token, earlier["id"], kitchen_then["id"], "Good")
        await _walls(client, token, later["id"], kitchen_now["id"], "Poor")
        await _house_finding(client, token, earlier["id"], "Loose stair handrail")
        await _house_answer(client, token, earlier["id"], "natural_light", "Good")
        await _house_answer(client, token, later["id"], "natural_light", "Poor")

        url = f"/api/v1/scans/{later['id']}/report.pdf"
        plain = await client.get(url, headers=auth(token))
        with_changes = await client.get(
            url, params={"changes_since": earlier["id"], "tz": "Asia/Tokyo"}, headers=auth(token)
        )
    assert plain.status_code == 200 and with_changes.status_code == 200, with_changes.text
    assert "Changes since" not in pdf_words(plain.content, tmp_path)
    async with review_server.runtime.sessionmaker() as db_session:
        scanned = await db_session.scalar(select(Scan.first_analysed_at).where(Scan.id == uuid.UUID(earlier["id"])))
    words = pdf_words(with_changes.content, tmp_path)
    appendix = words[words.index(f"Changes since {local_time(scanned, 'Asia/Tokyo')}") :]
    home = appendix[appendix.index("The whole home") : appendix.index("Kitchen")]
    assert "New findings None" in home
    assert "Not recorded this time Loose stair handrail (safety) (fixed, or not recorded again)" in home
    assert "Answer changed Then Now By" in home and "Natural light Good Poor You" in home, home
    kitchen = appendix[appendix.index("Kitchen") : appendix.index("Main bedroom")]
    assert "Compared with Kitchen (the room of the same name)" in kitchen
    assert "Photos 2 then, 2 now" in kitchen
    assert "New findings Cracked tile (maintenance)" in kitchen
    assert "Not recorded this time Leaking tap (maintenance) (fixed, or not recorded again)" in kitchen
    assert "Walls condition Good Poor You" in kitchen
    study = appendix[appendix.index("Study") :]
    assert "Compared with nothing: a room new in this scan" in study and "Photos 0 then, 2 now" in study


async def test_changes_since_is_refused_for_another_house_another_user_or_a_malformed_id(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await finished(client, token, labels=("Hall",))
        elsewhere = await finished(client, token, labels=("Hall",), address="9 Elsewhere Road")
        url = f"/api/v1/scans/{scan['id']}/report.pdf"
        other_house = await client.get(url, params={"changes_since": elsewhere["id"]}, headers=auth(token))
        assert other_house.status_code == 422 and "changes_since" in other_house.text
        itself = await client.get(url, params={"changes_since": scan["id"]}, headers=auth(token))
        assert itself.status_code == 422 and "changes_since" in itself.text
        malformed = await client.get(url, params={"changes_since": "last-week"}, headers=auth(token))
        assert malformed.status_code == 422 and "changes_since" in malformed.text

        stranger = await register(client)
        theirs = await finished(client, stranger, labels=("Hall",))
        not_mine = await client.get(url, params={"changes_since": elsewhere["id"]}, headers=auth(stranger))
        assert not_mine.status_code == 404
        their_since = await client.get(url, params={"changes_since": theirs["id"]}, headers=auth(token))
        assert their_since.status_code == 404 and "Elsewhere" not in their_since.text
