"""The shared database: a SQLite file (default) or PostgreSQL when DATABASE_URL says so.

DATABASE_URL: `postgresql://user:pass@host/db`, `sqlite:///relative.db` or `sqlite:////abs/lms.db`
(SQLAlchemy's forms), or unset to use the SQLite file at LMS_SQLITE_PATH (default ./lms.db); the
workers read it the same way (src/tasks/store/parse-database-url.ts). One short-lived connection per unit of work;
queries use `?` placeholders, rewritten to `%s` for psycopg.
"""
import os
import re
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator, Optional

from .schema import POSTGRES_SCHEMA, SQLITE_SCHEMA


def database_url() -> str:
    """The configured database, as a URL (LMS_SQLITE_PATH becomes `sqlite:///path`).

    A SQLAlchemy-style `postgresql+psycopg://` is read as `postgresql://`, as the workers read it.
    """
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return re.sub(r"^postgresql\+[a-z0-9]+:", "postgresql:", url, flags=re.IGNORECASE)
    return "sqlite:///" + os.path.abspath(os.environ.get("LMS_SQLITE_PATH", "lms.db"))


def is_postgres(url: Optional[str] = None) -> bool:
    return (url or database_url()).lower().startswith(("postgres://", "postgresql://"))


def _sqlite_path(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise ValueError(f"unsupported DATABASE_URL scheme (want postgresql:// or sqlite:///): {url.split(':', 1)[0]}")
    return url[len("sqlite:///"):]


def utcnow() -> Any:
    """A timestamp as each dialect stores it: datetime for PostgreSQL, ISO-8601 UTC text for SQLite."""
    now = datetime.now(timezone.utc)
    if is_postgres():
        return now
    return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Database:
    """A DB-API connection with `?` placeholders in both dialects and rows as dicts."""

    def __init__(self, conn: Any, postgres: bool):
        self.conn = conn
        self.postgres = postgres

    def execute(self, sql: str, params: tuple = ()) -> Any:
        if self.postgres:
            sql = sql.replace("?", "%s")
        cur = self.conn.cursor()
        cur.execute(sql, params)
        return cur

    def one(self, sql: str, params: tuple = ()) -> Optional[dict]:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def all(self, sql: str, params: tuple = ()) -> list[dict]:
        cur = self.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def is_unique_violation(self, exc: Exception) -> bool:
        if self.postgres:
            import psycopg

            return isinstance(exc, psycopg.errors.UniqueViolation)
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)


@contextmanager
def connect() -> Iterator[Database]:
    """A connection for one unit of work: committed when the block ends, rolled back on an error."""
    url = database_url()
    if is_postgres(url):
        import psycopg

        conn = psycopg.connect(url)
        db = Database(conn, postgres=True)
    else:
        # The workers write the same file: wait for their locks instead of failing at once.
        conn = sqlite3.connect(_sqlite_path(url), timeout=15)
        conn.execute("PRAGMA foreign_keys = ON")
        db = Database(conn, postgres=False)
    try:
        yield db
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        conn.close()


# The advisory lock key the workers take around the same statements (src/tasks/store/migrate-lms-schema.ts):
# concurrent CREATE TABLE IF NOT EXISTS would otherwise race on PostgreSQL's catalog.
PG_MIGRATION_LOCK = 0x63656C72


def migrate() -> None:
    """Creates the shared tables when missing (the workers run the same statements), in one transaction."""
    with connect() as db:
        if db.postgres:
            db.execute("SELECT pg_advisory_xact_lock(?)", (PG_MIGRATION_LOCK,))
        else:
            db.execute("PRAGMA journal_mode = WAL")
        for statement in POSTGRES_SCHEMA if db.postgres else SQLITE_SCHEMA:
            db.execute(statement)
