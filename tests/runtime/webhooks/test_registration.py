"""``ocean.add_webhook_processor`` refuses what cannot work, with the fix."""

from __future__ import annotations

import pytest

from ocean_runtime import UserInputError
from ocean_runtime.app import OceanApp


class NotAProcessor:
    pass


def test_only_processor_classes_on_slash_paths_are_accepted() -> None:
    app = OceanApp()

    with pytest.raises(UserInputError, match="not a WebhookProcessor subclass") as wrong:
        app.add_webhook_processor("/hook", NotAProcessor)
    with pytest.raises(UserInputError, match="must start with '/'") as slash:
        app.add_webhook_processor("hook", NotAProcessor)

    assert "subclass ocean_runtime.WebhookProcessor" in wrong.value.render()
    assert "'/hook'" in slash.value.render()
    assert app.webhook_processors == {}
