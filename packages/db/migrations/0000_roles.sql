-- Group roles that row-level security policies name. Login roles are made members of them by
-- `canopy migrate` (see src/roles.ts). Roles are cluster-wide, so creation is idempotent.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'canopy_app_role') THEN
    CREATE ROLE canopy_app_role NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'canopy_auth_role') THEN
    CREATE ROLE canopy_auth_role NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  -- another database on the same cluster created them concurrently
  NULL;
END
$$;
--> statement-breakpoint
-- The tenant of the current transaction, set by withTenant() with set_config('app.tenant_id', …, true).
-- NULL when unset or reset to '' so that policies match no row.
CREATE OR REPLACE FUNCTION current_tenant_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;
