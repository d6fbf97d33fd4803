"""The `housescan` command."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import re
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from housescan.config import Settings
from housescan.ops.logs import LogFormat

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

SettingsT = TypeVar("SettingsT", bound="BaseSettings")
T = TypeVar("T")

LogFormatOption = Annotated[
    str, typer.Option("--log-format", help="auto: JSON when stdout is not a terminal", case_sensitive=False)
]

app = typer.Typer(help="HouseScan: photos of a home in, an inspection report out.", no_args_is_help=True)


def load_settings() -> Settings:
    """The settings from the environment, or exit with one line a wrong setting, naming its variable (secrets
    masked). The Redis-side settings (`HOUSESCAN_REDIS_*`) are checked too when Redis is used."""
    settings = _validated(Settings, "HOUSESCAN_")
    if settings.redis_url:
        from housescan.jobs.bullmq import RedisOptions

        _validated(RedisOptions, "HOUSESCAN_REDIS_")
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as unusable:  # a file there, a read-only or virtual file system, no permission
        reason = unusable.strerror or type(unusable).__name__
        typer.echo(
            f"HOUSESCAN_DATA_DIR: cannot be used as the data folder: {reason} (it is {str(settings.data_dir)!r})",
            err=True,
        )
        raise typer.Exit(2) from None
    return settings


def _validated(settings_class: type[SettingsT], prefix: str) -> SettingsT:
    from pydantic import ValidationError

    from housescan.ops.logs import redact_value

    try:
        return settings_class()
    except ValidationError as invalid:
        for error in invalid.errors():
            name = prefix + "_".join(str(part) for part in error["loc"]).upper()
            message = error["msg"].removeprefix("Value error, ")
            typer.echo(f"{name}: {message} (it is {redact_value(name, error.get('input'))!r})", err=True)
        raise typer.Exit(2) from None


db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    log_level: Annotated[str, typer.Option()] = "info",
    log_format: LogFormatOption = "auto",
) -> None:
    """Serve the API, the web app and the realtime socket (and, by default, the in-process worker)."""
    import uvicorn

    from housescan.app import create_app
    from housescan.db.migrate import upgrade_database
    from housescan.ops.serving import guarded_protocol

    _configure_logging(log_level, log_format)
    settings = served_at(load_settings(), host, port)
    # Migrated here first (the app's start-up finds nothing left to do), so that an unreachable database or a
    # schema from a newer version is one line, not a traceback from inside the server's start-up.
    _on_engine(settings, upgrade_database)
    # One structured line per request comes from the app; uvicorn's own access line would repeat it.
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=log_level,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        # Longer than a load balancer's usual 60 s idle timeout: the server never closes a connection that a
        # client or balancer is about to reuse.
        timeout_keep_alive=75,
        # Headers within a few seconds, bounded connections (ops/serving.py; nginx's client_header_timeout
        # in deploy/nginx.conf is the same).
        http=guarded_protocol(
            header_timeout=settings.http_header_timeout_seconds,
            max_connections=settings.http_max_connections,
            max_pending=settings.http_max_pending_headers,
        ),
    )


def served_at(settings: Settings, host: str, port: int) -> Settings:
    """Without HOUSESCAN_PUBLIC_URL, links in e-mails name the address this server listens on (share links
    already take the request's): `--port 8771` would otherwise send people to the default port 8000."""
    if settings.public_url is not None:
        return settings
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (compared, not bound)
    netloc = f"[{reachable}]" if ":" in reachable else reachable
    return settings.model_copy(update={"public_url": f"http://{netloc}:{port}"})


@app.command()
def agents(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8100,
    log_level: Annotated[str, typer.Option()] = "info",
    log_format: LogFormatOption = "auto",
) -> None:
    """Serve the analysis pipeline on its own: POST /v1/scan/run, GET /v1/scan/health."""
    import uvicorn

    from housescan.agents.server import create_agents_app

    _configure_logging(log_level, log_format)
    settings = load_settings()
    if settings.agents_token is None and not _is_loopback(host):
        typer.echo(
            f"`housescan agents --host {host}` would run analyses for anyone who can reach it: set "
            "HOUSESCAN_AGENTS_TOKEN (the workers send it), or listen on 127.0.0.1",
            err=True,
        )
        raise typer.Exit(2)
    uvicorn.run(create_agents_app(settings), host=host, port=port, log_level=log_level, log_config=None)


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


@app.command()
def scan(
    path: Annotated[Path, typer.Argument(help="a folder: one sub-folder of photos per room, or loose photos")],
    as_json: Annotated[bool, typer.Option("--json", help="print the response contract as JSON")] = False,
) -> None:
    """Run the whole analysis on a folder of photos, here, with no server and no database."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from housescan.agents.folder import folder_request, report
    from housescan.agents.images import ImageLoader
    from housescan.agents.service import InProcessAgentsClient, create_provider

    settings = load_settings()
    unreadable: dict[Path, str] = {}
    try:
        request = folder_request(path, unreadable)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="PATH") from None
    finally:
        for photo, problem in unreadable.items():
            typer.echo(f"skipped {photo}: {problem}", err=True)
    client = InProcessAgentsClient(
        create_provider(settings),
        ImageLoader(local_roots=[path], max_bytes=settings.max_image_bytes, follow_links=True),
    )
    stderr = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    ) as progress:
        task = progress.add_task(f"{len(request.rooms)} rooms", total=100)

        async def on_progress(percent: int, stage: str) -> None:
            progress.update(task, completed=percent, description=stage[:60])

        response = asyncio.run(client.run(request, on_progress=on_progress))
    analysed = {room.room_id for room in request.rooms}
    unusable = {photo.parent.name for photo in unreadable} - analysed
    if as_json:
        typer.echo(response.model_dump_json(indent=2))
    else:
        Console().print(report(response, left_out=len(unusable)))
    # The report is printed all the same; the failed rooms are named on stderr and a script sees the exit status.
    failed = [f"{room.room_id} ({room.error or 'failed'})" for room in response.result.rooms if room.status == "failed"]
    failed += [f"{room} (no photo could be used)" for room in sorted(unusable)]
    if failed:
        typer.echo(f"{_count(len(failed), 'room')} failed: {'; '.join(failed)}", err=True)
        raise typer.Exit(1)


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="scans run at once (default: HOUSESCAN_WORKER_CONCURRENCY)")
    ] = None,
    log_level: Annotated[str, typer.Option()] = "info",
    log_format: LogFormatOption = "auto",
    metrics_port: Annotated[
        int | None, typer.Option(help="serve this worker's Prometheus metrics on this port (default: none)")
    ] = None,
) -> None:
    """Run scan jobs from the Redis queue (needs HOUSESCAN_REDIS_URL); stops cleanly on SIGTERM."""
    from housescan.scans.worker import run_worker

    _configure_logging(log_level, log_format)
    settings = load_settings()
    if not settings.redis_url:
        typer.echo("`housescan worker` needs HOUSESCAN_REDIS_URL; without it `serve` runs the scans", err=True)
        raise typer.Exit(2)
    if settings.public_url is None:
        from housescan.notifications.mail import public_url

        # `serve` links e-mails to its own address; a worker knows none but the default.
        logging.getLogger(__name__).warning(
            "HOUSESCAN_PUBLIC_URL is unset: links in this worker's e-mails name %s; set it to the address people "
            "open HouseScan at",
            public_url(settings),
        )
    from housescan.db.migrate import check_schema

    _on_engine(settings, check_schema)  # a worker never migrates: `serve` or `housescan db upgrade` does
    if metrics_port is not None:
        from prometheus_client import start_http_server

        from housescan.ops.metrics import WORKER_REGISTRY

        start_http_server(metrics_port, addr="127.0.0.1", registry=WORKER_REGISTRY)
    asyncio.run(run_worker(settings, concurrency=concurrency or settings.worker_concurrency))


@app.command()
def openapi(
    agents: Annotated[bool, typer.Option("--agents", help="the agents service's schema instead of the API's")] = False,
    events: Annotated[
        bool, typer.Option("--events", help="the realtime events' payloads, as the schemas of a document with no paths")
    ] = False,
) -> None:
    """Print the OpenAPI schema as JSON (`make api-types` generates the web app's types from it); no server needed."""
    import json
    import tempfile

    from fastapi import FastAPI

    if events:
        typer.echo(json.dumps(_event_schemas(), indent=2, ensure_ascii=False))
        return
    # The app is built, never started: no database, queue or object store is reached, and nothing is written
    # outside a temporary data dir.
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings = Settings(
            data_dir=data_dir,
            database_url=f"sqlite+aiosqlite:///{data_dir / 'openapi.db'}",
            redis_url=None,
            storage_url=None,
            agents_url=None,
            jwt_secret="openapi-schema-only-never-signs-anything",  # noqa: S106
        )
        if agents:
            from housescan.agents.server import create_agents_app

            api: object = create_agents_app(settings)
        else:
            from housescan.app import create_app

            api = getattr(create_app(settings), "other_asgi_app", None)  # the FastAPI app beside Socket.IO
        assert isinstance(api, FastAPI)
        schema = api.openapi()
    typer.echo(json.dumps(schema, indent=2, ensure_ascii=False))


def _event_schemas() -> dict[str, object]:
    """Every realtime event payload (the EventPayload subclasses, camelCase as sent) in an OpenAPI document."""
    from pydantic.json_schema import models_json_schema

    import housescan.app  # noqa: F401 (imports every domain, so every event is declared)
    from housescan import __version__
    from housescan.realtime.schemas import EventPayload

    models: list[type[EventPayload]] = []
    pending = [EventPayload]
    while pending:
        for sub in pending.pop().__subclasses__():
            models.append(sub)
            pending.append(sub)
    models.sort(key=lambda model: model.__name__)
    _, definitions = models_json_schema(
        [(model, "serialization") for model in models], by_alias=True, ref_template="#/components/schemas/{model}"
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "HouseScan realtime events", "version": __version__},
        "paths": {},
        "components": {"schemas": definitions.get("$defs", {})},
    }


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (safe to run from several processes at once on PostgreSQL)."""
    from housescan.db.migrate import upgrade_database

    done = _on_engine(load_settings(), upgrade_database)
    if not done.applied:
        typer.echo(f"nothing to apply: database is up to date (revision {done.after})")
        return
    start = "a new database" if done.before is None else f"revision {done.before}"
    typer.echo(f"applied {_count(done.steps, 'migration')} from {start} to {done.after}: database is up to date")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the newest this version knows; exit 0 when they are the same, 1 when
    the database needs `housescan db upgrade` or was migrated by a newer HouseScan."""
    from housescan.db.migrate import database_revision, head_revision, is_known

    revision = _on_engine(load_settings(), database_revision)
    head = head_revision()
    shown = "none (it has never been migrated)" if revision is None else revision
    if revision == head:
        state = "up to date"
    elif is_known(revision):
        state = "behind: run `housescan db upgrade`"
    else:
        state = "newer than this version: run the newer version, or restore a backup"
    typer.echo(f"database revision {shown}; this version knows up to {head}: {state}")
    if revision != head:
        raise typer.Exit(1)


def _on_engine(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `work` on an engine of the configured database. A database that cannot be reached (the password
    never shown), or whose schema is not this version's, is one line on stderr and exit status 1."""
    from sqlalchemy.exc import DBAPIError

    from housescan.db.engine import create_engine
    from housescan.db.migrate import SchemaMismatch

    url = settings.resolved_database_url

    async def run() -> T:
        engine = create_engine(url)
        try:
            try:
                async with engine.connect():
                    pass
            except (OSError, DBAPIError) as exc:
                raise _Unreachable(f"cannot reach the database at {_where(url)} ({_reason(exc)})") from None
            return await work(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except (_Unreachable, SchemaMismatch) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


class _Unreachable(Exception):
    pass


def _where(url: str) -> str:
    """The database's place, never its password."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database)
    return f"{parsed.host}:{parsed.port or 5432}/{parsed.database}"


def _reason(exc: BaseException) -> str:
    import socket

    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, DBAPIError):
        return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    return exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)


@app.command("measure-photos")
def measure_photos() -> None:
    """Measure the quality of every photo not measured yet (e.g. stored before an upgrade brought the measures),
    scan by scan; safe while the server runs, and a second run has nothing left to measure."""
    from housescan.db.engine import create_sessionmaker
    from housescan.db.migrate import check_schema
    from housescan.scans import service as scans_service
    from housescan.storage.service import create_store

    settings = load_settings()

    async def run(engine: AsyncEngine) -> tuple[int, int, int]:
        await check_schema(engine)
        store = create_store(settings)
        measured_total = left_total = 0
        scan_ids: list[uuid.UUID] = []
        with _one_line_warnings(scans_service.logger):
            async with create_sessionmaker(engine)() as db_session:
                scan_ids = await scans_service.scans_with_unmeasured_photos(db_session=db_session)
                for scan_id in scan_ids:
                    measured = await scans_service.measure_unmeasured_photos(
                        db_session=db_session, store=store, scan_id=scan_id
                    )
                    left = await scans_service.count_unmeasured_photos(db_session=db_session, scan_id=scan_id)
                    await db_session.commit()  # no transaction stays open between scans
                    measured_total += measured
                    left_total += left
                    typer.echo(f"scan {scan_id}: measured {_count(measured, 'photo')}, {left} left unmeasured")
        return measured_total, len(scan_ids), left_total

    measured, scans, left = _on_engine(settings, run)
    typer.echo(f"measured {_count(measured, 'photo')} in {_count(scans, 'scan')}; {left} left unmeasured")
    if left:
        # Named above, one line each; or stored while this ran (the server measures those itself).
        typer.echo("a photo left unmeasured could not be read or decoded (see the lines above)", err=True)


@contextlib.contextmanager
def _one_line_warnings(logger: logging.Logger) -> Iterator[None]:
    """The logger's records as one line each on stderr, the exception's message after it, no traceback."""

    class OneLine(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            error = record.exc_info[1] if record.exc_info else None
            reason = re.sub(r" <[^>]* at 0x[0-9a-f]+>", "", str(error)) if error else ""
            typer.echo(f"{record.getMessage()}{f' ({reason})' if reason else ''}", err=True)

    handler, propagate = OneLine(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument()],
    admin: Annotated[bool, typer.Option("--admin", help="give the user the admin role")] = False,
    password: Annotated[str | None, typer.Option(help="default: asked for on the terminal")] = None,
) -> None:
    """Create a user (e.g. the first admin)."""
    from housescan.auth import service as auth_service
    from housescan.auth.models import Role

    _check_email(email)
    secret = _new_password(password, "Password: ")
    role = Role.admin if admin else Role.user
    _on_database(
        lambda db_session: auth_service.create_user(db_session=db_session, email=email, password=secret, role=role),
        email,
    )
    typer.echo(f"created {role.value} {email}")


@user_app.command("set-role")
def user_set_role(
    email: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="admin or user")],
) -> None:
    """Give an existing account the admin role, or take it back."""
    from housescan.auth import service as auth_service
    from housescan.auth.models import Role

    if role not in (Role.admin.value, Role.user.value):
        raise typer.BadParameter(f"the role is admin or user, not {role!r}", param_hint="ROLE")
    _on_database(lambda db_session: auth_service.set_role(db_session=db_session, email=email, role=Role(role)), email)
    typer.echo(f"{email} is now {'an admin' if role == 'admin' else 'a user'}")


@user_app.command("set-password")
def user_set_password(
    email: Annotated[str, typer.Argument()],
    password: Annotated[str | None, typer.Option(help="default: asked for on the terminal")] = None,
) -> None:
    """Give an account a new password (a person locked out where no e-mail is sent); their sessions end."""
    from housescan.account import service as account_service

    secret = _new_password(password, "New password: ")
    _on_database(
        lambda db_session: account_service.set_password_by_operator(
            db_session=db_session, email=email, password=secret
        ),
        email,
    )
    typer.echo(f"new password set for {email}; their sessions have ended")


def _new_password(given: str | None, prompt: str) -> str:
    """--password, else asked twice on a terminal, else the first line of stdin (`... < file`, a pipe)."""
    if given:
        secret = given
    elif not sys.stdin.isatty():
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = getpass.getpass(prompt)
        if getpass.getpass("Repeat it: ") != secret:
            raise typer.BadParameter("the two passwords differ")
    if len(secret) < 8:
        raise typer.BadParameter("the password needs at least 8 characters")
    return secret


def _on_database(work: Callable[[AsyncSession], Awaitable[object]], about: str | None = None) -> None:
    """Run `work` in a session of the configured database, which must be migrated already (`db upgrade`, or a
    `serve` started once): a one-off command never changes the schema behind the operator's back. A refusal
    (the e-mail taken, no such account) is one line on stderr, `about` after it, and exit status 1."""
    from housescan.auth.service import EmailTaken
    from housescan.db.engine import create_sessionmaker
    from housescan.db.migrate import check_schema
    from housescan.errors import HouseScanError

    async def run(engine: AsyncEngine) -> None:
        await check_schema(engine)
        async with create_sessionmaker(engine)() as db_session:
            await work(db_session)

    try:
        _on_engine(load_settings(), run)
    except HouseScanError as exc:
        # The service's words are for the person signing up; an operator can do something else about it.
        message = OPERATOR_WORDING if isinstance(exc, EmailTaken) else exc.message
        typer.echo(f"{message}: {about}" if about else message, err=True)
        raise typer.Exit(1) from None


OPERATOR_WORDING = "an account with this e-mail address exists already (`housescan user set-role` or `set-password`)"


def _check_email(email: str) -> None:
    """The same check as sign-up: an account made here with a malformed address could never sign in."""
    from pydantic import EmailStr, TypeAdapter, ValidationError

    try:
        TypeAdapter(EmailStr).validate_python(email)
    except ValidationError:
        raise typer.BadParameter(f"{email!r} is not a valid e-mail address", param_hint="EMAIL") from None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _configure_logging(level: str, log_format: str) -> None:
    from housescan.ops.logs import configure_logging

    formats: dict[str, LogFormat] = {"auto": "auto", "json": "json", "console": "console"}
    if log_format.lower() not in formats:
        raise typer.BadParameter("one of auto, json, console", param_hint="--log-format")
    configure_logging(level, formats[log_format.lower()])
