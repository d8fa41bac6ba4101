"""How one setting is spelled in each place it can come from.

``config.yaml`` and ``spec.yaml`` use camelCase (``jiraHost``), Python uses snake_case
(``jira_host``) and the environment uses ``OCEAN__INTEGRATION__CONFIG__JIRA_HOST``. These
helpers convert between them the same way everywhere, so an error can name the spelling the
user actually wrote.
"""

from __future__ import annotations

import re

ENV_PREFIX = "OCEAN__"
ENV_DELIMITER = "__"
CONFIG_ENV_PREFIX = "OCEAN__INTEGRATION__CONFIG__"

_ACRONYM_BEFORE_WORD = re.compile(r"([A-Z]+)([A-Z][a-z])")
_LOWER_BEFORE_UPPER = re.compile(r"([a-z\d])([A-Z])")


def decamelize(name: str) -> str:
    """``jiraHost`` → ``jira_host``, ``apiURL`` → ``api_url``; snake_case is left as is."""
    name = _ACRONYM_BEFORE_WORD.sub(r"\1_\2", name)
    return _LOWER_BEFORE_UPPER.sub(r"\1_\2", name).lower()


def camelize(name: str) -> str:
    """``jira_host`` → ``jiraHost`` (used to name keys the way config.yaml spells them)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def config_env_var(name: str) -> str:
    """The environment variable that sets integration configuration ``name`` (any spelling)."""
    return CONFIG_ENV_PREFIX + decamelize(name).upper()


def settings_env_var(path: tuple[str, ...]) -> str:
    """``("event_listener", "type")`` → ``OCEAN__EVENT_LISTENER__TYPE``."""
    return ENV_PREFIX + ENV_DELIMITER.join(part.upper() for part in path)


def yaml_key_path(path: tuple[str | int, ...]) -> str:
    """``("event_listener", "interval")`` → ``eventListener.interval`` (config.yaml spelling)."""
    return format_key_path(tuple(camelize(p) if isinstance(p, str) else p for p in path))


def format_key_path(path: tuple[str | int, ...]) -> str:
    """``("resources", 2, "port")`` → ``resources[2].port``; a leading index gives ``[2].port``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
