"""Event listeners: what makes a running integration resync (``OCEAN__EVENT_LISTENER__TYPE``)."""

from .listeners import ListenerPlan, listener_plan, start_listener
from .polling import current_request_stamp, is_newer, poll_resync_requests
from .schedule import schedule_resyncs
from .trigger import ResyncTrigger, run_resyncs

__all__ = [
    "ListenerPlan",
    "ResyncTrigger",
    "current_request_stamp",
    "is_newer",
    "listener_plan",
    "poll_resync_requests",
    "run_resyncs",
    "schedule_resyncs",
    "start_listener",
]
