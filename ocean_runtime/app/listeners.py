"""Moved to ``ocean_runtime.events`` (one module per listener concept); kept for old imports."""

from ocean_runtime.events import (
    ResyncTrigger,
    current_request_stamp,
    is_newer,
    poll_resync_requests,
    run_resyncs,
    schedule_resyncs,
)

__all__ = [
    "ResyncTrigger",
    "current_request_stamp",
    "is_newer",
    "poll_resync_requests",
    "run_resyncs",
    "schedule_resyncs",
]
