"""Checkpointing the store's WAL in a background thread.

A commit in WAL mode only appends pages to the ``-wal`` file; a checkpoint copies them back into
the database file and ``fsync``s it. SQLite's auto-checkpoint does that inside whichever commit
crosses its threshold, so every few dozen bulk upserts one request would hold the write lock
while waiting for the disk (measured: most of the harbor's commit time). ``Checkpointer`` does it
apart, in a thread of its own, when the store asks.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

BUSY_TIMEOUT_S = 30.0


class Checkpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` in a daemon thread whenever asked.

    PASSIVE never blocks readers or writers; it copies what it can. The thread starts on the first
    request (a read-only store never starts one) and ends with ``stop()``, after a last checkpoint.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def request(self) -> None:
        """Asks for a checkpoint soon (requests made while one runs are merged)."""
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="harbor-checkpoint", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        """Ends the thread after one last checkpoint; safe to call twice."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                if self._stopping:
                    return
        finally:
            conn.close()
