"""The ``harbor`` fixture (pytest11 plugin): a fresh, running harbor with catalog readers."""

from __future__ import annotations

from ocean_harbor.testing import RunningHarbor


def test_fixture_serves_an_empty_catalog_with_default_credentials(harbor: RunningHarbor) -> None:
    assert harbor.url.startswith("http://127.0.0.1:")
    assert (harbor.client_id, harbor.client_secret) == ("ocean", "ocean")
    assert harbor.blueprints() == []
    assert harbor.entities("anything") == []
    assert harbor.integration("anything") is None
    assert str(harbor.db_path).endswith("harbor.db")


def test_readers_see_what_a_client_wrote(harbor: RunningHarbor) -> None:
    with harbor.client() as client:
        client.post(
            "/v1/blueprints", json={"identifier": "svc", "schema": {"properties": {"n": {"type": "number"}}}}
        )
        client.post(
            "/v1/blueprints/svc/entities/bulk",
            json={"entities": [{"identifier": "a", "properties": {"n": 1}}]},
        )
        client.post("/v1/integration", json={"installationId": "mine", "config": {"resources": []}})
    assert [b["identifier"] for b in harbor.blueprints()] == ["svc"]
    assert [(e["identifier"], e["properties"]) for e in harbor.entities("svc")] == [("a", {"n": 1})]
    integration = harbor.integration("mine")
    assert integration is not None and integration["installationId"] == "mine"
    query = {"combinator": "and", "rules": [{"property": "n", "operator": "=", "value": 1}]}
    assert harbor.search(query, include=["identifier"]) == [{"identifier": "a"}]


def test_each_test_gets_a_fresh_harbor(harbor: RunningHarbor) -> None:
    assert harbor.blueprints() == []  # nothing left over from the test above
