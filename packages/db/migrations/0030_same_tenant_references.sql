-- References between organizations' rows carry tenant_id on both sides, so none can point into
-- another organization (RLS does not apply to foreign-key checks). Each referenced table gets a
-- unique (tenant_id, id); each reference is re-created over (tenant_id, column) with the same name
-- and delete action (a deleted webhook nulls only webhook_id, never tenant_id).
ALTER TABLE "cloud_accounts" ADD CONSTRAINT "cloud_accounts_tenant_id_id_unique" UNIQUE ("tenant_id", "id");
--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_tenant_id_id_unique" UNIQUE ("tenant_id", "id");
--> statement-breakpoint
ALTER TABLE "carbon_budgets" ADD CONSTRAINT "carbon_budgets_tenant_id_id_unique" UNIQUE ("tenant_id", "id");
--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_tenant_id_id_unique" UNIQUE ("tenant_id", "id");
--> statement-breakpoint
ALTER TABLE "alert_webhooks" ADD CONSTRAINT "alert_webhooks_tenant_id_id_unique" UNIQUE ("tenant_id", "id");
--> statement-breakpoint
ALTER TABLE "sync_runs" DROP CONSTRAINT "sync_runs_cloud_account_id_cloud_accounts_id_fk";
--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_cloud_account_id_cloud_accounts_id_fk" FOREIGN KEY ("tenant_id", "cloud_account_id") REFERENCES "public"."cloud_accounts"("tenant_id", "id") ON DELETE CASCADE ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "emissions_daily" DROP CONSTRAINT "emissions_daily_cloud_account_id_cloud_accounts_id_fk";
--> statement-breakpoint
ALTER TABLE "emissions_daily" ADD CONSTRAINT "emissions_daily_cloud_account_id_cloud_accounts_id_fk" FOREIGN KEY ("tenant_id", "cloud_account_id") REFERENCES "public"."cloud_accounts"("tenant_id", "id") ON DELETE CASCADE ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "emissions_monthly" DROP CONSTRAINT "emissions_monthly_cloud_account_id_cloud_accounts_id_fk";
--> statement-breakpoint
ALTER TABLE "emissions_monthly" ADD CONSTRAINT "emissions_monthly_cloud_account_id_cloud_accounts_id_fk" FOREIGN KEY ("tenant_id", "cloud_account_id") REFERENCES "public"."cloud_accounts"("tenant_id", "id") ON DELETE CASCADE ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "provider_reported_emissions" DROP CONSTRAINT "provider_reported_emissions_cloud_account_id_cloud_accounts_id_";
--> statement-breakpoint
ALTER TABLE "provider_reported_emissions" ADD CONSTRAINT "provider_reported_emissions_cloud_account_id_cloud_accounts_id_" FOREIGN KEY ("tenant_id", "cloud_account_id") REFERENCES "public"."cloud_accounts"("tenant_id", "id") ON DELETE CASCADE ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "resource_utilization_hourly" DROP CONSTRAINT "resource_utilization_hourly_cloud_account_id_cloud_accounts_id_";
--> statement-breakpoint
ALTER TABLE "resource_utilization_hourly" ADD CONSTRAINT "resource_utilization_hourly_cloud_account_id_cloud_accounts_id_" FOREIGN KEY ("tenant_id", "cloud_account_id") REFERENCES "public"."cloud_accounts"("tenant_id", "id") ON DELETE CASCADE ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "utilization_runs" DROP CONSTRAINT "utilization_runs_cloud_account_id_cloud_accounts_id_fk";
--> statement-breakpoint
ALTER TABLE "utilization_runs" ADD CONSTRAINT "utilization_runs_cloud_account_id_cloud_accounts_id_fk" FOREIGN KEY ("tenant_id", "cloud_account_id") REFERENCES "public"."cloud_accounts"("tenant_id", "id") ON DELETE CASCADE ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "report_files" DROP CONSTRAINT "report_files_report_id_reports_id_fk";
--> statement-breakpoint
ALTER TABLE "report_files" ADD CONSTRAINT "report_files_report_id_reports_id_fk" FOREIGN KEY ("tenant_id", "report_id") REFERENCES "public"."reports"("tenant_id", "id") ON DELETE CASCADE ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "alerts" DROP CONSTRAINT "alerts_budget_id_carbon_budgets_id_fk";
--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_budget_id_carbon_budgets_id_fk" FOREIGN KEY ("tenant_id", "budget_id") REFERENCES "public"."carbon_budgets"("tenant_id", "id") ON DELETE CASCADE ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "alert_deliveries" DROP CONSTRAINT "alert_deliveries_alert_id_alerts_id_fk";
--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_alert_id_alerts_id_fk" FOREIGN KEY ("tenant_id", "alert_id") REFERENCES "public"."alerts"("tenant_id", "id") ON DELETE CASCADE ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "alert_deliveries" DROP CONSTRAINT "alert_deliveries_webhook_id_alert_webhooks_id_fk";
--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_webhook_id_alert_webhooks_id_fk" FOREIGN KEY ("tenant_id", "webhook_id") REFERENCES "public"."alert_webhooks"("tenant_id", "id") ON DELETE SET NULL ("webhook_id") ON UPDATE no action;
