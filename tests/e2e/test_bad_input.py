"""Bad input to ``ocean sail --once``: exit 1, one clear ``error:`` line, no traceback, catalog unchanged."""

from __future__ import annotations

import copy
import re
import socket
from collections.abc import Callable
from typing import Any

import pytest


def _mapping_with(integration: Any, path: tuple[str, ...], value: str) -> None:
    mapping = copy.deepcopy(integration.MAPPING)
    target = mapping["resources"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    integration.write(".port/resources/port-app-config.yml", mapping)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CASES: dict[str, tuple[Callable[[Any], dict[str, str] | None], str]] = {
    "missing spec.yaml": (
        lambda i: (i.root / ".port" / "spec.yaml").unlink(),
        r"\.port/spec\.yaml: not found .* create \.port/spec\.yaml",
    ),
    "malformed spec.yaml": (
        lambda i: i.write(".port/spec.yaml", "title: Repos\nconfigurations: 12\n"),
        r"spec\.yaml.*configurations",
    ),
    "YAML syntax error": (
        lambda i: i.write(
            ".port/resources/port-app-config.yml", "resources:\n  - kind: repo\n    selector: [\n"
        ),
        r"port-app-config\.yml:\d+: .*YAML",
    ),
    "JQ syntax error": (
        lambda i: _mapping_with(i, ("port", "entity", "mappings", "title"), ".name | ]"),
        r"port-app-config\.yml.*resources\[0\]\.port\.entity\.mappings\.title",
    ),
    "unknown blueprint": (
        lambda i: _mapping_with(i, ("port", "entity", "mappings", "blueprint"), '"repository"'),
        r"resources\[0\]\.port\.entity\.mappings\.blueprint: blueprint 'repository' does not exist",
    ),
    "missing required config": (
        lambda i: i.env.pop("OCEAN__INTEGRATION__CONFIG__ORG") and None,
        r"OCEAN__INTEGRATION__CONFIG__ORG",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_clear_error_and_changes_nothing(integration: Any, catalog: Any, case: str) -> None:
    assert integration.sail_once().code == 0
    before = catalog(integration.db)
    integration.set_repos(1)  # would delete two repos if the run went ahead
    mutate, expected = CASES[case]
    env = mutate(integration)
    if env:
        integration.env.update(env)

    result = integration.sail_once()

    assert result.code == 1, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.error_lines) == 1, result.stderr
    assert re.search(expected, result.error_lines[0]), result.error_lines[0]
    assert catalog(integration.db) == before


def test_port_unreachable_is_one_clear_error(integration: Any) -> None:
    result = integration.sail_once(
        env={
            "OCEAN__PORT__BASE_URL": f"http://127.0.0.1:{_closed_port()}",
            "OCEAN__PORT__CLIENT_ID": "id",
            "OCEAN__PORT__CLIENT_SECRET": "secret",
        }
    )

    assert result.code == 1
    assert "Traceback" not in result.stderr
    assert len(result.error_lines) == 1, result.stderr
    assert "127.0.0.1" in result.error_lines[0]
    assert not integration.db.exists()  # no local harbor was started either


def test_refused_credentials_are_one_clear_error_and_write_nothing(integration: Any, harbor: Any) -> None:
    result = integration.sail_once(
        env={
            "OCEAN__PORT__BASE_URL": harbor.url,
            "OCEAN__PORT__CLIENT_ID": harbor.client_id,
            "OCEAN__PORT__CLIENT_SECRET": "not-the-secret",
        }
    )

    assert result.code == 1
    assert "Traceback" not in result.stderr
    assert len(result.error_lines) == 1, result.stderr
    assert "not-the-secret" not in result.stderr + result.stdout
    assert harbor.integration("my-repos-integration") is None
    assert harbor.blueprints() == []
