"""Compare computes only the figures it shows (review's brief), and they are the report's: assessed counts,
pros and cons, findings by severity, costs, house type and room names, with a person's answers, a product
said absent, an item not visible and a finding made from an item."""

from __future__ import annotations

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.review.conftest import finished


async def test_the_compared_figures_are_the_reports(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scans = [await finished(client, token, labels=("Kitchen", "Bathroom", "Bedroom")) for _ in range(2)]
        scan = scans[0]
        kitchen, bathroom, _bedroom = scan["rooms"]
        for scope, item_id, value in (
            (kitchen["id"], "walls_condition", "Poor"),
            (kitchen["id"], "floor_condition", "Excellent"),
            (bathroom["id"], "ceiling_condition", "not_visible"),
            (kitchen["id"], "products.dishwasher", False),
            ("house", "house_type", "villa"),
        ):
            put = await client.put(
                f"/api/v1/scans/{scan['id']}/answers/{scope}/{item_id}", json={"value": value}, headers=auth(token)
            )
            assert put.status_code == 200, (item_id, put.text)
        finding = await client.post(
            f"/api/v1/scans/{scan['id']}/findings",
            json={
                "title": "Damp behind the sink",
                "severity": "major",
                "room_id": kitchen["id"],
                "checklist_item_id": "walls_condition",
                "cost_low": 100,
                "cost_high": 300,
                "trade": "damp_specialist",
            },
            headers=auth(token),
        )
        assert finding.status_code == 201, finding.text

        ids = ",".join(s["id"] for s in scans)
        compared = (await client.get("/api/v1/compare", params={"scan_ids": ids}, headers=auth(token))).json()
        for home, each in zip(compared["scans"], scans, strict=True):
            report = (await client.get(f"/api/v1/scans/{each['id']}/report", headers=auth(token))).json()
            assert home["assessed"] == report["assessed"]
            assert (home["pros"], home["cons"]) == (report["pros"], report["cons"])
            assert home["findings_by_severity"] == report["finding_counts"]
            assert home["house_type"] == report["house"]["house_type"]
            assert home["room_names"] == [room["name"] for room in report["rooms"]]
            costs = report["costs"]
            assert home["cost"] == {key: costs[key] for key in home["cost"]}
        first = compared["scans"][0]
        assert first["assessed"]["by_person"] >= 4 and first["assessed"]["not_visible"] == 1
        assert first["cost"]["low"] == 100 and first["house_type"]["source"] == "person"
