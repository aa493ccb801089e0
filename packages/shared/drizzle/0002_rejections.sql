CREATE TABLE "rejections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"size" integer NOT NULL,
	"headers" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rejections" ADD CONSTRAINT "rejections_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rejections" ADD CONSTRAINT "rejections_source_id_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rejections_source_id_idx" ON "rejections" USING btree ("source_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "rejections_received_at_idx" ON "rejections" USING btree ("received_at");