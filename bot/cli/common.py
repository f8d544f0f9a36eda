"""What every CLI command shares: settings from the context, logging, running with the app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from bot import logs, memory
from bot.config import ConfigError, Settings, StartupError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from bot.app import App

T = TypeVar("T")


def settings_from(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def refuse(problem: ConfigError) -> NoReturn:
    """End the command with the problem in one line and exit status 2."""
    typer.echo(f"dvcbot: {problem}", err=True)
    raise typer.Exit(2)


def setup_logging(settings: Settings, *, quiet: bool = False) -> None:
    """Log at the configured level (WARNING when quiet), never showing the bot token."""
    logs.setup_for(settings, quiet=quiet)


def with_app(settings: Settings, work: Callable[[App], Awaitable[T]]) -> T:
    """Build the app, prepare the database, run `work`, and close everything.

    A database or a Telegram that refuses at start ends the command with one line.
    """

    # Deferred: the app pulls in the database layer, which `dvcbot ask` and --help do not need.
    from bot.app import build_app

    memory.collect_less_often()

    async def runner() -> T:
        app = build_app(settings)
        try:
            await _prepare_database(app)
            return await work(app)
        finally:
            await app.close()

    try:
        return asyncio.run(runner())
    except ConfigError as problem:
        refuse(problem)


async def _prepare_database(app: App) -> None:
    from sqlalchemy.exc import DBAPIError

    # Checked before connecting: a failed connection leaves the driver's thread to finish
    # after the command has ended, which then prints a traceback of its own.
    missing = missing_sqlite_folder(app.settings.database.url)
    if missing is not None:
        raise StartupError(missing)
    try:
        await app.prepare_database()
    except (OSError, DBAPIError) as error:
        problem = database_problem(app.settings.database.url, error)
        if problem is None:
            raise
        raise StartupError(problem) from None


PG_NO_SUCH_DATABASE = "3D000"
PG_LOGIN_REFUSED = ("28000", "28P01")  # no such role or pg_hba.conf entry; wrong password


def database_problem(url: str, error: Exception) -> str | None:
    """What to check when the database cannot be opened; None for any other error."""
    from sqlalchemy.engine import make_url

    where = make_url(url)
    if where.get_backend_name() == "sqlite":
        return _sqlite_problem(Path(where.database or ""), error)
    return _postgres_problem(where, error)


def missing_sqlite_folder(url: str) -> str | None:
    """The problem of an SQLite database whose folder does not exist; None otherwise."""
    from sqlalchemy.engine import make_url

    where = make_url(url)
    if where.get_backend_name() != "sqlite" or where.database in (None, "", ":memory:"):
        return None
    return _missing_folder(Path(where.database))


def _missing_folder(path: Path) -> str | None:
    if path.parent.is_dir():
        return None
    return (
        f"Cannot open the SQLite database {path} (database.url): the folder {path.parent} "
        "does not exist; create it or fix the path."
    )


def _sqlite_problem(path: Path, error: Exception) -> str | None:
    from sqlalchemy.exc import DBAPIError

    if not isinstance(error, DBAPIError) or "unable to open" not in str(error.orig):
        return None
    return _missing_folder(path) or (
        f"Cannot open the SQLite database {path} (database.url): check that the folder "
        f"{path.parent} can be written to."
    )


def _postgres_problem(url: URL, error: Exception) -> str | None:
    """Never the password: only the server, the database and the user are named."""
    server = f"{url.host or 'localhost'}:{url.port or 5432}"
    if isinstance(error, OSError):
        reason = error.strerror or str(error) or type(error).__name__
        return (
            f"Cannot reach PostgreSQL at {server} (database.url): is the server running, "
            f"and are the host and port right? ({reason})"
        )
    from sqlalchemy.exc import DBAPIError

    if not isinstance(error, DBAPIError):
        return None
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate == PG_NO_SUCH_DATABASE:
        return (
            f"PostgreSQL at {server}: database {url.database!r} does not exist (database.url): "
            f"create it (createdb {url.database}) or fix the name."
        )
    if sqlstate in PG_LOGIN_REFUSED:
        return (
            f"PostgreSQL at {server} refused user {url.username!r} (database.url): check the "
            f"user name and password ({error.orig})."
        )
    return None


def run_admin_command(ctx: typer.Context, work: Callable[[App], Awaitable[int | None]]) -> None:
    """Run a one-off command with the app; a broken rule is one polite line and exit code 1."""
    from bot.core.errors import DomainError
    from bot.locales import t

    settings = settings_from(ctx)
    setup_logging(settings, quiet=True)

    async def guarded(app: App) -> int:
        try:
            return await work(app) or 0
        except DomainError as problem:
            typer.echo(f"dvcbot: {t(problem.key, **problem.values)}", err=True)
            return 1

    code = with_app(settings, guarded)
    if code:
        raise typer.Exit(code)


CommuneOption = Annotated[
    str | None,
    typer.Option("--commune", help="This commune (needed when the installation has several)."),
]


# Exit statuses of every `import …` command; 2 (bad usage or configuration) comes from Typer.
NOTHING_IMPORTED = 1
PARTLY_IMPORTED = 3
IMPORT_EPILOG = (
    "Exit status: 0 every row imported; 3 some rows imported, others skipped; "
    "1 nothing imported because of errors; 2 bad usage or configuration."
)


def import_status(skipped: int, accepted: int) -> int:
    """0 when no row was skipped; otherwise whether some rows got in (3) or none (1)."""
    if not skipped:
        return 0
    return PARTLY_IMPORTED if accepted else NOTHING_IMPORTED
