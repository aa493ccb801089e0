-- Storage built for 100× more (docs/adr/0014-storage.md): the inbox splits into a write-once
-- `deliveries` table and a narrow `event_states` table, both partitioned by range of the event id
-- (uuid v7 = time), with `attempts`, `steps` and `settlements` partitioned the same way, so that
-- retention drops whole partitions. Existing rows are copied, in every status; `events` becomes a
-- view of a delivery with its state (writable through INSTEAD OF triggers).
-- Hand-written: drizzle-kit does not model partitioning (the snapshot describes the same columns
-- and indexes, so `drizzle-kit generate` still reports no change).

-- The smallest uuid of a millisecond: the first 48 bits of a uuid v7 are its Unix time in ms.
CREATE FUNCTION hookbox_uuid_floor(at timestamptz) RETURNS uuid LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT (lpad(to_hex(floor(extract(epoch FROM at) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid
$$;
--> statement-breakpoint
-- The time a uuid's first 48 bits stand for (any uuid: a v4 id lands somewhere, but somewhere fixed).
CREATE FUNCTION hookbox_uuid_time(id uuid) RETURNS timestamptz LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT to_timestamp((('x' || lpad(substr(replace(id::text, '-', ''), 1, 12), 16, '0'))::bit(64)::bigint) / 1000.0)
$$;
--> statement-breakpoint
CREATE TABLE "inbox_partitions" (
	"suffix" text PRIMARY KEY NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"to_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- Makes (if missing) the partition set whose range holds `at`: one partition of each partitioned
-- table, over [from, to) aligned to `period` (from 2000-01-01 UTC), clipped to the neighbours'
-- bounds so that a change of period never overlaps an existing range. Returns the range's end.
-- Concurrent callers serialize on an advisory lock (the api, the worker's janitor, the triggers).
CREATE FUNCTION hookbox_ensure_partition(at timestamptz, period interval) RETURNS timestamptz
LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz;
  hi timestamptz;
  sfx text;
  tbl text;
BEGIN
  SELECT to_at INTO hi FROM inbox_partitions WHERE from_at <= at AND to_at > at;
  IF FOUND THEN RETURN hi; END IF;
  PERFORM pg_advisory_xact_lock(7245610932);
  SELECT to_at INTO hi FROM inbox_partitions WHERE from_at <= at AND to_at > at;
  IF FOUND THEN RETURN hi; END IF;
  lo := date_bin(period, at, TIMESTAMPTZ '2000-01-01 00:00:00+00');
  hi := lo + period;
  lo := greatest(lo, coalesce((SELECT max(to_at) FROM inbox_partitions WHERE to_at <= at), lo));
  hi := least(hi, coalesce((SELECT min(from_at) FROM inbox_partitions WHERE from_at > at), hi));
  sfx := 'p' || to_char(lo AT TIME ZONE 'UTC', 'YYYYMMDD"t"HH24MISS');
  FOREACH tbl IN ARRAY ARRAY['deliveries', 'event_states', 'settlements', 'attempts', 'steps'] LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)%s',
      tbl || '_' || sfx, tbl, hookbox_uuid_floor(lo), hookbox_uuid_floor(hi),
      -- event_states is updated in place: room on each page for the new versions of its rows
      -- (HOT updates stay on the page). The others are written once.
      CASE WHEN tbl = 'event_states' THEN ' WITH (fillfactor = 70)' ELSE '' END);
  END LOOP;
  INSERT INTO inbox_partitions (suffix, from_at, to_at) VALUES (sfx, lo, hi);
  RETURN hi;
END
$$;
--> statement-breakpoint
-- Every partition set from `from_at` up to `upto` (the janitor and the api keep PARTITIONS_AHEAD
-- periods ready). Returns how many it made.
CREATE FUNCTION hookbox_ensure_partitions(from_at timestamptz, upto timestamptz, period interval) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  t timestamptz := from_at;
  before integer;
BEGIN
  SELECT count(*) INTO before FROM inbox_partitions;
  WHILE t < upto LOOP
    t := hookbox_ensure_partition(t, period);
  END LOOP;
  RETURN (SELECT count(*) FROM inbox_partitions) - before;
END
$$;
--> statement-breakpoint
ALTER TABLE "alerts" DROP CONSTRAINT "alerts_event_id_events_id_fk";
--> statement-breakpoint
ALTER TABLE "events" RENAME TO "events_0008";
--> statement-breakpoint
ALTER TABLE "attempts" RENAME TO "attempts_0008";
--> statement-breakpoint
ALTER INDEX "attempts_pkey" RENAME TO "attempts_0008_pkey";
--> statement-breakpoint
ALTER SEQUENCE "attempts_id_seq" RENAME TO "attempts_0008_id_seq";
--> statement-breakpoint
ALTER TABLE "steps" RENAME TO "steps_0008";
--> statement-breakpoint
ALTER INDEX "steps_event_id_run_handler_name_pk" RENAME TO "steps_0008_pk";
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"idempotency_key" text,
	"event_type" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"headers" jsonb NOT NULL,
	"body" "bytea" NOT NULL,
	"content_type" text,
	"size" integer NOT NULL,
	CONSTRAINT "deliveries_pkey" PRIMARY KEY("id")
) PARTITION BY RANGE ("id");
--> statement-breakpoint
CREATE TABLE "event_states" (
	"id" uuid NOT NULL,
	"tenant_id" uuid NOT NULL,
	"status" "event_status" DEFAULT 'queued' NOT NULL,
	"attempt_count" integer DEFAULT 0 NOT NULL,
	"run" integer DEFAULT 0 NOT NULL,
	"run_handlers" text[],
	"queued_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone,
	"last_error" text,
	CONSTRAINT "event_states_pkey" PRIMARY KEY("id")
) PARTITION BY RANGE ("id");
--> statement-breakpoint
CREATE TABLE "settlements" (
	"tenant_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"run" integer NOT NULL,
	"status" "event_status" NOT NULL,
	"settled_at" timestamp with time zone NOT NULL
) PARTITION BY RANGE ("event_id");
--> statement-breakpoint
CREATE TABLE "attempts" (
	"id" bigserial NOT NULL,
	"tenant_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"handler" text NOT NULL,
	"attempt" integer NOT NULL,
	"run" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"outcome" "attempt_outcome" NOT NULL,
	"error" text,
	"duration_ms" integer NOT NULL,
	"next_attempt_at" timestamp with time zone,
	CONSTRAINT "attempts_pkey" PRIMARY KEY("event_id","id")
) PARTITION BY RANGE ("event_id");
--> statement-breakpoint
CREATE TABLE "steps" (
	"tenant_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"run" integer NOT NULL,
	"handler" text NOT NULL,
	"name" text NOT NULL,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "steps_event_id_run_handler_name_pk" PRIMARY KEY("event_id","run","handler","name")
) PARTITION BY RANGE ("event_id");
--> statement-breakpoint
CREATE TABLE "pending_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dead_letters" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"source_id" uuid NOT NULL,
	"key" text NOT NULL,
	"event_id" uuid NOT NULL,
	CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY("source_id","key")
);
--> statement-breakpoint
CREATE INDEX "deliveries_tenant_id_idx" ON "deliveries" USING btree ("tenant_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "deliveries_source_id_idx" ON "deliveries" USING btree ("source_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "deliveries_tenant_type_id_idx" ON "deliveries" USING btree ("tenant_id","event_type","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "settlements_tenant_settled_idx" ON "settlements" USING btree ("tenant_id","settled_at","event_id");--> statement-breakpoint
CREATE INDEX "dead_letters_tenant_idx" ON "dead_letters" USING btree ("tenant_id","event_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "idempotency_keys_event_brin" ON "idempotency_keys" USING brin ("event_id");--> statement-breakpoint
-- Partitions for every existing row (one day each), then the next two days.
SELECT hookbox_ensure_partition(t, interval '1 day') FROM (
  SELECT DISTINCT date_bin(interval '1 day', hookbox_uuid_time(id), TIMESTAMPTZ '2000-01-01 00:00:00+00') AS t FROM "events_0008"
  UNION SELECT DISTINCT date_bin(interval '1 day', hookbox_uuid_time(event_id), TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM "attempts_0008"
  UNION SELECT DISTINCT date_bin(interval '1 day', hookbox_uuid_time(event_id), TIMESTAMPTZ '2000-01-01 00:00:00+00') FROM "steps_0008"
) x ORDER BY t;
--> statement-breakpoint
SELECT hookbox_ensure_partitions(now(), now() + interval '2 days', interval '1 day');
--> statement-breakpoint
INSERT INTO "deliveries" (id, tenant_id, source_id, idempotency_key, event_type, received_at, headers, body, content_type, size)
  SELECT id, tenant_id, source_id, idempotency_key, event_type, received_at, headers, body, content_type, size FROM "events_0008";
--> statement-breakpoint
INSERT INTO "event_states" (id, tenant_id, status, attempt_count, run, run_handlers, queued_at, started_at, completed_at, next_attempt_at, last_error)
  SELECT id, tenant_id, status, attempt_count, run, run_handlers, queued_at, started_at, completed_at, next_attempt_at, last_error FROM "events_0008";
--> statement-breakpoint
INSERT INTO "pending_events" (id, tenant_id) SELECT id, tenant_id FROM "events_0008" WHERE status NOT IN ('completed', 'dead');
--> statement-breakpoint
INSERT INTO "dead_letters" (event_id, tenant_id) SELECT id, tenant_id FROM "events_0008" WHERE status = 'dead';
--> statement-breakpoint
INSERT INTO "settlements" (tenant_id, event_id, run, status, settled_at)
  SELECT tenant_id, id, run, status, coalesce(completed_at, received_at) FROM "events_0008" WHERE status IN ('completed', 'dead');
--> statement-breakpoint
INSERT INTO "idempotency_keys" (source_id, key, event_id)
  SELECT source_id, idempotency_key, id FROM "events_0008" WHERE idempotency_key IS NOT NULL;
--> statement-breakpoint
INSERT INTO "attempts" (id, tenant_id, event_id, handler, attempt, run, started_at, finished_at, outcome, error, duration_ms, next_attempt_at)
  SELECT id, tenant_id, event_id, handler, attempt, run, started_at, finished_at, outcome, error, duration_ms, next_attempt_at FROM "attempts_0008";
--> statement-breakpoint
SELECT setval('attempts_id_seq', greatest((SELECT max(id) FROM "attempts_0008"), 1));
--> statement-breakpoint
INSERT INTO "steps" (tenant_id, event_id, run, handler, name, result, created_at)
  SELECT tenant_id, event_id, run, handler, name, result, created_at FROM "steps_0008";
--> statement-breakpoint
DROP TABLE "steps_0008";
--> statement-breakpoint
DROP TABLE "attempts_0008";
--> statement-breakpoint
DROP TABLE "events_0008";
--> statement-breakpoint
CREATE VIEW "events" AS
  SELECT d.id, d.tenant_id, d.source_id, d.idempotency_key, d.event_type, st.status, st.attempt_count, st.run,
         st.run_handlers, d.received_at, st.queued_at, st.started_at, st.completed_at, st.next_attempt_at,
         st.last_error, d.headers, d.body, d.content_type, d.size
  FROM deliveries d JOIN event_states st ON st.id = d.id;
--> statement-breakpoint
ALTER VIEW "events" ALTER COLUMN "status" SET DEFAULT 'received';
--> statement-breakpoint
ALTER VIEW "events" ALTER COLUMN "attempt_count" SET DEFAULT 0;
--> statement-breakpoint
ALTER VIEW "events" ALTER COLUMN "run" SET DEFAULT 0;
--> statement-breakpoint
ALTER VIEW "events" ALTER COLUMN "received_at" SET DEFAULT now();
--> statement-breakpoint
-- The view's bookkeeping, in one place: which side tables an event's status puts it in.
CREATE FUNCTION hookbox_track_status(ev "events", old_status "event_status", old_completed timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF ev.status IN ('completed', 'dead') THEN
    DELETE FROM pending_events WHERE id = ev.id;
    IF old_status IS DISTINCT FROM ev.status OR old_completed IS DISTINCT FROM ev.completed_at THEN
      INSERT INTO settlements (tenant_id, event_id, run, status, settled_at)
        VALUES (ev.tenant_id, ev.id, ev.run, ev.status, coalesce(ev.completed_at, now()));
    END IF;
  ELSE
    INSERT INTO pending_events (id, tenant_id) VALUES (ev.id, ev.tenant_id) ON CONFLICT DO NOTHING;
  END IF;
  IF ev.status = 'dead' THEN
    INSERT INTO dead_letters (event_id, tenant_id) VALUES (ev.id, ev.tenant_id) ON CONFLICT DO NOTHING;
  ELSE
    DELETE FROM dead_letters WHERE event_id = ev.id;
  END IF;
END
$$;
--> statement-breakpoint
CREATE FUNCTION hookbox_events_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM hookbox_ensure_partition(hookbox_uuid_time(NEW.id), interval '1 day');
  INSERT INTO deliveries (id, tenant_id, source_id, idempotency_key, event_type, received_at, headers, body, content_type, size)
    VALUES (NEW.id, NEW.tenant_id, NEW.source_id, NEW.idempotency_key, NEW.event_type, NEW.received_at, NEW.headers,
            NEW.body, NEW.content_type, NEW.size);
  INSERT INTO event_states (id, tenant_id, status, attempt_count, run, run_handlers, queued_at, started_at, completed_at,
                            next_attempt_at, last_error)
    VALUES (NEW.id, NEW.tenant_id, NEW.status, NEW.attempt_count, NEW.run, NEW.run_handlers, NEW.queued_at, NEW.started_at,
            NEW.completed_at, NEW.next_attempt_at, NEW.last_error);
  IF NEW.idempotency_key IS NOT NULL THEN
    INSERT INTO idempotency_keys (source_id, key, event_id) VALUES (NEW.source_id, NEW.idempotency_key, NEW.id);
  END IF;
  PERFORM hookbox_track_status(NEW, NULL, NULL);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE FUNCTION hookbox_events_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id IS DISTINCT FROM OLD.id THEN
    RAISE EXCEPTION 'an event''s id does not change';
  END IF;
  IF (NEW.tenant_id, NEW.source_id, NEW.idempotency_key, NEW.event_type, NEW.received_at, NEW.headers, NEW.body,
      NEW.content_type, NEW.size) IS DISTINCT FROM (OLD.tenant_id, OLD.source_id, OLD.idempotency_key, OLD.event_type,
      OLD.received_at, OLD.headers, OLD.body, OLD.content_type, OLD.size) THEN
    UPDATE deliveries SET tenant_id = NEW.tenant_id, source_id = NEW.source_id, idempotency_key = NEW.idempotency_key,
      event_type = NEW.event_type, received_at = NEW.received_at, headers = NEW.headers, body = NEW.body,
      content_type = NEW.content_type, size = NEW.size
    WHERE id = OLD.id;
  END IF;
  UPDATE event_states SET tenant_id = NEW.tenant_id, status = NEW.status, attempt_count = NEW.attempt_count, run = NEW.run,
    run_handlers = NEW.run_handlers, queued_at = NEW.queued_at, started_at = NEW.started_at,
    completed_at = NEW.completed_at, next_attempt_at = NEW.next_attempt_at, last_error = NEW.last_error
  WHERE id = OLD.id;
  IF (NEW.source_id, NEW.idempotency_key) IS DISTINCT FROM (OLD.source_id, OLD.idempotency_key) THEN
    DELETE FROM idempotency_keys WHERE source_id = OLD.source_id AND key = OLD.idempotency_key AND event_id = OLD.id;
    IF NEW.idempotency_key IS NOT NULL THEN
      INSERT INTO idempotency_keys (source_id, key, event_id) VALUES (NEW.source_id, NEW.idempotency_key, NEW.id);
    END IF;
  END IF;
  PERFORM hookbox_track_status(NEW, OLD.status, OLD.completed_at);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE FUNCTION hookbox_events_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM deliveries WHERE id = OLD.id;
  DELETE FROM event_states WHERE id = OLD.id;
  DELETE FROM pending_events WHERE id = OLD.id;
  DELETE FROM dead_letters WHERE event_id = OLD.id;
  DELETE FROM settlements WHERE event_id = OLD.id;
  DELETE FROM attempts WHERE event_id = OLD.id;
  DELETE FROM steps WHERE event_id = OLD.id;
  DELETE FROM alerts WHERE event_id = OLD.id;
  DELETE FROM idempotency_keys WHERE source_id = OLD.source_id AND key = OLD.idempotency_key AND event_id = OLD.id;
  RETURN OLD;
END
$$;
--> statement-breakpoint
CREATE TRIGGER events_insert INSTEAD OF INSERT ON "events" FOR EACH ROW EXECUTE FUNCTION hookbox_events_insert();
--> statement-breakpoint
CREATE TRIGGER events_update INSTEAD OF UPDATE ON "events" FOR EACH ROW EXECUTE FUNCTION hookbox_events_update();
--> statement-breakpoint
CREATE TRIGGER events_delete INSTEAD OF DELETE ON "events" FOR EACH ROW EXECUTE FUNCTION hookbox_events_delete();
