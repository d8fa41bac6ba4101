"""Building the actions processor of a running integration (``OCEAN__ACTIONS_PROCESSOR__*``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from ocean_runtime.errors import UserInputError

if TYPE_CHECKING:
    from ocean_runtime.actions import ActionsProcessor, SpecActions
    from ocean_runtime.config import OceanSettings
    from ocean_runtime.observability import OceanMetrics

    from .application import OceanApp
    from .runner import IntegrationRunner

logger = logging.getLogger("ocean.actions")

# The local harbor answers at once and costs nothing to ask: a clicked action should start
# within a second, not within Port's ten.
LOCAL_POLL_INTERVAL_SECONDS = 1.0


def spec_actions_of(app: OceanApp) -> SpecActions:
    """The actions the integration's spec declares, checked for use by the actions processor.

    Raises:
        UserInputError: the spec does not declare ``actionsProcessingEnabled: true`` (as in the
            reference, the spec says whether an integration can execute actions), or its
            ``actions[]`` is malformed.
    """
    from ocean_runtime.actions import spec_actions
    from ocean_runtime.config import find_spec_file, read_document

    spec_file = find_spec_file(app.directory) if app.directory else None
    document = None
    if spec_file is not None and app.directory is not None:
        document = read_document(spec_file, name=spec_file.relative_to(app.directory).as_posix())
    spec = spec_actions(document)
    if not spec.processing_enabled:
        raise UserInputError(
            "OCEAN__ACTIONS_PROCESSOR__ENABLED is true, but the spec does not declare "
            "`actionsProcessingEnabled: true`",
            file=spec.file,
            fix="add `actionsProcessingEnabled: true` (and the actions[] it executes) to the spec, "
            "or unset OCEAN__ACTIONS_PROCESSOR__ENABLED",
        )
    return spec


def create_actions_processor(
    runner: IntegrationRunner, settings: OceanSettings, metrics: OceanMetrics | None = None
) -> ActionsProcessor | None:
    """The processor when ``OCEAN__ACTIONS_PROCESSOR__ENABLED`` is true, else None.

    Raises:
        UserInputError: see ``spec_actions_of``.
    """
    from ocean_runtime.actions import ActionsProcessor

    options = settings.actions_processor
    if not options.enabled:
        return None
    app = runner.app
    spec = spec_actions_of(app)
    if not app.action_executors:
        logger.warning("The actions processor is enabled but the integration registers no executor")
    if runner.target.local and "poll_check_interval_seconds" not in options.model_fields_set:
        options = options.model_copy(update={"poll_check_interval_seconds": LOCAL_POLL_INTERVAL_SECONDS})
    processor = ActionsProcessor(
        runner.port.action_runs,
        app.action_executors,
        options,
        spec,
        directory=app.directory,
        on_outcome=metrics.action_run if metrics is not None else None,
    )
    if metrics is not None:
        metrics.watch_action_runs(lambda: processor.buffer.waiting)
    return processor
