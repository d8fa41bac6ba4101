"""Group commit: upserts waiting together share a transaction, each keeping its own answer."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_harbor.errors import HarborError
from ocean_harbor.group_commit import GATHER_TURNS, GroupCommitter
from ocean_harbor.store import Store
from ocean_harbor.testing import RunningHarbor

UA = "port-ocean/test-type/1.0.0/test-integration/exporter"
ITEM = {
    "identifier": "item",
    "schema": {"properties": {"n": {"type": "number"}, "url": {"type": "string", "format": "url"}}},
}


@pytest.fixture
def store(tmp_path: Path) -> Any:
    store = Store(tmp_path / "harbor.db")
    yield store
    store.close()


def _insert(store: Store, identifier: str) -> str:
    with store.write() as conn:  # joins the group's transaction
        conn.execute(
            "INSERT INTO documents (collection, identifier, body, created_at, updated_at)"
            " VALUES ('pages', ?, '{}', 'now', 'now')",
            (identifier,),
        )
    return identifier


def _refuse() -> None:
    raise HarborError(404, "not_found", "Blueprint with identifier ghost not found")


def _write_then_fail(store: Store) -> None:
    _insert(store, "half-written")
    raise ValueError("boom after writing")


def _committed_pages(path: Path) -> list[str]:
    """What another connection sees: only committed rows."""
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT identifier FROM documents ORDER BY 1")]
    finally:
        conn.close()


async def test_each_request_of_a_group_gets_its_own_answer(store: Store) -> None:
    committer = GroupCommitter(store)
    results = await asyncio.gather(
        committer.run(_insert, store, "a"),
        committer.run(_refuse),
        committer.run(_write_then_fail, store),
        committer.run(_insert, store, "b"),
        return_exceptions=True,
    )
    assert results[0] == "a" and results[3] == "b"
    assert isinstance(results[1], HarborError) and results[1].status == 404
    assert isinstance(results[2], ValueError) and str(results[2]) == "boom after writing"
    # the request that failed after writing left nothing; the others are committed once each
    assert _committed_pages(store.path) == ["a", "b"]


async def test_an_answer_means_committed(store: Store) -> None:
    committer = GroupCommitter(store)
    for name in ("first", "second"):
        assert await committer.run(_insert, store, name) == name
        assert name in _committed_pages(store.path)


async def test_a_busy_store_sends_the_group_to_a_thread(store: Store) -> None:
    committer = GroupCommitter(store)
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with store.write():
            inside.set()
            leave.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(10)
    threads: list[int] = []

    def insert_noting_thread(name: str) -> str:
        threads.append(threading.get_ident())
        return _insert(store, name)

    pending = asyncio.ensure_future(committer.run(insert_noting_thread, "late"))
    for _ in range(GATHER_TURNS + 5):  # loop turns, not time: the group is then past its try on the loop
        await asyncio.sleep(0)
    leave.set()
    assert await pending == "late"
    holder.join()
    assert threads and threads[0] != threading.get_ident()
    assert _committed_pages(store.path) == ["late"]


async def test_concurrent_bulk_upserts_over_http_keep_their_own_answers(harbor: RunningHarbor) -> None:
    with harbor.client() as setup:
        assert setup.post("/v1/blueprints", json=ITEM).status_code == 200
        token = setup.post(
            "/v1/auth/access_token",
            json={"clientId": harbor.client_id, "clientSecret": harbor.client_secret},
        ).json()["accessToken"]
    headers = {"Authorization": f"Bearer {token}", "User-Agent": UA}

    def good(batch: int) -> list[dict[str, Any]]:
        return [{"identifier": f"b{batch}-{i}", "properties": {"n": i}} for i in range(20)]

    bad_entity = [*good(90)[:3], {"identifier": "bad", "properties": {"url": "not a url"}}]
    async with httpx.AsyncClient(base_url=harbor.url, headers=headers, timeout=60) as client:

        async def post(entities: list[dict[str, Any]], blueprint: str = "item") -> httpx.Response:
            return await client.post(f"/v1/blueprints/{blueprint}/entities/bulk", json={"entities": entities})

        answers = await asyncio.gather(
            *(post(good(b)) for b in range(8)),
            post(bad_entity),
            post(good(99), blueprint="ghost"),
            *(post(good(b)) for b in range(8, 12)),
        )
    statuses = [answer.status_code for answer in answers]
    assert statuses == [200] * 8 + [207, 404] + [200] * 4
    for answer in answers[:8] + answers[10:]:
        assert answer.json()["errors"] == [] and len(answer.json()["entities"]) == 20
    partial = answers[8].json()
    assert [e["identifier"] for e in partial["entities"]] == ["b90-0", "b90-1", "b90-2"]
    assert [(e["identifier"], e["index"], e["statusCode"]) for e in partial["errors"]] == [("bad", 3, 422)]
    assert answers[9].json()["error"] == "not_found"
    stored = {e["identifier"] for e in harbor.entities("item")}
    assert stored == {f"b{b}-{i}" for b in range(12) for i in range(20)} | {"b90-0", "b90-1", "b90-2"}
