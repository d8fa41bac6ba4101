"""The HTTP side of a running integration: health, metrics, webhooks, ``/resync``."""

from .app import create_server
from .port_probe import PortHealth, PortProbe
from .state import ServerState

__all__ = ["PortHealth", "PortProbe", "ServerState", "create_server"]
