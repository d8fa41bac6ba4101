"""What a running integration tells its operators: Prometheus metrics."""

from .metrics import OceanMetrics

__all__ = ["OceanMetrics"]
