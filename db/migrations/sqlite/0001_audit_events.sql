-- The audit trail in SQLite (the standalone default). Same columns as PostgreSQL; time is
-- ISO-8601 UTC text with microseconds (sorts in time order), roles and arguments are JSON text.
CREATE TABLE audit_events (
  id                  TEXT    PRIMARY KEY,
  instance            TEXT    NOT NULL,
  seq                 INTEGER NOT NULL,
  time                TEXT    NOT NULL,
  session_id          TEXT    NOT NULL DEFAULT '',
  subject             TEXT    NOT NULL DEFAULT '',
  roles               TEXT    NOT NULL DEFAULT '[]',
  client_addr         TEXT    NOT NULL DEFAULT '',
  user_agent          TEXT    NOT NULL DEFAULT '',
  mcp_method          TEXT    NOT NULL DEFAULT '',
  server              TEXT    NOT NULL DEFAULT '',
  target              TEXT    NOT NULL DEFAULT '',
  arguments           TEXT    NOT NULL DEFAULT 'null',
  decision            TEXT    NOT NULL DEFAULT '',
  reason              TEXT    NOT NULL DEFAULT '',
  policy_revision     TEXT    NOT NULL DEFAULT '',
  upstream_latency_us INTEGER NOT NULL DEFAULT 0,
  outcome             TEXT    NOT NULL DEFAULT '',
  error_code          INTEGER,
  response_bytes      INTEGER NOT NULL DEFAULT 0,
  trace_id            TEXT    NOT NULL DEFAULT '',
  prev_hash           TEXT    NOT NULL,
  hash                TEXT    NOT NULL
);

CREATE INDEX audit_events_subject_time ON audit_events (subject, time);
CREATE INDEX audit_events_target_time ON audit_events (target, time);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_decision_time ON audit_events (decision, time);
CREATE UNIQUE INDEX audit_events_chain ON audit_events (instance, seq, id);

CREATE TABLE audit_chain_anchors (
  instance  TEXT    PRIMARY KEY,
  seq       INTEGER NOT NULL,
  hash      TEXT    NOT NULL,
  pruned_at TEXT    NOT NULL
);
