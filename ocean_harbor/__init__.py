"""The harbor: a local Port — Port's REST API over a SQLite catalog, with a web UI.

It is the *other side of the wire* and imports nothing from ``ocean_runtime`` or ``ocean_cli``.

Entry points: ``app.create_app`` (the Starlette app), ``server.HarborServer`` (served in a
thread), ``testing.RunningHarbor`` / the ``harbor`` pytest fixture, ``ocean harbor`` (CLI).

Inside, top down: ``api_*`` modules (one per resource: auth in ``auth``, organization,
integrations, blueprints, entities, search, documents, migrations, ingest) → domain modules
(``upsert`` + ``entity_batch`` + ``entity_validation``, ``deletion``, ``rules`` +
``rule_operators``, ``runs``, ``blueprint_schema``) → ``catalog`` / ``links`` / ``entity_json``
(reads and shapes) → ``store`` (the SQLite file; schema in ``schema.sql``). Cross-cutting:
``errors`` (Port-shaped JSON errors), ``faults`` (fault injection), ``latency`` and
``rate_limits`` (a far-away, rate-limited Port), ``http_utils``.
"""

# The credentials a harbor accepts unless told otherwise. They are printed in its banner: not a
# secret, so logs need not mask them (masking "ocean" would mangle every "ocean-…" name).
DEFAULT_CLIENT_ID = "ocean"
DEFAULT_CLIENT_SECRET = "ocean"
