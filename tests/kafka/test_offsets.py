"""``OffsetTracker``: only offsets whose message and every earlier one are done are committed."""

from __future__ import annotations

from ocean_runtime.kafka.offsets import OffsetTracker

P0 = ("events", 0)
P1 = ("events", 1)


def test_nothing_received_means_nothing_to_commit() -> None:
    tracker = OffsetTracker()
    tracker.assign([P0])
    assert tracker.committable() == {}


def test_the_commit_stops_at_the_lowest_unfinished_offset() -> None:
    tracker = OffsetTracker()
    for offset in (10, 11, 12):
        tracker.received(P0, offset)
    tracker.done(P0, 11)
    tracker.done(P0, 12)
    assert tracker.committable() == {P0: 10}  # 10 still running: 11 and 12 run again after a crash
    tracker.done(P0, 10)
    assert tracker.committable() == {P0: 13}


def test_partitions_are_independent_and_committed_offsets_are_not_repeated() -> None:
    tracker = OffsetTracker()
    tracker.received(P0, 0)
    tracker.received(P1, 5)
    tracker.done(P1, 5)
    assert tracker.committable() == {P0: 0, P1: 6}
    tracker.committed({P0: 0, P1: 6})
    assert tracker.committable() == {}
    assert tracker.in_progress() == 1


def test_forgotten_partitions_are_neither_owned_nor_committed() -> None:
    tracker = OffsetTracker()
    tracker.assign([P0, P1])
    tracker.received(P0, 3)
    tracker.forget([P0])
    tracker.done(P0, 3)  # a late finish of a revoked partition is ignored
    assert not tracker.owns(P0) and tracker.owns(P1)
    assert tracker.committable() == {}
    assert tracker.partitions == [P1]
