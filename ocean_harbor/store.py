"""The harbor's SQLite file: connections, transactions and the schema.

One ``Store`` owns one database file. SQLite runs in WAL mode so readers never block the
writer. Writes go through ``Store.write()``, which holds an in-process lock (threads of one
server queue up without spinning) and opens the transaction with ``BEGIN IMMEDIATE`` (other
processes on the same file wait up to ``busy_timeout`` instead of failing half-way through).

Each thread gets its own connection: ``sqlite3`` connections must not be used by two threads at
once, and the API runs its database work in Starlette's thread pool.

Checkpoints (copying the WAL back into the database file, with its ``fsync``) run in a background
thread (``checkpoint.py``), not inside the commit that happens to cross SQLite's threshold:
otherwise every few dozen bulk upserts one of them would hold the write lock for the length of
a checkpoint, and the writers queued behind it would wait for the disk. A commit only appends
to the WAL.
"""

from __future__ import annotations

import enum
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from ocean_harbor import json_codec
from ocean_harbor.checkpoint import Checkpointer

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
PAGE_CACHE_KIB = 32 * 1024
# Commits between two background checkpoints (a commit — a group of bulk upserts, see
# group_commit.py — adds tens to hundreds of WAL pages).
CHECKPOINT_EVERY_COMMITS = 64
# Should the background thread fall behind, commits checkpoint themselves past this many WAL pages.
BACKSTOP_CHECKPOINT_PAGES = 50_000
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class StoreBusy(Exception):
    """A write cannot start without waiting (see ``Store.write_without_waiting``)."""


class StoreState(enum.Enum):
    """Lifecycle of a ``Store``: usable until closed, never reopened."""

    OPEN = "open"
    CLOSED = "closed"


def now_iso() -> str:
    """Returns the current UTC time in the harbor's canonical form (sortable as text)."""
    return format_time(datetime.now(UTC))


def format_time(moment: datetime) -> str:
    """Formats ``moment`` as ``2024-11-20T12:01:54.355123Z``; naive datetimes count as UTC.

    Every timestamp the harbor stores uses this one format, so comparing them as strings in SQL
    orders them in time.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_time(text: str) -> datetime:
    """Parses an ISO-8601 timestamp (``Z`` or an offset; naive means UTC).

    Raises:
        ValueError: ``text`` is not an ISO-8601 timestamp.
    """
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def dumps(value: Any) -> str:
    """Serialises a JSON column value compactly."""
    return json_codec.dumps(value)


def loads(text: str | None, default: Any = None) -> Any:
    """Parses a JSON column value; ``None`` gives ``default``."""
    return default if text is None else json_codec.loads(text)


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite may have rolled back already (disk full, I/O error): ROLLBACK would then raise
    # and hide the error that caused it.
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class Store:
    """The catalog database of one harbor.

    Args:
        db_path: the SQLite file; created (with its parent folder) when missing.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._state = StoreState.OPEN
        self._local = threading.local()
        # One connection per thread that used the store. The server's worker threads come and go
        # (idle ones are retired after a few seconds), so a dead thread's connection — and its
        # page cache of up to 32 MiB — is closed when the next thread opens its own; kept, they
        # grew a long-running harbor's memory without bound.
        self._connections: dict[threading.Thread, sqlite3.Connection] = {}
        self._registry_lock = threading.Lock()
        self._write_lock = threading.RLock()
        self._commits = 0
        self._checkpointer = Checkpointer(self.path)
        self._create_schema()

    def _create_schema(self) -> None:
        schema = resources.files("ocean_harbor").joinpath("schema.sql").read_text(encoding="utf-8")
        conn = self._connection()
        with self._write_lock:
            conn.executescript(schema)

    def _connection(self) -> sqlite3.Connection:
        if self._state is StoreState.CLOSED:
            raise RuntimeError(f"The harbor store {self.path} is closed; create a new Store to reopen it.")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: we issue BEGIN/COMMIT ourselves; check_same_thread=False only so
            # close() may close every thread's connection — each is still used by one thread.
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous=NORMAL")
            # 32 MiB of pages (SQLite's default is 2 MiB): beyond ~10k entities the indexes no
            # longer fit and every bulk upsert re-read their pages (measured at 45k entities:
            # ~200 -> ~172 us of CPU per upserted entity). Filled only as pages are used.
            conn.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_CHECKPOINT_PAGES}")
            self._local.conn = conn
            with self._registry_lock:
                gone = [thread for thread in self._connections if not thread.is_alive()]
                retired = [self._connections.pop(thread) for thread in gone]
                self._connections[threading.current_thread()] = conn
            for old in retired:
                old.close()
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: commits when the block ends, rolls back if it raises.

        Nested ``write()`` blocks in one thread join the outer transaction.
        """
        conn = self._connection()
        with self._write_lock:
            if conn.in_transaction:
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                _rollback(conn)
                raise
            self._commit(conn)

    def write_without_waiting(self, work: Callable[..., T], *args: Any) -> T:
        """Runs ``work(*args)`` in a write transaction right now, or raises ``StoreBusy``.

        For callers on an event loop: a bulk upsert takes a few milliseconds, and handing it to a
        worker thread cost a fifth of the harbor's CPU (and the GIL ping-pong between the loop
        and the thread, latency). Nothing here waits: if another thread holds the write lock or
        another process the database, ``StoreBusy`` is raised before ``work`` runs, and the
        caller takes the thread path. ``work`` uses ``store.write()`` as usual (it joins).
        """
        if not self._write_lock.acquire(blocking=False):
            raise StoreBusy("another write is in progress")
        try:
            conn = self._connection()
            if conn.in_transaction:
                raise StoreBusy("this thread is inside a transaction already")
            conn.execute("PRAGMA busy_timeout=0")
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:  # another process is writing
                raise StoreBusy(str(exc)) from exc
            finally:
                conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            try:
                value = work(*args)
            except BaseException:
                _rollback(conn)
                raise
            self._commit(conn)
            return value
        finally:
            self._write_lock.release()

    def _commit(self, conn: sqlite3.Connection) -> None:
        conn.execute("COMMIT")
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY_COMMITS == 0:
            self._checkpointer.request()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read-only snapshot for SELECTs (rows are ``sqlite3.Row``); the UI reads through this."""
        conn = self._connection()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        """Closes every connection; the store cannot be used afterwards."""
        self._state = StoreState.CLOSED
        self._checkpointer.stop()
        with self._registry_lock:
            connections, self._connections = list(self._connections.values()), {}
        for conn in connections:
            conn.close()
