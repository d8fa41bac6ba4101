"""Fixtures of the integration's tests: a real local REST API and a user's copy of the folder."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from rest_server import INTEGRATION_DIR, RestAPI, endpoints_config, make_posts, make_users, serving  # noqa: E402


@pytest.fixture
def rest_api() -> Iterator[RestAPI]:
    """Users and posts served over real HTTP on a free local port."""
    with serving(RestAPI(users=make_users(7), posts=make_posts(10))) as api:
        yield api


@pytest.fixture
def user_copy(tmp_path: Path, rest_api: RestAPI) -> Path:
    """The integration as a user gets it: a copy of the folder plus their own config.yaml."""
    folder = tmp_path / "my-rest-api"
    shutil.copytree(INTEGRATION_DIR, folder, ignore=shutil.ignore_patterns(".ocean", "__pycache__", "tests"))
    config = {
        "integration": {"identifier": "my-rest-api", "type": "http", "config": endpoints_config(rest_api)}
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder
