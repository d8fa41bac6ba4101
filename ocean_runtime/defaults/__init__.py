"""An integration's ``.port/resources``: loading them, docking them into Port, cleaning them up."""

from .clean import CleanError, CleanReport, clean
from .dock import DockReport, dock
from .resources import PortResources, load_resources

__all__ = ["CleanError", "CleanReport", "DockReport", "PortResources", "clean", "dock", "load_resources"]
