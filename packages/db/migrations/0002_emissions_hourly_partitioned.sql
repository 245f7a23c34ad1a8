-- Hourly emissions, range-partitioned by month on "hour". The key starts with tenant_id so the table
-- can later be distributed by tenant (Citus) without a redesign.
CREATE TABLE IF NOT EXISTS "emissions_hourly" (
  "tenant_id" uuid NOT NULL REFERENCES "tenants"("id") ON DELETE CASCADE,
  "cloud_account_id" uuid NOT NULL REFERENCES "cloud_accounts"("id") ON DELETE CASCADE,
  "hour" timestamp with time zone NOT NULL,
  "dims_key" text NOT NULL,
  "provider" "cloud_provider" NOT NULL,
  "service" text NOT NULL,
  "region" text NOT NULL,
  "kind" text NOT NULL,
  "instance_type" text DEFAULT '' NOT NULL,
  "tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
  "pue" real NOT NULL,
  "grid_intensity_g_per_kwh" real NOT NULL,
  "default_factors_mask" smallint DEFAULT 0 NOT NULL,
  "kwh_it" double precision NOT NULL,
  "kwh_facility" double precision NOT NULL,
  "co2e_location_kg" double precision NOT NULL,
  "co2e_market_kg" double precision NOT NULL,
  "co2e_embodied_kg" double precision NOT NULL,
  "water_l" double precision NOT NULL,
  "co2e_on_defaults_kg" double precision DEFAULT 0 NOT NULL,
  "cost_amount" numeric(20, 8),
  "currency" text,
  "methodology_version" text NOT NULL,
  PRIMARY KEY ("tenant_id", "hour", "cloud_account_id", "dims_key")
) PARTITION BY RANGE ("hour");
--> statement-breakpoint
ALTER TABLE "emissions_hourly" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "emissions_hourly" AS PERMISSIVE FOR ALL TO "canopy_app_role"
  USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());
--> statement-breakpoint
-- Creates the monthly partitions covering [from_month, from_month + months). Runs as the owner
-- (SECURITY DEFINER) so the app role can ask for the partitions its writes need without DDL rights.
-- Partitions get RLS too and no grants: the app role reaches rows only through the parent table.
CREATE OR REPLACE FUNCTION ensure_emissions_partitions(from_month date, months integer)
  RETURNS integer
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = public, pg_temp
AS $$
DECLARE
  month_start date := date_trunc('month', from_month)::date;
  partition_name text;
  created integer := 0;
BEGIN
  IF months < 1 OR months > 600 THEN
    RAISE EXCEPTION 'months must be between 1 and 600, got %', months;
  END IF;
  FOR i IN 0 .. months - 1 LOOP
    partition_name := format('emissions_hourly_%s', to_char(month_start, 'YYYY_MM'));
    IF to_regclass(partition_name) IS NULL THEN
      BEGIN
        EXECUTE format(
          'CREATE TABLE %I PARTITION OF emissions_hourly FOR VALUES FROM (%L) TO (%L)',
          partition_name,
          month_start::text || ' 00:00:00+00',
          (month_start + interval '1 month')::date::text || ' 00:00:00+00'
        );
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', partition_name);
        created := created + 1;
      EXCEPTION WHEN duplicate_table THEN
        NULL; -- created concurrently by another writer
      END;
    END IF;
    month_start := (month_start + interval '1 month')::date;
  END LOOP;
  RETURN created;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION ensure_emissions_partitions(date, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION ensure_emissions_partitions(date, integer) TO canopy_app_role;
--> statement-breakpoint
-- Looks up an API key by its SHA-256 before any tenant is known (RLS hides api_keys until then).
-- Returns nothing for revoked or unknown keys.
CREATE OR REPLACE FUNCTION resolve_api_key(key_sha256 text)
  RETURNS TABLE (api_key_id uuid, tenant_id uuid, role member_role)
  LANGUAGE sql
  STABLE
  SECURITY DEFINER
  SET search_path = public, pg_temp
AS $$
  SELECT id, api_keys.tenant_id, api_keys.role FROM api_keys
  WHERE key_hash = key_sha256 AND revoked_at IS NULL
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION resolve_api_key(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION resolve_api_key(text) TO canopy_app_role;
--> statement-breakpoint
SELECT ensure_emissions_partitions((date_trunc('month', now()) - interval '13 months')::date, 16);
