"""Enabling the actions processor: a spec that does not allow actions stops the run before docking."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ocean_runtime.app import IntegrationRunner, PortTarget, load_integration
from ocean_runtime.errors import UserInputError

WORKSHOP = Path(__file__).resolve().parent / "workshop"


async def test_a_spec_without_actions_processing_is_refused_before_anything_is_written(
    tmp_path: Path, harbor: Any
) -> None:
    copy = tmp_path / "workshop"
    shutil.copytree(WORKSHOP, copy)
    spec = copy / ".port" / "spec.yaml"
    spec.write_text(
        spec.read_text().replace("actionsProcessingEnabled: true", "actionsProcessingEnabled: false")
    )
    app = load_integration(copy, environ={"OCEAN__ACTIONS_PROCESSOR__ENABLED": "true"})
    target = PortTarget(harbor.url, harbor.client_id, harbor.client_secret, local=True)

    async with IntegrationRunner(app, target) as runner:
        with pytest.raises(UserInputError) as caught:
            await runner.prepare()

    assert caught.value.file == ".port/spec.yaml"
    assert "does not declare `actionsProcessingEnabled: true`" in caught.value.message
    assert harbor.integration("my-workshop-integration") is None  # nothing docked
