-- Like usage_hourly (0005): no per-row foreign-key checks on the partitioned fact table.
ALTER TABLE "emissions_hourly" DROP CONSTRAINT IF EXISTS "emissions_hourly_tenant_id_fkey";
--> statement-breakpoint
ALTER TABLE "emissions_hourly" DROP CONSTRAINT IF EXISTS "emissions_hourly_cloud_account_id_fkey";
