"""The Socket.IO server: namespace `/scans`, JWT checked at connect, one room per user, replay on reconnect."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import socketio

from housescan.auth import service as auth_service
from housescan.auth.security import decode_token_claims
from housescan.config import Settings
from housescan.db.engine import SessionMaker
from housescan.ops import metrics
from housescan.realtime import service as realtime_service
from housescan.realtime.service import NAMESPACE, sign_in_room, user_room

logger = logging.getLogger(__name__)


class ClosingManager(socketio.AsyncManager):  # type: ignore[misc]  # python-socketio ships no types
    """Closing a room disconnects its sockets (python-socketio's only empties it): how a sign-out reaches the
    tabs that sign-in opened (`realtime_service.disconnect_sign_ins_after_commit`)."""

    async def close_room(self, room: str, namespace: str | None = None) -> None:
        namespace = namespace or "/"
        for sid, _ in list(self.get_participants(namespace, room)):
            await self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
        await super().close_room(room, namespace)


class ClosingRedisManager(socketio.AsyncRedisManager, ClosingManager):  # type: ignore[misc]
    """Across processes: the Redis manager's `close_room` publishes the closing, and each process's handling of
    it reaches `ClosingManager.close_room` (next in the method order) for the sockets it holds."""


def create_socket_server(client_manager: socketio.AsyncManager | None = None) -> socketio.AsyncServer:
    return socketio.AsyncServer(
        async_mode="asgi",
        cors_allowed_origins=[],
        client_manager=client_manager if client_manager is not None else ClosingManager(),
        logger=False,
        engineio_logger=False,
    )


def create_redis_manager(redis_url: str, channel: str, *, write_only: bool = False) -> socketio.AsyncRedisManager:
    """Socket.IO across processes: every API process subscribes to the channel and delivers to the sockets
    it holds; workers use a write-only manager that only publishes."""
    return ClosingRedisManager(redis_url, channel=channel, write_only=write_only)


async def start_client_manager(sio: socketio.AsyncServer, wait_seconds: float = 5.0) -> None:
    """Subscribe to the Redis channel at start-up rather than at the first connection (python-socketio's
    default), so that events published while this process's first socket connects are not missed."""
    manager = sio.manager
    if not isinstance(manager, socketio.AsyncRedisManager) or sio.manager_initialized:
        return
    sio.manager_initialized = True
    manager.initialize()
    deadline = asyncio.get_running_loop().time() + wait_seconds
    while not (manager.pubsub is not None and manager.pubsub.subscribed):
        if asyncio.get_running_loop().time() > deadline:
            logger.error("Socket.IO: not subscribed to Redis after %.0fs", wait_seconds)
            return
        await asyncio.sleep(0.01)


async def stop_client_manager(manager: Any) -> None:
    """Stop a Redis manager's listener and close its connection (an API server's or a write-only one)."""
    if not isinstance(manager, socketio.AsyncRedisManager):
        return
    thread = getattr(manager, "thread", None)
    if isinstance(thread, asyncio.Task):
        thread.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await thread
    if manager.redis is not None:
        with contextlib.suppress(Exception):
            await manager.redis.aclose()
        manager.connected = False


def register_handlers(sio: socketio.AsyncServer, *, settings: Settings, sessionmaker: SessionMaker) -> None:
    @sio.on("connect", namespace=NAMESPACE)  # type: ignore[untyped-decorator]
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        try:
            await accept(sid, auth)
        except socketio.exceptions.ConnectionRefusedError:
            metrics.socket_refused()
            raise

    async def accept(sid: str, auth: Any) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            raise socketio.exceptions.ConnectionRefusedError("authentication required")
        # Checked before anything is set up for the socket: a refusal leaves nothing behind.
        last_event_id = parse_last_event_id(auth.get("lastEventId"))
        async with sessionmaker() as db_session:
            user = await auth_service.user_from_token(db_session=db_session, settings=settings, token=token)
        if user is None:
            raise socketio.exceptions.ConnectionRefusedError("invalid or expired token")
        await sio.save_session(sid, {"user_id": str(user.id)}, namespace=NAMESPACE)
        await sio.enter_room(sid, user_room(user.id), namespace=NAMESPACE)
        sign_in = decode_token_claims(settings.resolved_jwt_secret, token, "access").session_id
        if sign_in is not None:
            await sio.enter_room(sid, sign_in_room(sign_in), namespace=NAMESPACE)
        metrics.socket_connected(sid)
        if last_event_id is not None:
            # Joined first, replayed after: an event published in between arrives twice (clients drop a
            # repeated eventId) rather than not at all. Replaying from inside this handler would reach the
            # client ahead of its connect acknowledgement, hence the task.
            sio.start_background_task(_catch_up, sid, user.id, last_event_id)

    @sio.on("disconnect", namespace=NAMESPACE)  # type: ignore[untyped-decorator]
    async def disconnect(sid: str, reason: Any = None) -> None:
        metrics.socket_disconnected(sid)

    async def _catch_up(sid: str, user_id: uuid.UUID, last_event_id: int) -> None:
        try:
            async with sessionmaker() as db_session:
                await realtime_service.replay(
                    db_session=db_session, sio=sio, sid=sid, user_id=user_id, last_event_id=last_event_id
                )
        except Exception:  # a background task: nobody else would ever see its exception
            logger.exception("Socket.IO: replay after event %d failed for socket %s", last_event_id, sid)


# Event ids are the scan_events table's BIGINT ids.
MAX_EVENT_ID = 2**63 - 1


def parse_last_event_id(value: Any) -> int | None:
    """The replay cursor a reconnecting client sent: None when absent (no replay), else a non-negative
    integer an event id can have; anything else refuses the connection with the reason."""
    if value is None:
        return None
    if isinstance(value, bool):
        parsed = None
    elif isinstance(value, int):
        parsed = value
    elif isinstance(value, str) and 0 < len(value) <= 19 and value.isascii() and value.isdecimal():
        parsed = int(value)
    else:
        parsed = None
    if parsed is None or not 0 <= parsed <= MAX_EVENT_ID:
        raise socketio.exceptions.ConnectionRefusedError(
            f"lastEventId must be an event id: an integer from 0 to {MAX_EVENT_ID}"
        )
    return parsed
