"""The Socket.IO server: namespace `/scans`, JWT checked at connect, one room per user, replay on reconnect."""

from __future__ import annotations

import uuid
from typing import Any

import socketio

from housescan.auth import service as auth_service
from housescan.config import Settings
from housescan.db.engine import SessionMaker
from housescan.realtime import service as realtime_service
from housescan.realtime.service import NAMESPACE, user_room


def create_socket_server(
    settings: Settings, client_manager: socketio.AsyncManager | None = None
) -> socketio.AsyncServer:
    return socketio.AsyncServer(
        async_mode="asgi",
        cors_allowed_origins=[],
        client_manager=client_manager,
        logger=False,
        engineio_logger=False,
    )


def register_handlers(sio: socketio.AsyncServer, *, settings: Settings, sessionmaker: SessionMaker) -> None:
    @sio.on("connect", namespace=NAMESPACE)  # type: ignore[untyped-decorator]
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            raise socketio.exceptions.ConnectionRefusedError("authentication required")
        async with sessionmaker() as db_session:
            user = await auth_service.user_from_token(db_session=db_session, settings=settings, token=token)
        if user is None:
            raise socketio.exceptions.ConnectionRefusedError("invalid or expired token")
        await sio.save_session(sid, {"user_id": str(user.id)}, namespace=NAMESPACE)
        await sio.enter_room(sid, user_room(user.id), namespace=NAMESPACE)
        last_event_id = auth.get("lastEventId")
        if str(last_event_id).isdigit():
            # Joined first, replayed after: an event published in between arrives twice (clients drop a
            # repeated eventId) rather than not at all. Replaying from inside this handler would reach the
            # client ahead of its connect acknowledgement, hence the task.
            sio.start_background_task(_catch_up, sid, user.id, int(last_event_id))

    async def _catch_up(sid: str, user_id: uuid.UUID, last_event_id: int) -> None:
        async with sessionmaker() as db_session:
            await realtime_service.replay(
                db_session=db_session, sio=sio, sid=sid, user_id=user_id, last_event_id=last_event_id
            )
