"""What a command that only reads the store needs before, or instead of, SQLAlchemy: the
URL, SQLite's connection settings, the newest schema revision and the score cache's run
state, and a SQLite store file opened with the stdlib driver when it is at that revision.

Importing SQLAlchemy, its ORM and the schema was about half of `riskbench runs` on a
million attempts (docs/performance.md), for three small reads. Nothing here imports it;
`database.connect` uses the same settings and revision, so both ways open the same store
the same way, and anything this module does not recognise takes `connect`'s way.
"""

from __future__ import annotations

import os
import re
import sqlite3
from typing import Any
from urllib.parse import quote

DEFAULT_URL = "sqlite:///riskbench.db"
URL_HINT = "use sqlite:///path/to/file.db or postgresql+psycopg://user:pass@host/db"

# the newest migration's revision, so that the common case (a store already at it) needs
# neither alembic's import nor a read of every migration script (~0.3 s of `riskbench
# runs`); tests/store checks it against alembic's own head
HEAD = "0007"

# a SQLite file named plainly: no query string, no escapes, not the in-memory database
_PLAIN_SQLITE_FILE = re.compile(r"sqlite:///(?!:memory:)([^?#%]+)")


def resolve_url(url: str | None) -> str:
    return url or os.environ.get("RISKBENCH_DB") or DEFAULT_URL


def sqlite_pragmas(dbapi_connection: Any, _record: Any = None) -> None:
    """Every SQLite connection's settings (also `connect`'s engines, on each connect)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first: the journal switch may have to wait
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


COUNTS = "attempt_counts"  # the score cache's variant holding a run's attempts per status


def run_state(status: str, finished_at: str | None) -> str | None:
    """What a score cache entry's fingerprint starts with; None (do not cache) unless
    the run is finished."""
    return f"{status}@{finished_at}" if status == "finished" else None


def open_current_sqlite(url: str | None) -> sqlite3.Connection | None:
    """The SQLite store `url` names, with `connect`'s settings, when it is an existing file
    stamped with the newest revision; else None, and the caller takes `connect`'s way
    (which creates, migrates, or names what is wrong, as it always did)."""
    match = _PLAIN_SQLITE_FILE.fullmatch(resolve_url(url))
    if match is None:
        return None
    try:  # mode=rw: never create a file here; a new store is connect's to make
        conn = sqlite3.connect(f"file:{quote(match.group(1))}?mode=rw", uri=True,
                               isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        sqlite_pragmas(conn)
        stamp = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:  # not a database, no stamp table, locked: connect's way
        conn.close()
        return None
    if stamp != [(HEAD,)]:
        conn.close()
        return None
    return conn
