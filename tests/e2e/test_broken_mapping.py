"""``ocean sail --once`` with broken resources: each fails alone, the others sync, nothing is deleted.

Through the installed ``ocean`` script and the embedded harbor over HTTP: one resource's jq is
invalid, another's loops forever (``def f: f; f``, which used to hang sail, Ctrl-C ignored); the
third resource still syncs, the broken ones upsert nothing, reconcile deletes nothing, the
summary names both and the exit code is 1.
"""

from __future__ import annotations

import copy
import time
from typing import Any

BLUEPRINTS = [
    {"identifier": blueprint, "title": blueprint,
     "schema": {"properties": {"language": {"type": "string"}, "stars": {"type": "number"}}}}
    for blueprint in ("repo", "repoMirror", "repoArchive")
]  # fmt: skip


def _resource(blueprint: str, **properties: str) -> dict[str, Any]:
    mappings = {"identifier": ".name", "title": ".name", "blueprint": f'"{blueprint}"',
                "properties": {"language": ".language", "stars": ".stars", **properties}}  # fmt: skip
    return {"kind": "repo", "selector": {"query": "true"}, "port": {"entity": {"mappings": mappings}}}


def test_broken_resources_fail_alone_and_delete_nothing(integration: Any, catalog: Any) -> None:
    integration.write(".port/resources/blueprints.json", BLUEPRINTS)
    good = [_resource("repo"), _resource("repoMirror"), _resource("repoArchive")]
    integration.write(".port/resources/port-app-config.yml", {"resources": good})
    assert integration.sail_once().code == 0
    before = {
        blueprint["identifier"]: catalog(integration.db, blueprint["identifier"]) for blueprint in BLUEPRINTS
    }
    assert all(len(entities) == 3 for entities in before.values())

    broken = copy.deepcopy(good)
    broken[1]["port"]["entity"]["mappings"]["properties"]["language"] = ".language | ]"
    broken[2]["port"]["entity"]["mappings"]["properties"]["stars"] = "def f: f; f"
    integration.write(".port/resources/port-app-config.yml", {"resources": broken})
    # One repo left (a reconcile would delete two per blueprint), now written in Rust.
    integration.write("data.json", {"repos": [{"name": "repo-0", "language": "rust", "stars": 7}]})

    started = time.monotonic()
    result = integration.sail_once(env={"OCEAN__JQ__TIMEOUT_SECONDS": "2"})

    assert result.code == 1, result.stdout + result.stderr
    assert time.monotonic() - started < 120
    assert "Traceback" not in result.stdout + result.stderr
    output = " ".join((result.stdout + result.stderr).split())  # the summary wraps long lines
    assert (
        "resources[1].port.entity.mappings.properties.language: invalid jq expression '.language | ]'"
        in output
    )
    assert (
        "resources[2].port.entity.mappings.properties.stars: jq expression 'def f: f; f' took longer"
        in output
    )
    after = {
        blueprint["identifier"]: catalog(integration.db, blueprint["identifier"]) for blueprint in BLUEPRINTS
    }
    assert after["repo"]["repo-0"]["properties"]["language"] == "rust"  # the good resource synced
    assert set(after["repo"]) == {"repo-0", "repo-1", "repo-2"}  # a kind failed: nothing deleted
    assert after["repoMirror"] == before["repoMirror"]  # the broken ones upserted nothing
    assert after["repoArchive"] == before["repoArchive"]
