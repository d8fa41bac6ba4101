"""``PortProbe``: is Port reachable right now? What ``/health/ready`` reports as "degraded".

A running integration can accept webhooks while Port is down (they wait in the live-events
queue), so an outage is not "not ready" — but an operator must see it. Every ``interval``
seconds the probe asks Port for the integration (``GET /v1/integration/{id}``, one cheap
authenticated request); an answer — any answer, even a refusal — means Port is reachable. No
answer within ``timeout`` seconds (the client keeps retrying a dead connection much longer), or
an unreachable/credentials error, marks it unreachable until a later probe gets through.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import AbortRunError, RequestRefusedError

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)

PROBE_INTERVAL_SECONDS = 5.0
PROBE_TIMEOUT_SECONDS = 5.0


@dataclass
class PortHealth:
    """What the last probe found.

    Attributes:
        reachable: the last probe got an answer.
        since: Unix time the current state began.
        error: why it is unreachable ("" when reachable).
    """

    reachable: bool = True
    since: float = 0.0
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        """JSON-ready, for the health routes."""
        body: dict[str, Any] = {"reachable": self.reachable, "since": self.since}
        if self.error:
            body["error"] = self.error
        return body


class PortProbe:
    """Probes Port in the background (see the module docstring).

    Args:
        port: the integration's Port client.
        interval: seconds between probes (an attribute too).
        timeout: seconds a probe may take before Port counts as unreachable (an attribute too).
    """

    def __init__(
        self,
        port: PortClient,
        *,
        interval: float = PROBE_INTERVAL_SECONDS,
        timeout: float = PROBE_TIMEOUT_SECONDS,
    ) -> None:
        self._port = port
        self.interval = interval
        self.timeout = timeout
        self.health = PortHealth(since=time.time())

    async def run(self) -> None:
        """Probe forever (cancel it to stop)."""
        while True:
            await self.probe()
            await asyncio.sleep(self.interval)

    async def probe(self) -> PortHealth:
        """One probe; updates and returns ``health``."""
        try:
            await asyncio.wait_for(self._port.get_integration(), self.timeout)
        except TimeoutError:
            self._set(False, f"no answer within {self.timeout:g} s")
        except AbortRunError as exc:  # unreachable after retries, or credentials refused
            self._set(False, str(exc))
        except RequestRefusedError:
            self._set(True)  # Port answered: it is there, whatever it thinks of the request
        except Exception as exc:  # a bug here must not take the service down
            logger.exception("Probing Port failed")
            self._set(False, f"the probe failed: {exc!r}")
        else:
            self._set(True)
        return self.health

    def _set(self, reachable: bool, error: str = "") -> None:
        if reachable != self.health.reachable:
            if reachable:
                logger.info("Port is reachable again")
            else:
                logger.error("Port is unreachable (%s); live events wait in the queue", error)
            self.health = PortHealth(reachable, time.time(), error)
        elif error:
            self.health.error = error
