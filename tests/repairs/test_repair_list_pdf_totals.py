"""The repair list PDF's total says no figure where there is none: a list of repairs with nothing asked as an
amount and no cost range gives no "Amounts asked 0" nor an estimate of 0; an amount of 0 asked is still said."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.pdf_support import pdf_words
from tests.repairs.test_repair_lists import _finding, _lists_url
from tests.review.conftest import finished


async def test_no_amount_asked_and_no_cost_are_not_zero(review_server: LiveServer, tmp_path: Path) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await finished(client, token)
        crack = await _finding(client, token, scan, title="Hairline crack", severity="note")
        body = {"items": [{"finding_id": crack["id"], "ask": "repair"}], "note": "Repairs only."}
        made = (await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))).json()
        pdf = await client.get(f"{_lists_url(scan['id'], made['id'])}/report.pdf", headers=auth(token))
        assert pdf.status_code == 200, pdf.text
        currency = made["total"]["currency"]
        words = pdf_words(pdf.content, tmp_path)
        total = words[words.index("Total", words.index("Repairs only.")) :]
        assert f"Currency {currency}" in total
        assert "Amounts asked" not in total and "Estimated repairs" not in total

        credit = {"items": [{"finding_id": crack["id"], "ask": "credit", "amount": 0}]}
        patched = await client.patch(_lists_url(scan["id"], made["id"]), json=credit, headers=auth(token))
        assert patched.status_code == 200, patched.text
        pdf = await client.get(f"{_lists_url(scan['id'], made['id'])}/report.pdf", headers=auth(token))
        assert f"Amounts asked 0 {currency}" in pdf_words(pdf.content, tmp_path)


async def test_an_estimate_over_some_of_the_findings_says_how_many(review_server: LiveServer, tmp_path: Path) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await finished(client, token)
        damp = await _finding(client, token, scan, title="Damp patch", severity="major", cost_low=800, cost_high=1500)
        tap = await _finding(client, token, scan, title="Dripping tap", severity="maintenance")
        body = {"items": [{"finding_id": damp["id"], "ask": "repair"}, {"finding_id": tap["id"], "ask": "repair"}]}
        made = (await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))).json()
        pdf = await client.get(f"{_lists_url(scan['id'], made['id'])}/report.pdf", headers=auth(token))
        assert pdf.status_code == 200, pdf.text
        words = pdf_words(pdf.content, tmp_path)
        total = words[words.rindex("Total") :]
        assert "Estimated repairs" in total and "(estimates, 1 of the 2 findings)" in total, total
