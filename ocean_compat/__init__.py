"""Ocean's compatibility layer for integrations written against Port Ocean (``port_ocean``).

A published integration runs unchanged: ``ocean sail path/to/it`` imports its code, and the
first ``import port_ocean`` that nothing installed can satisfy is answered by this layer (the
runtime asks the ``ocean_runtime.module_providers`` entry point ``port_ocean``). It never shadows
a real ``port-ocean`` installation.

Rooms: this package depends on ``ocean_runtime``; the runtime never imports it. Each module is
a thin adapter naming the published behaviour it mirrors:

- ``context``: ``ocean``; ``event``: ``event``; ``models`` + ``config_adapter``: the published pydantic v1
  port-app-config models and their bridge to the runtime's; ``integration``: ``BaseIntegration``,
  ``APIPortAppConfig``, ``run``; ``webhooks``: ``AbstractWebhookProcessor`` on Ocean's live
  events; ``actions``: ``AbstractExecutor`` on Ocean's actions processor, ``runs`` its run models,
  ``port_client``: the published run-reporting calls; ``http``: ``http_async_client``,
  ``OceanAsyncClient``, retries; ``utils``, ``extras``,
  ``core_models``, ``entity_processor``, ``exceptions``: the rest; ``names``: the import table;
  ``finder``: the import machinery. ``README.md`` lists the deliberate differences.
"""

from .finder import install, provide, real_port_ocean_installed

__all__ = ["install", "provide", "real_port_ocean_installed"]
