"""The long-lived parts one process works with, built once from the settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import socketio
from sqlalchemy.ext.asyncio import AsyncEngine

from housescan.agents.budget import AgentMemo
from housescan.agents.client import AgentsClient
from housescan.agents.service import create_agents_client
from housescan.auth.ratelimit import LoginRateLimiter
from housescan.config import Settings
from housescan.db.engine import SessionMaker, create_engine, create_sessionmaker
from housescan.jobs.base import JobQueue
from housescan.jobs.inprocess import InProcessQueue
from housescan.realtime.server import create_socket_server
from housescan.realtime.service import EventPublisher
from housescan.storage.base import ObjectStore
from housescan.storage.service import create_store


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: SessionMaker
    store: ObjectStore
    sio: socketio.AsyncServer
    events: EventPublisher
    queue: JobQueue
    agents: AgentsClient
    # Answers of agents that succeeded in a failed attempt, by scan: a retry does not pay for them again.
    agent_memos: dict[uuid.UUID, AgentMemo] = field(default_factory=dict)
    login_limiter: LoginRateLimiter = field(
        default_factory=lambda: LoginRateLimiter(max_failures=10, window_seconds=900)
    )

    async def close(self) -> None:
        await self.queue.stop()
        await self.engine.dispose()


def create_runtime(settings: Settings, *, agents: AgentsClient | None = None) -> Runtime:
    engine = create_engine(settings.resolved_database_url)
    sessionmaker = create_sessionmaker(engine)
    store = create_store(settings)
    sio = create_socket_server(settings)
    return Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        store=store,
        sio=sio,
        events=EventPublisher(sessionmaker, sio),
        queue=InProcessQueue(
            concurrency=settings.worker_concurrency,
            max_attempts=settings.job_max_attempts,
            backoff_seconds=settings.job_backoff_seconds,
        ),
        agents=agents if agents is not None else create_agents_client(settings, store),
    )
