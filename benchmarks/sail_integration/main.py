"""Benchmark integration: ``on_resync("repository")`` streams a JSON-lines file in batches.

The same workload as the reference's benchmark integration (``../shared/anchor/sail-integration``):
the synthetic repositories of ``BENCH_DATA_FILE`` (written by the anchor's ``gen_data.py``), yielded
in batches of ``BENCH_BATCH_SIZE`` (default 100) the way a paginating 3rd-party client would.
Lines are read one batch at a time, so memory does not depend on the file's size.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from ocean_runtime import UserInputError, ocean

DEFAULT_BATCH_SIZE = 100


def _data_file() -> Path:
    value = os.environ.get("BENCH_DATA_FILE", "")
    if not value or not Path(value).is_file():
        raise UserInputError(
            f"BENCH_DATA_FILE={value!r} is not a file",
            location="BENCH_DATA_FILE",
            fix="point BENCH_DATA_FILE at a JSON-lines file (../shared/anchor/gen_data.py N items.jsonl)",
        )
    return Path(value)


def _batch_size() -> int:
    value = os.environ.get("BENCH_BATCH_SIZE", str(DEFAULT_BATCH_SIZE))
    if not value.isdigit() or int(value) < 1:
        raise UserInputError(
            f"BENCH_BATCH_SIZE={value!r} is not a whole number >= 1",
            location="BENCH_BATCH_SIZE",
            fix="set BENCH_BATCH_SIZE to the number of items per batch, e.g. 100",
        )
    return int(value)


@ocean.on_resync("repository")
async def repositories(kind: str) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield the file's items, ``BENCH_BATCH_SIZE`` at a time."""
    path, size = _data_file(), _batch_size()
    batch: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                batch.append(json.loads(line))
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch
