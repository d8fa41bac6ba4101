"""The resync pipeline: handlers → mapping → diff → bulk upsert, then a guarded reconcile.

``run_resync`` is the one entry point every trigger uses; its outcome is a ``ResyncReport``.
"""

from .handlers import ResyncHandler
from .report import (
    KindReport,
    NullObserver,
    Phase,
    ProgressEvent,
    ProgressObserver,
    ReconcileReport,
    ResyncReport,
    Status,
)
from .resync import PortState, ResyncOptions, run_resync

__all__ = [
    "KindReport",
    "NullObserver",
    "Phase",
    "PortState",
    "ProgressEvent",
    "ProgressObserver",
    "ReconcileReport",
    "ResyncHandler",
    "ResyncOptions",
    "ResyncReport",
    "Status",
    "run_resync",
]
