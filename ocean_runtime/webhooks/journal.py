"""``EventJournal``: accepted webhook events on disk until they are done — what makes a 202 durable.

    append(event) ──► writer thread: one transaction for everything waiting ──► COMMIT (fsync)
                                                                              ──► append() returns
    done(event)   ──► the same thread, in the next transaction (nobody waits for it)
    open()        ──► the events appended and not done, in the order they were appended

SQLite in WAL mode with ``synchronous=FULL``: once ``append`` returns, the event survives the
process being killed and the machine losing power. One thread owns the connection and commits
whatever is waiting in one transaction ("group commit"), so a burst of concurrent submissions
pays for one fsync, not one each, and the event loop never waits on the disk.

An event is deleted once it is done; one that was applied but not yet deleted when the process
died is applied again at the next start (processing is idempotent: at least once, never lost).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from ocean_runtime.errors import UserInputError

from .event import WebhookEvent

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,   -- the order events were accepted in
    body BLOB NOT NULL         -- WebhookEvent.to_json()
)
"""
MOST_PER_TRANSACTION = 2000


@dataclass
class _Append:
    seq: int
    body: bytes
    future: asyncio.Future[None]


class JournalError(Exception):
    """The journal could not store an event (disk full, file removed…)."""


class EventJournal:
    """The accepted-but-not-done events of one integration, in a SQLite file.

    Args:
        path: the database file (its folder is created).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._requests: queue.SimpleQueue[_Append | int | None] = queue.SimpleQueue()
        self._seqs: dict[str, int] = {}
        self._next_seq = 1
        self._thread: threading.Thread | None = None

    def open(self) -> list[WebhookEvent]:
        """Open (or create) the file; returns the events left from an earlier run, in order.

        Blocking (it reads the file): call it in a worker thread from async code.

        Raises:
            UserInputError: the file cannot be created or read (naming the setting that moves it).
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = _connect(self.path)
            rows = connection.execute("SELECT seq, body FROM events ORDER BY seq").fetchall()
        except (OSError, sqlite3.Error) as exc:
            raise UserInputError(
                f"cannot open the live-events journal {self.path}: {exc}",
                location="OCEAN__LIVE_EVENTS__JOURNAL_PATH",
                fix="point it at a writable file, or use OCEAN__LIVE_EVENTS__BACKEND=kafka",
            ) from None
        left: list[WebhookEvent] = []
        for seq, body in rows:
            try:
                event = WebhookEvent.from_json(body)
            except ValueError as exc:
                logger.error("Dropping unreadable event #%d of %s: %s", seq, self.path, exc)
                connection.execute("DELETE FROM events WHERE seq = ?", (seq,))
                continue
            self._seqs[event.id] = seq
            left.append(event)
        self._next_seq = (rows[-1][0] + 1) if rows else 1
        self._thread = threading.Thread(
            target=self._write_forever, args=(connection,), name="live-events-journal", daemon=True
        )
        self._thread.start()
        return left

    def append(self, event: WebhookEvent) -> asyncio.Future[None]:
        """Store ``event``; the future resolves once it is committed to disk.

        The future fails with ``JournalError`` when it could not be stored. Cancelling it does
        not take the event back: await it through ``asyncio.shield`` when the waiter may go.
        """
        assert self._thread is not None, "open() the journal first"
        seq = self._next_seq
        self._next_seq += 1
        self._seqs[event.id] = seq
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda done: self._forget_failed(event, done))
        self._requests.put(_Append(seq, event.to_json(), future))
        return future

    def _forget_failed(self, event: WebhookEvent, future: asyncio.Future[None]) -> None:
        if not future.cancelled() and future.exception() is not None:
            self._seqs.pop(event.id, None)

    def done(self, event: WebhookEvent) -> None:
        """Forget ``event`` (processed, or given up); written with the next transaction."""
        seq = self._seqs.pop(event.id, None)
        if seq is not None:
            self._requests.put(seq)

    def pending(self) -> int:
        """Events appended and not done."""
        return len(self._seqs)

    async def close(self) -> None:
        """Write what is waiting, then close the file."""
        if self._thread is None:
            return
        self._requests.put(None)
        await asyncio.to_thread(self._thread.join)
        self._thread = None

    # -- the writer thread ------------------------------------------------------------------

    def _write_forever(self, connection: sqlite3.Connection) -> None:
        try:
            while True:
                batch = [self._requests.get()]
                while len(batch) < MOST_PER_TRANSACTION:
                    try:
                        batch.append(self._requests.get_nowait())
                    except queue.Empty:
                        break
                closing = None in batch
                self._write(connection, [item for item in batch if item is not None])
                if closing:
                    return
        finally:
            connection.close()

    def _write(self, connection: sqlite3.Connection, batch: list[_Append | int]) -> None:
        appends = [item for item in batch if isinstance(item, _Append)]
        done = [(item,) for item in batch if isinstance(item, int)]
        error: BaseException | None = None
        try:
            with connection:  # one transaction: BEGIN … COMMIT (fsync), or ROLLBACK
                connection.executemany(
                    "INSERT INTO events (seq, body) VALUES (?, ?)", [(a.seq, a.body) for a in appends]
                )
                connection.executemany("DELETE FROM events WHERE seq = ?", done)
        except sqlite3.Error as exc:
            logger.error("Could not write the live-events journal %s: %s", self.path, exc)
            error = JournalError(f"could not store the event in {self.path}: {exc}")
        if appends:  # one wake-up of the event loop for the whole transaction
            futures = [append.future for append in appends]
            futures[0].get_loop().call_soon_threadsafe(_settle, futures, error)


def _settle(futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for future in futures:
        if future.done():  # cancelled by its owner
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level="DEFERRED", check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")  # a commit is on disk, not just in the OS cache
    connection.execute(SCHEMA)
    connection.commit()
    return connection
