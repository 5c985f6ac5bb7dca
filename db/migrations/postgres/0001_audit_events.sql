-- The audit trail: one row per decision and outcome, partitioned by day on `time`.
-- The primary key must contain the partition key; `id` (a UUIDv7) alone is unique by
-- construction, and (id, time) is what ON CONFLICT DO NOTHING uses to make replays idempotent.
CREATE TABLE audit_events (
  id                  uuid        NOT NULL,
  instance            text        NOT NULL,
  seq                 bigint      NOT NULL,
  time                timestamptz NOT NULL,
  session_id          text        NOT NULL DEFAULT '',
  subject             text        NOT NULL DEFAULT '',
  roles               jsonb       NOT NULL DEFAULT '[]',
  client_addr         text        NOT NULL DEFAULT '',
  user_agent          text        NOT NULL DEFAULT '',
  mcp_method          text        NOT NULL DEFAULT '',
  server              text        NOT NULL DEFAULT '',
  target              text        NOT NULL DEFAULT '',
  arguments           jsonb       NOT NULL DEFAULT 'null',
  decision            text        NOT NULL DEFAULT '',
  reason              text        NOT NULL DEFAULT '',
  policy_revision     text        NOT NULL DEFAULT '',
  upstream_latency_us bigint      NOT NULL DEFAULT 0,
  outcome             text        NOT NULL DEFAULT '',
  error_code          bigint,
  response_bytes      bigint      NOT NULL DEFAULT 0,
  trace_id            text        NOT NULL DEFAULT '',
  prev_hash           text        NOT NULL,
  hash                text        NOT NULL,
  PRIMARY KEY (id, time)
) PARTITION BY RANGE (time);

-- The common questions: who (subject), what (tool), when (time), allowed or not (decision);
-- (instance, seq) is the order `audit verify` walks each chain in.
CREATE INDEX audit_events_subject_time ON audit_events (subject, time);
CREATE INDEX audit_events_target_time ON audit_events (target, time);
CREATE INDEX audit_events_time ON audit_events (time);
CREATE INDEX audit_events_decision_time ON audit_events (decision, time);
CREATE INDEX audit_events_chain ON audit_events (instance, seq);

-- Where a chain starts after `audit prune` removed its beginning: the last pruned position.
CREATE TABLE audit_chain_anchors (
  instance  text        PRIMARY KEY,
  seq       bigint      NOT NULL,
  hash      text        NOT NULL,
  pruned_at timestamptz NOT NULL DEFAULT now()
);

-- Creates the partition holding `day` (UTC) if it does not exist yet. Writers call it ahead
-- of time; the advisory lock serialises concurrent writers creating the same partition.
CREATE FUNCTION audit_ensure_partition(day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  name text := format('audit_events_p%s', to_char(day, 'YYYYMMDD'));
BEGIN
  PERFORM pg_advisory_xact_lock(4242001);
  IF to_regclass(name) IS NULL THEN
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)', name,
      (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
  END IF;
END;
$$;
