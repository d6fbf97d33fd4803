"""The long-lived parts one process works with, built once from the settings.

Embedded (no `HOUSESCAN_REDIS_URL`): the in-process queue and a Socket.IO server that delivers its own
events. Scaled out (`HOUSESCAN_REDIS_URL` set): the BullMQ queue on Redis; API processes run a
Socket.IO server on python-socketio's Redis manager, and workers publish their events through a
write-only manager, so an event from any worker reaches the socket on whichever API process holds it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import socketio
from sqlalchemy.ext.asyncio import AsyncEngine

from housescan.agents.client import AgentsClient
from housescan.agents.service import create_agents_client
from housescan.auth.throttle import AuthThrottles, create_throttles
from housescan.config import Settings
from housescan.db.engine import SessionMaker, create_engine, create_sessionmaker
from housescan.jobs.base import JobQueue
from housescan.jobs.inprocess import InProcessQueue
from housescan.realtime.server import create_redis_manager, create_socket_server, stop_client_manager
from housescan.realtime.service import Emitter, EventPublisher
from housescan.storage.base import ObjectStore
from housescan.storage.service import create_store

Role = Literal["api", "worker"]


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
    # Sign-in and sign-up throttles (auth/throttle.py): through Redis when configured, else in this process.
    throttles: AuthThrottles = field(default_factory=AuthThrottles.in_process)
    # The write-only Redis manager a worker publishes through (None in API processes and embedded mode).
    emitter: Any = None

    @property
    def scaled_out(self) -> bool:
        """True when jobs run in `housescan worker` processes (BullMQ on Redis), not inside `serve`."""
        return self.settings.redis_url is not None

    async def close(self) -> None:
        await self.queue.stop()
        await stop_client_manager(self.sio.manager)
        await stop_client_manager(self.emitter)
        await self.throttles.close()
        await self.engine.dispose()


def create_queue(settings: Settings, *, concurrency: int | None = None) -> JobQueue:
    if settings.redis_url:
        from housescan.jobs.bullmq import BullMQQueue, RedisOptions

        return BullMQQueue(
            redis_url=settings.redis_url,
            options=RedisOptions(),
            concurrency=concurrency or settings.worker_concurrency,
            max_attempts=settings.job_max_attempts,
            backoff_seconds=settings.job_backoff_seconds,
        )
    return InProcessQueue(
        concurrency=concurrency or settings.worker_concurrency,
        max_attempts=settings.job_max_attempts,
        backoff_seconds=settings.job_backoff_seconds,
    )


def create_runtime(
    settings: Settings,
    *,
    agents: AgentsClient | None = None,
    role: Role = "api",
    concurrency: int | None = None,
) -> Runtime:
    engine = create_engine(settings.resolved_database_url)
    sessionmaker = create_sessionmaker(engine)
    store = create_store(settings)
    manager: socketio.AsyncManager | None = None
    emitter: Any = None
    if settings.redis_url:
        from housescan.jobs.bullmq import RedisOptions

        channel = RedisOptions().socketio_channel
        if role == "api":
            manager = create_redis_manager(settings.redis_url, channel)
        else:
            emitter = create_redis_manager(settings.redis_url, channel, write_only=True)
    sio = create_socket_server(manager)
    publisher: Emitter = emitter if emitter is not None else sio
    return Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        store=store,
        sio=sio,
        events=EventPublisher(sessionmaker, publisher),
        queue=create_queue(settings, concurrency=concurrency),
        agents=agents if agents is not None else create_agents_client(settings, store),
        emitter=emitter,
        throttles=create_throttles(settings),
    )
