"""The `housescan` command."""

from __future__ import annotations

import asyncio
import getpass
from typing import Annotated

import typer

from housescan.config import Settings

app = typer.Typer(help="HouseScan: photos of a home in, an inspection report out.", no_args_is_help=True)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    log_level: Annotated[str, typer.Option()] = "info",
) -> None:
    """Serve the API, the web app and the realtime socket (and, by default, the in-process worker)."""
    import uvicorn

    from housescan.app import create_app

    uvicorn.run(create_app(Settings()), host=host, port=port, log_level=log_level, proxy_headers=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (safe to run from several processes at once on PostgreSQL)."""
    from housescan.db.engine import create_engine
    from housescan.db.migrate import upgrade_database

    async def run() -> None:
        engine = create_engine(Settings().resolved_database_url)
        try:
            await upgrade_database(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    typer.echo("database is up to date")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument()],
    admin: Annotated[bool, typer.Option("--admin", help="give the user the admin role")] = False,
    password: Annotated[str | None, typer.Option(help="default: asked for on the terminal")] = None,
) -> None:
    """Create a user (e.g. the first admin)."""
    from housescan.auth import service as auth_service
    from housescan.auth.models import Role
    from housescan.db.engine import create_engine, create_sessionmaker
    from housescan.db.migrate import upgrade_database

    secret = password or getpass.getpass("Password: ")
    if len(secret) < 8:
        raise typer.BadParameter("the password needs at least 8 characters")

    async def run() -> None:
        engine = create_engine(Settings().resolved_database_url)
        try:
            await upgrade_database(engine)
            async with create_sessionmaker(engine)() as db_session:
                await auth_service.create_user(
                    db_session=db_session,
                    email=email,
                    password=secret,
                    role=Role.admin if admin else Role.user,
                )
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except auth_service.EmailTaken:
        typer.echo(f"a user with the email {email} exists already", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"created {'admin' if admin else 'user'} {email}")
