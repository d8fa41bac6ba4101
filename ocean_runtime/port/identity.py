"""Who we are to Port: the User-Agent that Port turns into entity ownership.

Port records the ``User-Agent`` of every entity write as the entity's ``$datasource``. The
integration later finds "its" entities by matching that datasource against a prefix
(``port-ocean/<type>/``) and a suffix (``/<identifier>/exporter``) — the version sits in the
middle and is wildcarded, so ownership survives version bumps. Getting this string exactly
right is what makes reconcile delete the right entities and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

EXPORTER_FEATURE = "exporter"


@dataclass(frozen=True)
class PortIdentity:
    """The integration as Port sees it.

    Args:
        integration_type: e.g. ``github`` (the integration's package name).
        integration_version: e.g. ``0.1.4``.
        integration_identifier: the installation id, e.g. ``my-github-integration``.
    """

    integration_type: str
    integration_version: str
    integration_identifier: str

    def user_agent(self, *, exporter: bool = False) -> str:
        """``port-ocean/{type}/{version}/{identifier}``, plus ``/exporter`` for entity writes.

        The version comes *before* the identifier: that is what the reference client sends and
        what Port's datasource matching expects (its docs show the opposite order; the code wins).
        """
        base = f"port-ocean/{self.integration_type}/{self.integration_version}/{self.integration_identifier}"
        return f"{base}/{EXPORTER_FEATURE}" if exporter else base

    @property
    def datasource_prefix(self) -> str:
        """The start of the ``$datasource`` of every entity this integration type wrote."""
        return f"port-ocean/{self.integration_type}/"

    @property
    def datasource_suffix(self) -> str:
        """The end of the ``$datasource`` of every entity this installation exported."""
        return f"/{self.integration_identifier}/{EXPORTER_FEATURE}"

    def datasource_rules(self) -> list[dict[str, str]]:
        """The two search rules that restrict a Port search to entities this integration owns."""
        return [
            {"property": "$datasource", "operator": "contains", "value": self.datasource_prefix},
            {"property": "$datasource", "operator": "contains", "value": self.datasource_suffix},
        ]
