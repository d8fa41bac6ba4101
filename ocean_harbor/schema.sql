-- The harbor's catalog: one SQLite file (WAL). JSON columns hold JSON text.
-- This schema is the contract between the API (writes) and the UI (reads).

CREATE TABLE IF NOT EXISTS blueprints (
    identifier   TEXT PRIMARY KEY,
    body         TEXT NOT NULL,              -- the full blueprint document as Port returns it
    created_at   TEXT NOT NULL,              -- ISO-8601 UTC
    updated_at   TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS entities (
    blueprint    TEXT NOT NULL,
    identifier   TEXT NOT NULL,
    title        TEXT,
    icon         TEXT,
    team         TEXT,                       -- JSON list of team names, or NULL
    properties   TEXT NOT NULL DEFAULT '{}', -- JSON object
    relations    TEXT NOT NULL DEFAULT '{}', -- JSON object: relation -> identifier | [identifiers] | null
    datasource   TEXT,                       -- User-Agent of the last writer (Port's $datasource)
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (blueprint, identifier)
);
CREATE INDEX IF NOT EXISTS entities_datasource ON entities (datasource, updated_at);
CREATE INDEX IF NOT EXISTS entities_title ON entities (blueprint, title);
-- Ordered paging through one client's entities (datasource-entities): seek, no sort.
CREATE INDEX IF NOT EXISTS entities_owner ON entities (datasource, blueprint, identifier);

-- One row per relation target, so "who points at me" is an index lookup, not a scan.
CREATE TABLE IF NOT EXISTS entity_links (
    blueprint          TEXT NOT NULL,
    identifier         TEXT NOT NULL,
    relation           TEXT NOT NULL,
    target_blueprint   TEXT NOT NULL,
    target_identifier  TEXT NOT NULL,
    PRIMARY KEY (blueprint, identifier, relation, target_identifier)
);
CREATE INDEX IF NOT EXISTS entity_links_target ON entity_links (target_blueprint, target_identifier);

CREATE TABLE IF NOT EXISTS integrations (
    identifier   TEXT PRIMARY KEY,
    body         TEXT NOT NULL,              -- the integration document (config, resyncState, ...)
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- History of resyncs, opened by PATCH resync-state {status: running}, closed by the next status.
CREATE TABLE IF NOT EXISTS resync_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    integration  TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    ended_at     TEXT,
    status       TEXT NOT NULL,              -- running | completed | failed | aborted
    upserted     INTEGER NOT NULL DEFAULT 0,
    deleted      INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    details      TEXT NOT NULL DEFAULT '{}'  -- JSON: per-kind counts and anything the client reported
);
CREATE INDEX IF NOT EXISTS resync_runs_integration ON resync_runs (integration, id);

-- Mapping problems reported for an integration: misconfigured fields (from the client's logs
-- or metrics) and entities Port refused (recorded by the harbor itself).
CREATE TABLE IF NOT EXISTS problems (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    integration  TEXT NOT NULL,
    run_id       INTEGER,                    -- resync_runs.id when known
    kind         TEXT,                       -- the resource kind, when known
    category     TEXT NOT NULL,              -- misconfigured | failed_entity | error
    blueprint    TEXT,
    identifier   TEXT,
    message      TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '{}', -- JSON (e.g. {"field": "properties.url", "expression": ".url"})
    created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS problems_integration ON problems (integration, id);

-- Actions, scorecards and pages are stored as documents.
CREATE TABLE IF NOT EXISTS documents (
    collection   TEXT NOT NULL,              -- actions | scorecards | pages | kind-examples
    identifier   TEXT NOT NULL,
    blueprint    TEXT,                       -- for scorecards
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (collection, identifier)
);

CREATE TABLE IF NOT EXISTS migrations (
    id           TEXT PRIMARY KEY,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- Log lines shipped to the integration's log ingest URL.
CREATE TABLE IF NOT EXISTS logs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    integration  TEXT NOT NULL,
    level        TEXT,
    message      TEXT NOT NULL,
    extra        TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_integration ON logs (integration, id);

-- Resync requests (POST /v1/integration/{id}/resync-request); GET returns the latest.
CREATE TABLE IF NOT EXISTS resync_requests (
    id           TEXT PRIMARY KEY,
    integration  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resync_requests_integration ON resync_requests (integration, created_at);

-- Self-service action runs (api_actions.py). ``status`` is what Port shows (IN_PROGRESS until
-- the integration reports SUCCESS or FAILURE); ``phase`` is where the run is on its way:
-- pending (no integration has it) → claimed (hidden from other claims until claim_expires) →
-- running (acknowledged) → done. A claim acknowledged with its claim id is a lease the
-- integration renews; once it expires the run is offered again (deliveries counts the offers).
CREATE TABLE IF NOT EXISTS action_runs (
    id               TEXT PRIMARY KEY,           -- r_…
    action           TEXT NOT NULL,              -- the action's identifier
    installation     TEXT,                       -- invocationMethod.installationId
    status           TEXT NOT NULL,              -- IN_PROGRESS | SUCCESS | FAILURE
    phase            TEXT NOT NULL,              -- pending | claimed | running | done
    blueprint        TEXT,
    entity           TEXT,
    external_run_id  TEXT,
    body             TEXT NOT NULL,              -- the run document (payload, properties, links…)
    claim_id         TEXT,
    claim_expires    REAL,                       -- Unix seconds
    lease_ms         INTEGER,                    -- the claim's visibility timeout
    leased           INTEGER NOT NULL DEFAULT 0, -- acknowledged with its claim id: re-offered on expiry
    deliveries       INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    ended_at         TEXT
);
CREATE INDEX IF NOT EXISTS action_runs_queue ON action_runs (installation, status, created_at);
CREATE INDEX IF NOT EXISTS action_runs_entity ON action_runs (blueprint, entity, created_at);
CREATE INDEX IF NOT EXISTS action_runs_external ON action_runs (external_run_id);
CREATE INDEX IF NOT EXISTS action_runs_created ON action_runs (created_at);

CREATE TABLE IF NOT EXISTS action_run_logs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        TEXT NOT NULL,
    message       TEXT NOT NULL,
    status_label  TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS action_run_logs_run ON action_run_logs (run_id, id);
