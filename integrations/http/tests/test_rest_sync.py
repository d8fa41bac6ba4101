"""A new REST source synced through integrations/http with configuration alone.

A real HTTP server (``conftest.rest_api``) serves users with offset pages and posts with cursor
pages; the integration folder is copied and given a ``config.yaml`` — exactly what a user
does — and resynced into the local Port (the ``harbor`` fixture).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from rest_server import INTEGRATION_DIR, RestAPI, make_posts

from ocean_runtime import UserInputError
from ocean_runtime.http import use_http
from ocean_runtime.testing import Catalog, FakeClock

ENV = {"REST_TOKEN": "s3cret"}


def test_users_and_posts_land_in_the_catalog(
    user_copy: Path, rest_api: RestAPI, ocean_resync: Any, catalog: Catalog
) -> None:
    rest_api.throttle_once.add("/api/posts?after=4")
    clock = FakeClock()

    with use_http(clock=clock):  # real network, fake waiting
        report = ocean_resync(user_copy, env=ENV)

    assert report.ok
    catalog.assert_identifiers("apiUser", [str(n) for n in range(1, 8)])
    catalog.assert_identifiers("apiPost", [str(100 + n) for n in range(10)])
    catalog.assert_entity(
        "apiUser", "3", title="User 3", properties={"email": "user3@example.com", "company": "Acme"}
    )
    catalog.assert_entity("apiPost", "104", relations={"author": "2"})  # 1 + 4 % 3
    # Offset pages were capped at 3 by the server although 5 were asked: nothing was lost.
    user_pages = [r for r in rest_api.requests if r.startswith("/api/users")]
    assert user_pages == [
        "/api/users?offset=0&limit=5",
        "/api/users?offset=3&limit=5",
        "/api/users?offset=6&limit=5",
    ]
    # The 429 was waited out as its Retry-After said, and the page fetched again.
    assert clock.sleeps == [2.0]
    assert rest_api.requests.count("/api/posts?after=4") == 2


def test_a_user_gone_from_the_api_is_deleted_on_the_next_resync(
    user_copy: Path, rest_api: RestAPI, ocean_resync: Any, catalog: Catalog
) -> None:
    ocean_resync(user_copy, env=ENV)
    rest_api.users = [u for u in rest_api.users if u["id"] != 5]

    report = ocean_resync(user_copy, env=ENV)

    assert report.reconcile.status == "completed"
    assert "5" not in catalog.identifiers("apiUser")
    assert len(catalog.identifiers("apiUser")) == 6


def test_incremental_sync_fetches_only_changes_and_deletes_nothing(
    user_copy: Path, rest_api: RestAPI, ocean_resync: Any, catalog: Catalog, harbor: Any
) -> None:
    ocean_resync(user_copy, env=ENV)  # full: everything, and the cursors start
    with harbor.client() as port:
        stored = port.get("/v1/integration/my-rest-api/cursor", params={"kind": "post", "index": 1}).json()
    assert stored["cursor"]["primary"] > "2024-01-01"

    rest_api.posts = make_posts(1, updated="2999-01-01T00:00:00+00:00")  # one changed post; the rest "gone"
    rest_api.posts[0]["id"] = 999
    rest_api.requests.clear()
    report = ocean_resync(user_copy, env=ENV, incremental=True)

    assert report.ok and report.reconcile.status == "skipped"
    post_requests = [r for r in rest_api.requests if r.startswith("/api/posts")]
    assert len(post_requests) == 1 and "since=" in post_requests[0]
    # The new post arrived, and the ten posts missing from the delta were not deleted.
    assert catalog.identifiers("apiPost") == {str(100 + n) for n in range(10)} | {"999"}

    report = ocean_resync(user_copy, env=ENV)  # a full resync reconciles the deletions
    assert catalog.identifiers("apiPost") == {"999"}


def test_a_refused_token_fails_the_kinds_and_deletes_nothing(
    user_copy: Path, rest_api: RestAPI, ocean_resync: Any, catalog: Catalog
) -> None:
    ocean_resync(user_copy, env=ENV)

    report = ocean_resync(user_copy, env={"REST_TOKEN": "wrong"}, check=False)

    assert not report.ok
    assert any("answered 401: bad token" in error for kind in report.kinds for error in kind.errors)
    assert len(catalog.identifiers("apiUser")) == 7


@pytest.mark.parametrize(
    "answer, error",
    [
        ((503, {"message": "down for maintenance"}), "answered 503: down for maintenance"),
        ((200, None), "answered 200 with an empty body"),
        ((200, {"data": {"users": []}, "total": 7}), "came back empty while 'total' says 7"),
    ],
    ids=["5xx-after-retries", "empty-body", "empty-page-before-the-total"],
)
def test_a_page_failing_mid_listing_fails_the_kind_and_deletes_nothing(
    user_copy: Path, rest_api: RestAPI, ocean_resync: Any, catalog: Catalog, answer: Any, error: str
) -> None:
    ocean_resync(user_copy, env=ENV)
    # The second page (users 4-7) breaks; taken for the end of the listing, reconcile would
    # delete 4 of 7 users, within the default threshold.
    rest_api.broken["/api/users?limit=5&offset=3"] = answer

    with use_http(clock=FakeClock()):  # retries without real waiting
        report = ocean_resync(user_copy, env=ENV, check=False)

    users = next(kind for kind in report.kinds if kind.kind == "user")
    assert users.status == "failed" and any(error in reason for reason in users.errors), users.errors
    assert report.reconcile.status == "skipped"
    assert len(catalog.identifiers("apiUser")) == 7


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c["endpoints"]["post"]["pagination"].update(type="pages"), "endpoints.post.pagination"),
        (lambda c: c["endpoints"]["user"]["pagination"].update(cursorPth="x"), "bad options"),
        (lambda c: c.pop("token"), "auth type 'bearer' needs the token configuration"),
        (lambda c: c["endpoints"]["user"].pop("path"), "endpoints.user.path: Field required"),
    ],
)
def test_a_bad_config_is_one_clear_error_before_any_request(
    user_copy: Path, rest_api: RestAPI, ocean_resync: Any, change: Any, message: str
) -> None:
    settings = yaml.safe_load((user_copy / "config.yaml").read_text())
    change(settings["integration"]["config"])
    (user_copy / "config.yaml").write_text(yaml.safe_dump(settings))

    with pytest.raises(UserInputError, match=message):
        ocean_resync(user_copy, env=ENV)
    assert rest_api.requests == []


def test_a_kind_without_an_endpoint_names_the_configured_ones(
    user_copy: Path, rest_api: RestAPI, ocean_resync: Any
) -> None:
    settings = yaml.safe_load((user_copy / "config.yaml").read_text())
    del settings["integration"]["config"]["endpoints"]["post"]
    (user_copy / "config.yaml").write_text(yaml.safe_dump(settings))

    report = ocean_resync(user_copy, env=ENV, check=False)

    post = next(kind for kind in report.kinds if kind.kind == "post")
    assert "no endpoint is configured for it (configured: user)" in post.errors[0]
    assert report.reconcile.status == "skipped"


def run_validate(folder: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    ocean = Path(sys.executable).with_name("ocean")
    return subprocess.run(
        [str(ocean), "validate", str(folder), "--strict"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_ocean_validate_is_clean_for_a_configured_copy(user_copy: Path) -> None:
    done = run_validate(user_copy, env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ocean_validate_strict_names_the_configuration_the_bare_folder_lacks() -> None:
    done = run_validate(INTEGRATION_DIR)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "required configuration 'baseUrl' has no value" in done.stdout
    assert "OCEAN__INTEGRATION__CONFIG__BASE_URL" in done.stdout
