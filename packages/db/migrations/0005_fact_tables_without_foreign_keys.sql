ALTER TABLE "usage_hourly" DROP CONSTRAINT "usage_hourly_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "usage_hourly" DROP CONSTRAINT "usage_hourly_cloud_account_id_cloud_accounts_id_fk";
