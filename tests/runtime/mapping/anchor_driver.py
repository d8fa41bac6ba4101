"""Runs many mapping cases through the reference (port-ocean) in one process.

Not a test module: ``test_reference_parity.py`` runs it with the reference's own interpreter
(``ANCHOR_VENV``/bin/python, Python 3.12 + port-ocean), because ``anchor_map.py`` handles one
case per process and the reference's start-up takes seconds. For each case it does exactly what
``anchor_map.run`` does — same app, same entity processor, same ``handle_items_to_parse`` —
but builds the app once (port-ocean allows one app per process).

    python anchor_driver.py ANCHOR_DIR CASES.json OUT.json

CASES.json: ``[{"id": ..., "config": PATH, "items": PATH, "resource": I}, ...]``.
OUT.json: ``{id: {"entities": [...], "errors": N, "misconfigured": {...}} | {"crash": "..."}}``.
"""

import asyncio
import json
import os
import sys


async def _map_case(app, processor, case):
    import yaml
    from port_ocean.core.integrations.mixins.utils import handle_items_to_parse

    config_cls = app.integration.AppConfigHandlerClass.CONFIG_CLASS
    with open(case["config"]) as config_file:
        config = config_cls.parse_obj(yaml.safe_load(config_file))
    resource = config.resources[case["resource"]]
    with open(case["items"]) as items_file:
        items = json.load(items_file)
    batches = [items]
    if resource.port.items_to_parse:
        batches = []
        async for sub in handle_items_to_parse(
            items,
            resource.port.items_to_parse_name,
            resource.port.items_to_parse,
            resource.port.items_to_parse_top_level_transform,
        ):
            batches.append(sub)
    out = {"entities": [], "errors": 0, "misconfigured": {}}
    for batch in batches:
        result = await processor.parse_items(resource, batch)
        out["entities"] += [
            e.dict(exclude_unset=True, by_alias=True) for e in result.entity_selector_diff.passed
        ]
        out["errors"] += len(result.errors)
        out["misconfigured"].update(result.misconfigured_entity_keys or {})
    return out


async def _main(anchor_dir, cases_path, out_path):
    sys.path.insert(0, anchor_dir)
    import anchor_map
    from loguru import logger

    logger.remove()
    with open(cases_path) as cases_file:
        cases = json.load(cases_file)
    app = anchor_map.build_app()  # changes the working directory: case paths are absolute
    processor = await app.integration._init_entity_processor_instance()

    async def no_blueprint(identifier, should_log=True):
        raise RuntimeError("no Port here")

    app.port_client.get_blueprint = no_blueprint  # as anchor_map.py does
    results = {}
    for case in cases:
        try:
            results[case["id"]] = await _map_case(app, processor, case)
        except Exception as exc:  # the reference fails whole batches on some inputs
            results[case["id"]] = {"crash": f"{type(exc).__name__}: {exc}"}
    with open(out_path, "w") as out_file:
        json.dump(results, out_file, default=str)


if __name__ == "__main__":
    anchor, cases_arg, out_arg = (os.path.abspath(arg) for arg in sys.argv[1:4])
    asyncio.run(_main(anchor, cases_arg, out_arg))
