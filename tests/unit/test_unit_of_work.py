"""A session's commit runs what was registered to follow it: after the commit, in order, once; a rollback
or a close drops it; a callback that fails is logged and leaves the commit standing."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.db.engine import SessionMaker, create_engine, create_sessionmaker
from housescan.db.unit_of_work import after_commit


@pytest.fixture
async def sessionmaker(tmp_path: Path) -> AsyncIterator[SessionMaker]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'uow.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (body TEXT NOT NULL)"))
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _notes(sessionmaker: SessionMaker) -> list[str]:
    async with sessionmaker() as db_session:
        return list(await db_session.scalars(text("SELECT body FROM notes ORDER BY rowid")))


async def _write(db_session: AsyncSession, body: str) -> None:
    await db_session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})


class Recorder:
    """Makes callbacks that record their name and what another session sees when they run."""

    def __init__(self, sessionmaker: SessionMaker) -> None:
        self.sessionmaker = sessionmaker
        self.ran: list[tuple[str, list[str]]] = []

    def __call__(self, name: str) -> Callable[[], Awaitable[None]]:
        async def callback() -> None:
            self.ran.append((name, await _notes(self.sessionmaker)))

        return callback


async def test_callbacks_run_after_the_commit_in_order_and_once(sessionmaker: SessionMaker) -> None:
    callback = Recorder(sessionmaker)
    async with sessionmaker() as db_session:
        await _write(db_session, "first")
        after_commit(db_session, callback("deliver"))
        after_commit(db_session, callback("notify"))
        after_commit(db_session, callback("enqueue"))
        assert callback.ran == [], "nothing runs before the commit"
        await db_session.commit()
        # Each one ran after the commit: another session already saw the row.
        assert callback.ran == [("deliver", ["first"]), ("notify", ["first"]), ("enqueue", ["first"])]

        await _write(db_session, "second")
        await db_session.commit()
    assert [name for name, _ in callback.ran] == ["deliver", "notify", "enqueue"], "a later commit runs them no more"


async def test_a_rollback_or_a_close_drops_the_callbacks(sessionmaker: SessionMaker) -> None:
    callback = Recorder(sessionmaker)
    async with sessionmaker() as db_session:
        await _write(db_session, "rolled back")
        after_commit(db_session, callback("rolled back"))
        await db_session.rollback()
        await _write(db_session, "kept")
        after_commit(db_session, callback("kept"))
        await db_session.commit()
    assert callback.ran == [("kept", ["kept"])], "the rolled-back transaction's callback never runs"

    async with sessionmaker() as db_session:
        await _write(db_session, "never committed")
        after_commit(db_session, callback("closed"))
    async with sessionmaker() as db_session:
        await db_session.commit()
    assert callback.ran == [("kept", ["kept"])], "a session closed without its commit runs nothing"


async def test_a_failing_callback_leaves_the_commit_and_the_others(
    sessionmaker: SessionMaker, caplog: pytest.LogCaptureFixture
) -> None:
    callback = Recorder(sessionmaker)

    async def broken() -> None:
        raise ConnectionError("the socket server is gone")

    with caplog.at_level(logging.ERROR, logger="housescan.db.unit_of_work"):
        async with sessionmaker() as db_session:
            await _write(db_session, "saved")
            after_commit(db_session, broken)
            after_commit(db_session, callback("after the broken one"))
            await db_session.commit()  # does not raise
    assert await _notes(sessionmaker) == ["saved"], "the commit stands"
    assert callback.ran == [("after the broken one", ["saved"])], "the next callback still runs"
    assert any("the socket server is gone" in (record.exc_text or "") for record in caplog.records)


class _Queue:
    async def enqueue(self, scan_id: str) -> None:
        raise ConnectionError(f"Redis did not answer for {scan_id}")


async def test_a_failed_callback_is_named_by_its_function_not_its_repr(
    sessionmaker: SessionMaker, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="housescan.db.unit_of_work"):
        async with sessionmaker() as db_session:
            await _write(db_session, "queued")
            after_commit(db_session, functools.partial(_Queue().enqueue, "scan-1"))
            await db_session.commit()
    [line] = [record.getMessage() for record in caplog.records]
    assert line == "after the commit: _Queue.enqueue failed; the sweep will finish it", line


async def test_a_session_that_is_no_unit_of_work_refuses_callbacks(sessionmaker: SessionMaker) -> None:
    async with AsyncSession(sessionmaker.kw["bind"]) as plain:
        with pytest.raises(TypeError):
            after_commit(plain, Recorder(sessionmaker)("lost"))
