"""The store's connections follow the threads that use it: a retired thread's one is closed.

The server's worker threads come and go; each opened its own SQLite connection (with a page
cache of up to 32 MiB), and keeping the connections of threads long gone grew a long-running
harbor's memory without bound (seen in ``benchmarks/bench_soak.py``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ocean_harbor.store import Store


def _open_files(path: Path) -> int:
    """File descriptors of this process open on ``path`` (one per connection)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == str(path)
        except OSError:
            continue
    return count


def _read_in_a_thread(store: Store) -> None:
    def read() -> None:
        with store.read() as conn:
            conn.execute("SELECT count(*) FROM entities").fetchone()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()


def test_connections_of_finished_threads_are_closed(tmp_path: Path) -> None:
    db = tmp_path / "harbor.db"
    store = Store(db)
    try:
        for _ in range(30):  # thirty short-lived workers, one after the other
            _read_in_a_thread(store)

        # This thread's, the last worker's (closed when the next one opens) and the checkpointer's.
        assert _open_files(db) <= 3
        with store.read() as conn:  # the store still serves this thread
            assert conn.execute("SELECT 1").fetchone()[0] == 1
    finally:
        store.close()
    assert _open_files(db) == 0
