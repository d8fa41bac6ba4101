"""``Store.write_without_waiting``: writes on the caller's thread, or refuses without waiting."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from ocean_harbor.store import Store, StoreBusy


def _insert(store: Store, identifier: str) -> str:
    with store.write() as conn:  # joins the transaction write_without_waiting opened
        conn.execute(
            "INSERT INTO documents (collection, identifier, body, created_at, updated_at)"
            " VALUES ('pages', ?, '{}', 'now', 'now')",
            (identifier,),
        )
    return identifier


def _pages(store: Store) -> list[str]:
    with store.read() as conn:
        return [row["identifier"] for row in conn.execute("SELECT identifier FROM documents ORDER BY 1")]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "harbor.db")


def test_it_commits_the_work_and_returns_its_value(store: Store) -> None:
    assert store.write_without_waiting(_insert, store, "home") == "home"
    assert _pages(store) == ["home"]
    store.close()


def test_a_failing_work_is_rolled_back_and_the_store_stays_usable(store: Store) -> None:
    def failing() -> None:
        _insert(store, "half")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        store.write_without_waiting(failing)
    store.write_without_waiting(_insert, store, "after")
    assert _pages(store) == ["after"]
    store.close()


def test_another_thread_writing_makes_it_refuse_before_running_anything(store: Store) -> None:
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with store.write():
            inside.set()
            leave.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(10)
    try:
        with pytest.raises(StoreBusy):
            store.write_without_waiting(_insert, store, "never")
    finally:
        leave.set()
        holder.join()
    assert _pages(store) == []
    store.close()


def test_another_process_writing_makes_it_refuse_without_waiting(store: Store, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "harbor.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy):
            store.write_without_waiting(_insert, store, "never")
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.write_without_waiting(_insert, store, "later")  # the busy timeout is back to normal
    assert _pages(store) == ["later"]
    store.close()
