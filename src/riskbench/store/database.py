"""Opening the store: URL checks, SQLite tuning, migrations to the newest schema.

Creating or upgrading the schema is one transaction under one inter-process lock, so a
kill at any moment leaves either the old schema or the new one, and processes that open a
fresh database together wait for each other instead of racing to create the same tables.
SQLite: the stdlib driver runs DDL outside any transaction, so migrations use a
connection in driver autocommit mode that opens `BEGIN EXCLUSIVE` itself (SQLite's DDL is
transactional; the exclusive lock is the inter-process lock). PostgreSQL: DDL is
transactional already; a transaction-scoped advisory lock serializes first use.
A database left half-created by an older riskbench (tables, no schema version) is
repaired when its tables are empty, and named with the fix when they hold data.
"""

from __future__ import annotations

import os
import sys
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.pool import NullPool

from riskbench.errors import UsageError
from riskbench.jsonl import dumps, loads
from riskbench.store.schema import Base

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_URL = "sqlite:///riskbench.db"
URL_HINT = "use sqlite:///path/to/file.db or postgresql+psycopg://user:pass@host/db"
# Any fixed 64-bit number; names riskbench's schema lock among a server's advisory locks.
PG_MIGRATION_LOCK = 0x7269736B62656E63  # "riskbenc"


def resolve_url(url: str | None) -> str:
    return url or os.environ.get("RISKBENCH_DB") or DEFAULT_URL


def _json_text(value: Any) -> str:
    """JSON columns written with orjson when installed (test cases at plan time, runs)."""
    return dumps(value).decode()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first: the journal switch may have to wait
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_autocommit(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver never opens transactions itself
    _sqlite_pragmas(dbapi_connection, record)


def _make_engine(url: str, shown: str, migrating: bool = False) -> Engine:
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, poolclass=NullPool, json_serializer=_json_text,
                                   json_deserializer=loads)
            event.listen(engine, "connect", _sqlite_autocommit if migrating else _sqlite_pragmas)
            if migrating:
                event.listen(engine, "begin",
                             lambda conn: conn.exec_driver_sql("BEGIN EXCLUSIVE"))
        elif migrating:
            engine = create_engine(url, poolclass=NullPool)
        else:
            engine = create_engine(url, pool_pre_ping=True, json_serializer=_json_text,
                                   json_deserializer=loads)
    except (ArgumentError, ValueError):
        raise UsageError(f"bad database URL {shown!r}; {URL_HINT}") from None
    except NoSuchModuleError:
        raise UsageError(f"no database driver for {shown!r}; {URL_HINT}") from None
    except ImportError as exc:
        raise UsageError(
            f"the driver for {shown!r} is not installed ({exc.name}); "
            "run `pip install -e '.[postgres]'` for PostgreSQL"
        ) from None
    return engine


def connect(url: str | None = None, *, current: bool = False) -> Engine:
    """An engine on the migrated database, or a UsageError naming what to fix.
    `current`: the caller knows the schema is the newest (a run's judging worker, whose
    engine has just checked it), so neither the check nor alembic's import (a third of
    that worker's start-up) is needed."""
    url = resolve_url(url)
    shown = url.split("@")[-1] if "@" in url else url  # never echo a password
    engine = _make_engine(url, shown)
    if current:
        return engine
    try:
        with engine.connect() as connection:  # the common case: current, no lock taken
            current = _stamped(connection) == HEAD or _revision(connection) == _head()
        if not current:
            migrator = _make_engine(url, shown, migrating=True)
            try:
                with migrator.begin() as connection:
                    migrate(connection, shown)
            finally:
                migrator.dispose()
    except OperationalError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else "connection failed"
        raise UsageError(
            f"cannot open database {shown!r} ({reason}); check the path/server or {URL_HINT}"
        ) from None
    except DatabaseError as exc:  # e.g. SQLite's "file is not a database"
        reason = str(exc.orig).splitlines()[0] if exc.orig else "not a database"
        raise UsageError(
            f"{shown!r} is not a riskbench database ({reason}); "
            "give --db a new file or an existing riskbench database"
        ) from None
    return engine


def migrate(connection: Connection, shown: str) -> None:
    """Bring the schema to the newest revision inside the caller's transaction (which
    holds the schema lock on SQLite; this takes it on PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                           {"key": PG_MIGRATION_LOCK})
    current = _revision(connection)  # again: another process may have just migrated
    if current == _head():
        return
    if current is None:
        _repair_unversioned(connection, shown)
    from alembic import command

    cfg = _config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")


def _config() -> Config:
    from alembic.config import Config  # alembic loads only where a schema is checked

    cfg = Config()
    cfg.set_main_option("script_location", str(files("riskbench.store").joinpath("migrations")))
    return cfg


# the newest migration's revision, so that the common case (a store already at it) needs
# neither alembic's import nor a read of every migration script (~0.3 s of `riskbench
# runs`); tests/store checks it against alembic's own head
HEAD = "0007"


def _stamped(connection: Connection) -> str | None:
    """The revision stamped in the store, read with one plain query (None: no stamp)."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return str(rows[0][0]) if len(rows) == 1 else None


def _head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def _revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _repair_unversioned(connection: Connection, shown: str) -> None:
    """Tables without a schema version are what an interrupted first migration of an older
    riskbench left behind: empty ones are dropped so the migration can start over."""
    present = set(inspect(connection).get_table_names())
    ours = [t for t in reversed(Base.metadata.sorted_tables) if t.name in present]
    if not ours:
        return
    if any(connection.execute(text(f'SELECT 1 FROM "{t.name}" LIMIT 1')).first()
           for t in ours):
        raise UsageError(
            f"database {shown!r} holds riskbench tables with data but no schema version; "
            "back it up and run `alembic stamp` on it, or give --db a new file"
        )
    for table in ours:
        table.drop(connection)
    print(f"riskbench: {shown}: removed the empty tables of an interrupted first setup "
          "and created the schema again", file=sys.stderr)
