"""The ``workshop`` integration (``workshop/``) executing action runs from a real harbor.

``start_workshop(**settings)`` starts it with ``ocean_runtime.testing.actions_integration`` (the
actions processor on, listener ``ACTIONS_ONLY``, one resync first: widgets ``w1`` and ``w2``);
runs are created through the harbor's API like a user would, and read back from it.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from ocean_runtime.testing import ActionsIntegration, actions_integration

WORKSHOP = Path(__file__).resolve().parent / "workshop"


class Workshop(ActionsIntegration):
    """The running workshop, with readers of its state and of the harbor's widgets."""

    harbor: Any

    @property
    def module(self) -> Any:
        """The workshop's imported ``main.py`` (its ``WIDGETS`` and ``EVENTS``)."""
        executor: Any = self.service.runner.app.action_executors["paint_widget"]
        return sys.modules[executor.function.__module__]

    def widget(self, identifier: str) -> dict[str, Any]:
        return next(e for e in self.harbor.entities("widget") if e["identifier"] == identifier)


@pytest.fixture
async def start_workshop(harbor: Any) -> AsyncIterator[Callable[..., Any]]:
    """``await start_workshop(MAX_EXECUTION_SECONDS="1", ...)`` → a started ``Workshop``."""
    async with AsyncExitStack() as stack:

        async def start(**settings: str) -> Workshop:
            env = {f"OCEAN__ACTIONS_PROCESSOR__{key}": value for key, value in settings.items()}
            running = await stack.enter_async_context(actions_integration(WORKSHOP, harbor, env=env))
            workshop = Workshop(running.service, running.api)
            workshop.harbor = harbor
            return workshop

        yield start
