"""Reading a store at the pace of the command: the quick path of the commands that only read.

Importing SQLAlchemy alone costs about four times ``import typer``, and building the models as much
again, while listing a committee's applicants takes a few milliseconds. So a reading command hands
its work to :func:`qjtitle.store.read_store`: an SQLite store already at the current schema (:data:`qjtitle.store.schema.HEAD`) is
read with the standard library's ``sqlite3``, read-only, in one transaction; any other store goes
the usual way (:func:`qjtitle.store.open_store`, which creates, upgrades and reports as always) and
the same SQL runs there through SQLAlchemy Core. Any error of the quick path sends the work down
the usual one, so what goes wrong (a locked store, a damaged file) is reported as it always was.

The SQL given to a :class:`Reader` is plain text with ``:name`` parameters, written once for both
backends. Values come back as each driver gives them: dates, moments and JSON columns are ISO text
and JSON text on SQLite, ``date`` and ``datetime`` objects and decoded JSON on PostgreSQL
(:func:`day`, :func:`moment`, :func:`json_value`).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from qjtitle.paths import STORE_ENV, user_store_path

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

BUSY_TIMEOUT_MS = 5000  # SQLite: how long a write waits for another process's transaction


def resolve_url(db: str | os.PathLike[str] | None = None) -> str:
    """``db`` (a path or an SQLAlchemy URL), else ``$QJTITLE_DB``, else the user's own store
    (:func:`qjtitle.paths.user_store_path`), as a URL."""
    value = str(db) if db not in (None, "") else os.environ.get(STORE_ENV) or str(user_store_path())
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve().as_posix()}"


class Reader(Protocol):
    """One read-only transaction on a store."""

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """The rows of ``sql`` (``:name`` parameters), each as a dict by column name."""
        ...


class _SqliteReader:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]


class CoreReader:
    """A :class:`Reader` on a connection of an open store (SQLAlchemy Core)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        from sqlalchemy import text

        return [dict(row._mapping) for row in self.conn.execute(text(sql), params)]


def quick_path(db: str | os.PathLike[str] | None) -> Path | None:
    """The SQLite file to read the quick way: a plain path (or sqlite:/// URL without options)
    to a file that exists. None when the usual way must decide (a new store, PostgreSQL, …)."""
    url = resolve_url(db)
    prefix = "sqlite:///"
    if not url.startswith(prefix) or any(c in url for c in "?#%"):
        return None
    path = Path(url[len(prefix) :])
    return path if path.is_absolute() and path.is_file() else None


@contextmanager
def quick(path: Path, version_table: str, head: str) -> Iterator[Reader | None]:
    """A read-only transaction on ``path`` when its schema is at ``head`` (the one version in
    ``version_table``: :data:`qjtitle.store.schema.HEAD`), else None."""
    conn = sqlite3.connect(
        f"{path.as_uri()}?mode=ro",
        uri=True,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        conn.execute("BEGIN")  # one snapshot for every query of the command
        version = [r[0] for r in conn.execute(f"SELECT version_num FROM {version_table}")]
        yield _SqliteReader(conn) if version == [head] else None
    finally:
        conn.close()  # nothing written: closing ends the transaction


def day(value: Any) -> date | None:
    """A date column's value as a date (SQLite keeps ISO text)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def moment(value: Any) -> datetime:
    """A datetime column's value as the models give it (SQLModel's ``UTCDateTime``): an aware
    datetime in UTC. SQLite keeps ISO text, in UTC without an offset; PostgreSQL gives a datetime."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when.replace(tzinfo=UTC) if when.utcoffset() is None else when.astimezone(UTC)


def json_value(value: Any) -> Any:
    """A JSON column's value decoded (SQLite keeps JSON text)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def like_contains(text: str) -> str:
    """``text`` as the pattern of ``LIKE :p ESCAPE '/'`` matching it anywhere (SQLAlchemy's
    ``contains(..., autoescape=True)``)."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"
