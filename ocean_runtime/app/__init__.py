"""The application object of an integration, how it is loaded from a folder, and how it runs."""

from .application import OceanApp
from .loader import load_integration
from .runner import IntegrationRunner, PortTarget, check_local_resources, open_port_client, run_start_handlers

__all__ = [
    "IntegrationRunner",
    "OceanApp",
    "PortTarget",
    "check_local_resources",
    "load_integration",
    "open_port_client",
    "run_start_handlers",
]
