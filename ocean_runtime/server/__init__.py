"""The HTTP side of a running integration: health, metrics, webhooks, ``/resync``."""

from .app import create_server
from .state import ServerState

__all__ = ["ServerState", "create_server"]
