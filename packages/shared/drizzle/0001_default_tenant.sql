-- The bootstrap tenant that ADMIN_API_KEY acts as (DEFAULT_TENANT_ID in src/domain.ts).
INSERT INTO "tenants" ("id", "name") VALUES ('00000000-0000-7000-8000-000000000000', 'default') ON CONFLICT DO NOTHING;
