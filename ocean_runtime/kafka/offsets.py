"""``OffsetTracker``: which messages of each owned partition are done, and what may be committed.

Messages of one partition may finish out of order (different keys are processed concurrently),
but Kafka stores one offset per partition: "everything before this is done". So the offset to
commit is the lowest offset still in progress — or, when none is, one past the last message
received. A crash re-delivers everything from there: finished messages after a slow one may run
twice (processing is idempotent), none is ever skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

Partition = tuple[str, int]
"""(topic, partition number)."""


class OffsetTracker:
    """Offsets received, finished and committed, per partition this consumer owns."""

    def __init__(self) -> None:
        self._pending: dict[Partition, set[int]] = {}
        self._next: dict[Partition, int] = {}
        self._committed: dict[Partition, int] = {}

    def assign(self, partitions: Iterable[Partition]) -> None:
        """Start tracking newly owned partitions (nothing received yet)."""
        for partition in partitions:
            self._pending.setdefault(partition, set())

    def forget(self, partitions: Iterable[Partition]) -> None:
        """Stop tracking partitions this consumer no longer owns."""
        for partition in partitions:
            self._pending.pop(partition, None)
            self._next.pop(partition, None)
            self._committed.pop(partition, None)

    def owns(self, partition: Partition) -> bool:
        """True while ``partition`` is assigned to this consumer."""
        return partition in self._pending

    @property
    def partitions(self) -> list[Partition]:
        """The partitions tracked, sorted."""
        return sorted(self._pending)

    def received(self, partition: Partition, offset: int) -> None:
        """A message was handed to processing."""
        self._pending.setdefault(partition, set()).add(offset)
        self._next[partition] = max(self._next.get(partition, 0), offset + 1)

    def done(self, partition: Partition, offset: int) -> None:
        """A message's work is finished (its offset may now be committed)."""
        pending = self._pending.get(partition)
        if pending is not None:
            pending.discard(offset)

    def in_progress(self, partitions: Iterable[Partition] | None = None) -> int:
        """Messages received and not done yet (in ``partitions``, default all)."""
        chosen = self._pending if partitions is None else partitions
        return sum(len(self._pending.get(partition, ())) for partition in chosen)

    def committable(self, partitions: Iterable[Partition] | None = None) -> dict[Partition, int]:
        """Offsets to commit (Kafka's "next offset to read") that moved since the last commit."""
        offsets: dict[Partition, int] = {}
        for partition in self._pending if partitions is None else partitions:
            if partition not in self._next:
                continue  # nothing received: nothing to say
            pending = self._pending.get(partition)
            watermark = min(pending) if pending else self._next[partition]
            if watermark > self._committed.get(partition, -1):
                offsets[partition] = watermark
        return offsets

    def committed(self, offsets: dict[Partition, int]) -> None:
        """Record offsets Kafka accepted."""
        for partition, offset in offsets.items():
            if partition in self._pending:
                self._committed[partition] = max(offset, self._committed.get(partition, -1))
