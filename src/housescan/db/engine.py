"""Engine and session factory for the configured database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from housescan.db.unit_of_work import UnitOfWork

SessionMaker = async_sessionmaker[UnitOfWork]


def _set_sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Keep hot pages and temporary b-trees in memory: fewer read syscalls per short transaction.
    cursor.execute("PRAGMA cache_size=-32000")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


def _begin_immediate(connection: Connection) -> None:
    # A deferred SQLite transaction that reads and then writes cannot wait for the write lock: it fails at
    # once with "database is locked" when another writer got there first. Taking the lock at BEGIN makes
    # concurrent writers queue on busy_timeout instead. The price: a transaction must never wait on a
    # second session of its own (end it first), and slow work is done outside transactions.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _leave_transactions_to_sqlalchemy(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None  # the driver's own implicit BEGIN would come first otherwise


def _ping_on_checkout(dbapi_connection: Any, _record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
    """A pooled PostgreSQL connection the server dropped (restart, failover, idle timeout) is replaced before
    anyone uses it. One round trip, a simple-protocol `SELECT 1`: SQLAlchemy's own pool_pre_ping takes three
    on asyncpg (BEGIN, the ping, ROLLBACK), on every checkout, and a scan's result save checks out once."""
    try:
        dbapi_connection.run_async(lambda connection: connection.execute("SELECT 1"))
    except Exception as exc:
        raise DisconnectionError(f"pooled connection is gone: {exc}") from exc  # the pool connects anew


def create_engine(database_url: str) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        database = make_url(database_url).database
        if database and database != ":memory:":  # the file's folder, as `serve` makes the data folder
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(database_url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _leave_transactions_to_sqlalchemy)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    engine = create_async_engine(database_url, pool_size=10, max_overflow=10)
    event.listen(engine.sync_engine, "checkout", _ping_on_checkout)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    """Sessions that are units of work: their commit runs what was registered to follow it (unit_of_work)."""
    return async_sessionmaker(engine, class_=UnitOfWork, expire_on_commit=False)
