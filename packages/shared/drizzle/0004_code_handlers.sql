ALTER TYPE "public"."attempt_outcome" ADD VALUE 'filtered';--> statement-breakpoint
CREATE TABLE "steps" (
	"tenant_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"run" integer NOT NULL,
	"handler" text NOT NULL,
	"name" text NOT NULL,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "steps_event_id_run_handler_name_pk" PRIMARY KEY("event_id","run","handler","name")
);
--> statement-breakpoint
ALTER TABLE "attempts" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "run_handlers" text[];--> statement-breakpoint
ALTER TABLE "steps" ADD CONSTRAINT "steps_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Handler specs written before keys existed get their name as key (the same key attempts already carry).
UPDATE "sources" SET "handlers" = (
  SELECT coalesce(jsonb_agg(CASE WHEN h ? 'key' THEN h ELSE h || jsonb_build_object('key', h->>'name') END ORDER BY ord), '[]'::jsonb)
  FROM jsonb_array_elements("handlers") WITH ORDINALITY AS x(h, ord)
) WHERE jsonb_typeof("handlers") = 'array';
