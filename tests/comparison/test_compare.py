"""Homes side by side: own scans only, 2-4 of them, with the person's rating and note; CSV too."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.review.conftest import finished


async def test_compare_two_homes_with_verdicts_and_csv(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        first = await finished(client, token, address="1 First Street")
        second = await finished(client, token, labels=("Hall", "Kitchen", "Bath"), address="2 Second Street")
        finding = await client.post(
            f"/api/v1/scans/{second['id']}/findings",
            json={"title": "Leaking trap", "severity": "major", "cost_low": 80, "cost_high": 150},
            headers=auth(token),
        )
        assert finding.status_code == 201, finding.text
        verdict = await client.put(
            f"/api/v1/scans/{second['id']}/verdict", json={"rating": 4, "note": "Nice garden"}, headers=auth(token)
        )
        assert verdict.json() == {"scan_id": second["id"], "rating": 4, "note": "Nice garden"}
        # A field left out stays.
        await client.put(f"/api/v1/scans/{second['id']}/verdict", json={"rating": 3}, headers=auth(token))

        ids = f"{second['id']},{first['id']}"
        answer = await client.get("/api/v1/compare", params={"scan_ids": ids}, headers=auth(token))
        assert answer.status_code == 200, answer.text
        compared = answer.json()["scans"]
        assert [scan["scan_id"] for scan in compared] == [second["id"], first["id"]]
        home, other = compared
        assert home["address"] == "2 Second Street" and home["rooms"] == 3
        assert home["findings_by_severity"]["major"] >= 1
        assert (home["cost"]["low"], home["cost"]["high"]) >= (80, 150)
        assert (home["rating"], home["note"]) == (3, "Nice garden")
        assert (other["rating"], other["note"]) == (None, None) and other["rooms"] == 2
        # When each scan was first analysed, as its report says: two scans of one home are told apart by it.
        for compared_scan, made in ((home, second), (other, first)):
            report = (await client.get(f"/api/v1/scans/{made['id']}/report", headers=auth(token))).json()
            assert datetime.fromisoformat(compared_scan["scanned_at"]) == datetime.fromisoformat(report["scanned_at"])
        assert "source" in home["house_type"] and set(home["assessed"]) >= {"by_person", "by_model", "not_assessed"}

        table = await client.get("/api/v1/compare.csv", params={"scan_ids": ids}, headers=auth(token))
        assert table.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(table.text)))
        assert [row["scan_id"] for row in rows] == [second["id"], first["id"]]
        assert rows[0]["rating"] == "3" and rows[0]["note"] == "Nice garden" and rows[1]["rating"] == ""
        # Every item is counted once: by the person, by the models, looked for and not seen, or by no one.
        counted = ("assessed_by_person", "assessed_by_model", "not_seen", "not_assessed")
        for row, scan in zip(rows, compared, strict=True):
            assert sum(int(row[column]) for column in counted) == scan["assessed"]["total"]


async def test_compare_takes_the_scan_ids_repeated_or_comma_separated_with_the_same_limits(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        first, second, third = [(await finished(client, token, address=f"{n} Street"))["id"] for n in (1, 2, 3)]
        for path in ("/api/v1/compare", "/api/v1/compare.csv"):
            for params in (
                [("scan_ids", second), ("scan_ids", first), ("scan_ids", third)],
                [("scan_ids", f"{second},{first}"), ("scan_ids", third)],  # both forms at once
            ):
                answer = await client.get(path, params=params, headers=auth(token))
                assert answer.status_code == 200, (path, answer.text)
                named = (
                    [scan["scan_id"] for scan in answer.json()["scans"]]
                    if path.endswith("compare")
                    else [row["scan_id"] for row in csv.DictReader(io.StringIO(answer.text))]
                )
                assert named == [second, first, third], "in the order named"
            strangers = [str(uuid.uuid4()) for _ in range(4)]
            for params, named_in_error in (
                ([("scan_ids", first)], "not 1"),
                ([("scan_ids", first), *(("scan_ids", other) for other in strangers)], "not 5"),
                ([("scan_ids", first), ("scan_ids", first)], "twice"),
                ([("scan_ids", first), ("scan_ids", "nope")], "nope"),
            ):
                answer = await client.get(path, params=params, headers=auth(token))
                assert answer.status_code == 422 and named_in_error in answer.text, (params, answer.text)
                assert answer.json()["error"] == "scan_ids_rejected"
            too_many = [("scan_ids", first)] * 101
            assert (await client.get(path, params=too_many, headers=auth(token))).status_code == 422


async def test_compare_refuses_counts_duplicates_and_other_users(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await finished(client, token)
        own = scan["id"]
        for ids, named in (
            (own, "not 1"),
            (",".join([own] + [str(uuid.uuid4()) for _ in range(4)]), "not 5"),
            (f"{own},{own}", "twice"),
            (f"{own},nope", "nope"),
        ):
            for path in ("/api/v1/compare", "/api/v1/compare.csv"):
                answer = await client.get(path, params={"scan_ids": ids}, headers=auth(token))
                assert answer.status_code == 422 and named in answer.text, (ids, answer.text)

        stranger = await register(client)
        theirs = await finished(client, stranger, labels=("Hall",))
        mixed = await client.get("/api/v1/compare", params={"scan_ids": f"{own},{theirs['id']}"}, headers=auth(token))
        assert mixed.status_code == 404
        put = await client.put(f"/api/v1/scans/{theirs['id']}/verdict", json={"rating": 1}, headers=auth(token))
        assert put.status_code == 404
        for rating in (0, 6):
            bad = await client.put(f"/api/v1/scans/{own}/verdict", json={"rating": rating}, headers=auth(token))
            assert bad.status_code == 422 and "rating" in bad.text


async def test_compare_csv_text_that_a_spreadsheet_would_run_is_quoted(review_server: LiveServer) -> None:
    """Formula injection: addresses, the person's note and the cons (finding titles among them) are quoted when a
    spreadsheet would run them as a formula; ordinary text and the numbers stay as they are."""
    async with review_server.client() as client:
        token = await register(client)
        # Not processed: no model answers, so the finding is the only con and leads its cell.
        created = await client.post(
            "/api/v1/scans", json={"address": "@SUM(1)", "rooms": [{"label": "Kitchen"}]}, headers=auth(token)
        )
        assert created.status_code == 201, created.text
        evil = created.json()
        plain = await finished(client, token, address="1 First Street")
        finding = await client.post(
            f"/api/v1/scans/{evil['id']}/findings",
            json={"title": '=HYPERLINK("http://evil","x")', "severity": "major", "cost_low": 80, "cost_high": 150},
            headers=auth(token),
        )
        assert finding.status_code == 201, finding.text
        for scan, note in ((evil, "+1"), (plain, "-")):
            verdict = await client.put(f"/api/v1/scans/{scan['id']}/verdict", json={"note": note}, headers=auth(token))
            assert verdict.status_code == 200, verdict.text

        ids = f"{evil['id']},{plain['id']}"
        compared = (await client.get("/api/v1/compare", params={"scan_ids": ids}, headers=auth(token))).json()["scans"]
        assert compared[0]["cons"] == ['=HYPERLINK("http://evil","x") (major)']
        table = await client.get("/api/v1/compare.csv", params={"scan_ids": ids}, headers=auth(token))
        quoted, ordinary = csv.DictReader(io.StringIO(table.text))
        assert (quoted["address"], quoted["cons"], quoted["note"]) == (
            "'@SUM(1)",
            '\'=HYPERLINK("http://evil","x") (major)',
            "'+1",
        )
        assert (quoted["cost_low"], quoted["cost_high"], quoted["major"]) == ("80.00", "150.00", "1")
        # A leading digit is text, not a formula; "-" alone is quoted like any leading minus.
        assert (ordinary["address"], ordinary["note"]) == ("1 First Street", "'-")
        assert ordinary["cons"] == "; ".join(compared[1]["cons"]) and not ordinary["cons"].startswith("'")
