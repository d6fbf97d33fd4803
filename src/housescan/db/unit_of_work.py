"""The unit of work: what must follow a transaction (emit its events, send its notifications, queue its
scan) is registered while the transaction is open, and its commit runs it (docs/ARCHITECTURE.md §2).

Every session of the app is a `UnitOfWork` (`engine.create_sessionmaker`). `await db_session.commit()`
commits, then runs the callbacks registered with `after_commit`, in the order they were registered; a
rollback or the session's close drops them, so nothing announces or queues what did not happen. A
callback that fails is logged and does not raise into the caller: what it stood for is already durable
(an outbox row, a scan left queued) and the workers' sweep finishes it, so delivery stays at least once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

logger = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[object]]
_AFTER_COMMIT = "housescan.after_commit"


class UnitOfWork(AsyncSession):
    """An async session whose commit runs what was registered to follow it (`after_commit`)."""

    async def commit(self) -> None:
        await super().commit()
        # Taken before running: a callback that commits this session again cannot run the list twice.
        callbacks: list[AfterCommit] = self.info.pop(_AFTER_COMMIT, [])
        for callback in callbacks:
            try:
                await callback()
            except Exception:
                logger.exception("after the commit: %s failed; the sweep will finish it", _named(callback))

    async def rollback(self) -> None:
        discard_after_commit(self)
        await super().rollback()

    async def close(self) -> None:
        discard_after_commit(self)
        await super().close()


def after_commit(db_session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` once the session's current transaction commits; never if it rolls back."""
    if not isinstance(db_session, UnitOfWork):
        # A plain session would drop the callback without a word: refuse it instead.
        raise TypeError(f"after_commit needs a UnitOfWork session (create_sessionmaker), not {type(db_session)}")
    db_session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def discard_after_commit(db_session: AsyncSession) -> None:
    """Forget what was registered to follow the session's commit, as a rollback does."""
    db_session.info.pop(_AFTER_COMMIT, None)


def _named(callback: AfterCommit) -> str:
    """ "BullMQQueue.enqueue", not the repr of a partial of a bound method with its object's address."""
    target = callback.func if isinstance(callback, functools.partial) else callback
    return getattr(target, "__qualname__", repr(target))
