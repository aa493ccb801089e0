CREATE TABLE "slug_reservations" (
	"slug" text PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Reserve every slug already in use, deleted sources' too, for the tenant that had it. Should
-- two tenants have held one slug in turn (possible before this migration), the tenant whose
-- source is live keeps it, else the one that used it last.
INSERT INTO "slug_reservations" ("slug", "tenant_id", "created_at")
SELECT DISTINCT ON ("slug") "slug", "tenant_id", "created_at"
FROM "sources"
ORDER BY "slug", ("deleted_at" IS NULL) DESC, coalesce("deleted_at", "updated_at") DESC;
