"""Port API client: auth, retries, and one module per Port concept.

``PortClient`` is the entry point; the transports are exported for reuse and tests.
"""

from .auth import TokenAuthTransport
from .batching import MAX_BATCH_BYTES, MAX_BATCH_LENGTH
from .client import PortClient
from .deletion import MAX_DELETE_BATCH
from .entities import UpsertOutcome
from .identity import PortIdentity
from .retry import RetryPolicy, RetryTransport, parse_retry_after

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_LENGTH",
    "MAX_DELETE_BATCH",
    "PortClient",
    "PortIdentity",
    "RetryPolicy",
    "RetryTransport",
    "TokenAuthTransport",
    "UpsertOutcome",
    "parse_retry_after",
]
