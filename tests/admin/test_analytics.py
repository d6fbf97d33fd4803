"""Operators' analytics (GET /api/v1/admin/analytics): success rate, outcomes, processing times p50/p95
overall and per agent, failures grouped by reason, scans and spend per day, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from housescan.admin.service import failure_group, percentile_cont
from housescan.agents.contract import AgentExecution
from housescan.config import Settings
from housescan.costs import service as costs_service
from housescan.houses.models import House
from housescan.scans.models import AgentRun, Scan, ScanStatus
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, register
from tests.ops_support import admin_token, user_id

NOW = datetime.now(UTC)
ROOM_TIMEOUT = "the model did not answer room_type within {} s"
UNREACHABLE = "the agents service could not be reached (ConnectError)"


@dataclass
class Seeded:
    status: ScanStatus
    created: datetime
    seconds: float | None = None  # from start to finish
    error: str | None = None
    runs: list[tuple[str, float, str, bool]] = field(default_factory=list)  # agent, seconds, status, cache hit


def _seeds() -> tuple[list[Seeded], list[Seeded]]:
    """Scans of the last 30 days in every state, and two of 40 days ago."""
    ago = lambda **delta: NOW - timedelta(**delta)  # noqa: E731
    recent = [
        Seeded(
            ScanStatus.succeeded,
            ago(days=3, minutes=5),
            10,
            runs=[("room_type", 1, "succeeded", False), ("house_type", 0.5, "succeeded", False)],
        ),
        Seeded(
            ScanStatus.succeeded,
            ago(days=2, minutes=5),
            20,
            runs=[("room_type", 2, "succeeded", False), ("house_type", 1.5, "succeeded", False)],
        ),
        Seeded(
            ScanStatus.succeeded,
            ago(minutes=50),
            30,
            error=f"1 of 2 rooms could not be analysed: {uuid.uuid4()}: the photo is too dark",
            runs=[("room_type", 3, "succeeded", False), ("room_type", 5, "failed", False)],
        ),
        # A retried scan: the answer reused from its failed attempt cost no time in this one.
        Seeded(
            ScanStatus.succeeded,
            ago(minutes=40),
            40,
            runs=[("room_type", 4, "succeeded", False), ("house_type", 100, "succeeded", True)],
        ),
        Seeded(ScanStatus.failed, ago(days=1, minutes=30), 31, error=ROOM_TIMEOUT.format(30)),
        Seeded(ScanStatus.failed, ago(minutes=30), 46, error=ROOM_TIMEOUT.format(45)),
        Seeded(ScanStatus.failed, ago(minutes=20), 2, error=UNREACHABLE),
        Seeded(ScanStatus.running, ago(minutes=10)),
        Seeded(ScanStatus.queued, ago(minutes=9)),
        Seeded(ScanStatus.draft, ago(minutes=8)),
    ]
    old = [
        Seeded(ScanStatus.succeeded, ago(days=40), 1000, runs=[("room_type", 500, "succeeded", False)]),
        Seeded(ScanStatus.failed, ago(days=40), 7, error=UNREACHABLE),
    ]
    return recent, old


async def _insert(server: LiveServer, owners: list[uuid.UUID], seeds: list[Seeded]) -> dict[int, datetime]:
    """The seeded scans as the worker leaves them; returns each failed one's finish time by seed index."""
    finished: dict[int, datetime] = {}
    async with server.runtime.sessionmaker() as session:
        for index, seed in enumerate(seeds):
            owner = owners[index % len(owners)]
            house = House(user_id=owner, address=f"{index} Metric Mews", created_at=seed.created)
            session.add(house)
            await session.flush()
            started = seed.created + timedelta(minutes=1) if seed.status is not ScanStatus.draft else None
            end = started + timedelta(seconds=seed.seconds) if started and seed.seconds is not None else None
            scan = Scan(
                house_id=house.id,
                user_id=owner,
                status=seed.status,
                created_at=seed.created,
                started_at=None if seed.status is ScanStatus.queued else started,
                finished_at=end,
                error=seed.error,
                attempts=0 if seed.status in (ScanStatus.draft, ScanStatus.queued) else 1,
            )
            session.add(scan)
            await session.flush()
            if seed.status is ScanStatus.failed and end is not None:
                finished[index] = end
            for agent, seconds, status, cache_hit in seed.runs:
                assert started is not None
                session.add(
                    AgentRun(
                        scan_id=scan.id,
                        agent_name=agent,
                        model="test-model",
                        status=status,
                        cache_hit=cache_hit,
                        started_at=started,
                        finished_at=started + timedelta(seconds=seconds),
                    )
                )
        await session.commit()
    return finished


SPEND = [  # (days ago, usd, tokens in); the ledger keeps a deleted scan's spend: no scan row is needed
    (timedelta(minutes=5), 0.25, 1000),
    (timedelta(minutes=4), 0.5, 2000),
    (timedelta(days=2, minutes=1), 0.125, 500),
    (timedelta(days=40), 9.0, 90000),
]


async def _record_spend(server: LiveServer, owner: uuid.UUID) -> None:
    async with server.runtime.sessionmaker() as session:
        for ago, usd, tokens in SPEND:
            at = NOW - ago
            call = AgentExecution(
                agent_name="room_type",
                model="gpt-test",
                tokens_in=tokens,
                tokens_out=tokens // 10,
                requests=1,
                cost_usd=usd,
                started_at=at,
                finished_at=at,
            )
            await costs_service.record_spend(db_session=session, user_id=owner, scan_id=uuid.uuid4(), executions=[call])
        await session.commit()


def _days(count: int) -> list[date]:
    today = datetime.now(UTC).date()
    return [today - timedelta(days=count - 1 - n) for n in range(count)]


def _bucket(status: ScanStatus) -> str:
    return status.value if status in (ScanStatus.succeeded, ScanStatus.failed) else "other"


async def test_analytics_figures_over_a_period(settings: Settings) -> None:
    server = await start_server(settings.model_copy(update={"run_worker": False}))
    try:
        async with server.client() as client:
            admin = await admin_token(server, client)
            owners = [await user_id(client, await register(client)) for _ in range(2)]
            recent, old = _seeds()
            finished = await _insert(server, owners, recent + old)
            await _record_spend(server, owners[0])

            response = await client.get("/api/v1/admin/analytics", headers=auth(admin))
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["days"] == 30
            since = datetime.fromisoformat(body["since"])
            assert since == datetime.combine(_days(30)[0], datetime.min.time(), UTC)
            assert datetime.fromisoformat(body["until"]) >= NOW

            assert body["outcomes"] == {
                "total": 10,
                "succeeded": 4,
                "partial": 1,
                "failed": 3,
                "running": 1,
                "queued": 1,
                "draft": 1,
            }
            assert body["success_rate"] == round(4 / 7, 4) == 0.5714

            # Succeeded scans took 10, 20, 30 and 40 s: p50 25, p95 30 + 0.85 * 10 (linear interpolation).
            timing = body["processing_seconds"]
            assert (timing["count"], timing["p50"], timing["p95"]) == (4, 25.0, 38.5)
            # room_type ran 1, 2, 3, 4 and (failed) 5 s; house_type 0.5 and 1.5 s, its reused answer not timed;
            # the runs of the scan of 40 days ago are outside the period.
            assert timing["by_agent"] == [
                {"agent_name": "house_type", "runs": 2, "failed": 0, "p50": 1.0, "p95": 1.45},
                {"agent_name": "room_type", "runs": 5, "failed": 1, "p50": 3.0, "p95": 4.8},
            ]

            # Two timeouts of room_type (30 s and 45 s) are one reason; its example is the latest message.
            assert body["failures_by_reason"] == [
                {
                    "reason": "the model did not answer room_type within N s",
                    "count": 2,
                    "example": ROOM_TIMEOUT.format(45),
                    "last_seen": body["failures_by_reason"][0]["last_seen"],
                },
                {
                    "reason": UNREACHABLE,
                    "count": 1,
                    "example": UNREACHABLE,
                    "last_seen": body["failures_by_reason"][1]["last_seen"],
                },
            ]
            seen = [datetime.fromisoformat(group["last_seen"]) for group in body["failures_by_reason"]]
            assert seen == [finished[5], finished[6]]

            # Every day of the period, oldest first, by the day each scan was created (UTC).
            expected_scans: dict[date, Counter[str]] = defaultdict(Counter)
            for seed in recent:
                expected_scans[seed.created.date()][_bucket(seed.status)] += 1
            assert [day["date"] for day in body["scans_per_day"]] == [day.isoformat() for day in _days(30)]
            assert {
                date.fromisoformat(day["date"]): Counter(
                    {key: day[key] for key in ("succeeded", "failed", "other") if day[key]}
                )
                for day in body["scans_per_day"]
                if day["succeeded"] or day["failed"] or day["other"]
            } == expected_scans

            # Spend per day from the ledger (a deleted scan's included), the call of 40 days ago outside.
            expected_spend: dict[date, list[tuple[float, int]]] = defaultdict(list)
            for ago, usd, tokens in SPEND[:3]:
                expected_spend[(NOW - ago).date()].append((usd, tokens))
            spend = {date.fromisoformat(day["date"]): day for day in body["spend_per_day"]}
            assert list(spend) == _days(30)
            for day, figures in spend.items():
                calls = expected_spend.get(day, [])
                assert figures == {
                    "date": day.isoformat(),
                    "cost_usd": sum(usd for usd, _ in calls),
                    "calls": len(calls),
                    "tokens_in": sum(tokens for _, tokens in calls),
                    "tokens_out": sum(tokens // 10 for _, tokens in calls),
                }
            assert body["total_cost_usd"] == 0.875

            # A longer period takes in the scans, runs and spend of 40 days ago.
            wide = (await client.get("/api/v1/admin/analytics", params={"days": 60}, headers=auth(admin))).json()
            assert (wide["days"], len(wide["scans_per_day"]), len(wide["spend_per_day"])) == (60, 60, 60)
            assert (wide["outcomes"]["succeeded"], wide["outcomes"]["failed"], wide["outcomes"]["total"]) == (5, 4, 12)
            assert wide["success_rate"] == round(5 / 9, 4)
            wide_timing = wide["processing_seconds"]
            assert (wide_timing["count"], wide_timing["p50"], wide_timing["p95"]) == (5, 30.0, 808.0)
            assert [(agent["agent_name"], agent["runs"], agent["p95"]) for agent in wide_timing["by_agent"]] == [
                ("house_type", 2, 1.45),
                ("room_type", 6, 376.25),  # 5 + 0.75 * (500 - 5)
            ]
            assert [(group["reason"], group["count"]) for group in wide["failures_by_reason"]] == [
                (UNREACHABLE, 2),  # as frequent as the timeouts, and seen last
                ("the model did not answer room_type within N s", 2),
            ]
            assert wide["total_cost_usd"] == 9.875
    finally:
        await server.stop()


async def test_analytics_of_an_empty_period_and_who_may_read_it(settings: Settings) -> None:
    server = await start_server(settings.model_copy(update={"run_worker": False}))
    try:
        async with server.client() as client:
            admin = await admin_token(server, client)
            user = await register(client)
            path = "/api/v1/admin/analytics"
            assert (await client.get(path)).status_code == 401
            forbidden = await client.get(path, headers=auth(user))
            assert forbidden.status_code == 403 and forbidden.json()["detail"]
            for days in (0, 366, "many"):
                refused = await client.get(path, params={"days": days}, headers=auth(admin))
                assert refused.status_code == 422, days

            body = (await client.get(path, params={"days": 7}, headers=auth(admin))).json()
            assert body["success_rate"] is None
            assert set(body["outcomes"].values()) == {0}
            assert body["processing_seconds"] == {"count": 0, "p50": None, "p95": None, "by_agent": []}
            assert body["failures_by_reason"] == [] and body["total_cost_usd"] == 0
            assert [day["date"] for day in body["scans_per_day"]] == [day.isoformat() for day in _days(7)]
            assert all(day["cost_usd"] == 0 and day["calls"] == 0 for day in body["spend_per_day"])
    finally:
        await server.stop()


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.95, 7.0),
        ([10.0, 20.0, 30.0, 40.0], 0.5, 25.0),
        ([10.0, 20.0, 30.0, 40.0], 0.95, 38.5),
        ([1.0, 2.0, 3.0], 0.5, 2.0),
        ([1.0, 2.0, 3.0], 1.0, 3.0),
        ([1.0, 2.0, 3.0], 0.0, 1.0),
    ],
)
def test_percentiles_interpolate_as_postgresql_does(values: list[float], fraction: float, expected: Any) -> None:
    result = percentile_cont(values, fraction)
    assert result == expected if expected is None else result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (ROOM_TIMEOUT.format(30), ROOM_TIMEOUT.format(12.5)),
        (
            f"none of the photos of room {uuid.uuid4()} could be read",
            f"none of the photos of room {uuid.uuid4()} could be read",
        ),
        ("image host '10.0.0.7' is not allowed", "image host 'files.example.com' is not allowed"),
        ("fetching http://10.1.2.3:9000/a.jpg failed", "fetching https://s3.example.com/b/c.jpg?x=1 failed"),
        ("image IMG_0012.JPG is missing from the store", "image 5f0c2a.jpeg is missing from the store"),
        (
            'OperationalError: connection to server at "127.0.0.1", port 5432 failed',
            'OperationalError: connection to server at "10.0.0.2", port 6543 failed',
        ),
        ("checksum 9f86d081884c7d659a2feaa0c55ad015 differs", "checksum 2c26b46b68ffc68ff99b453c1d304134 differs"),
        ("  the   vision model\ncrashed ", "the vision model crashed"),
    ],
)
def test_similar_failures_share_a_reason(first: str, second: str) -> None:
    assert failure_group(first) == failure_group(second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (ROOM_TIMEOUT.format(30), "the model did not answer house_type within 30 s"),
        (UNREACHABLE, "the agents service ended its answer without a result"),
        ("gpt-4o failed: quota", "gpt-5 failed: quota"),
    ],
)
def test_different_failures_keep_their_own_reason(first: str, second: str) -> None:
    assert failure_group(first) != failure_group(second)


def test_a_failure_without_a_message_and_a_long_one() -> None:
    assert failure_group(None) == failure_group("  ") == "no reason recorded"
    long = failure_group("x" * 5000)
    assert len(long) == 200 and long.endswith("…")
