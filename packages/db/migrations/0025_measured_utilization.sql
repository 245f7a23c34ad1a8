CREATE TABLE "resource_utilization_hourly" (
	"tenant_id" uuid NOT NULL,
	"cloud_account_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"resource_id" text NOT NULL,
	"region" text NOT NULL,
	"instance_type" text DEFAULT '' NOT NULL,
	"cpu_utilization" real NOT NULL,
	"source" text NOT NULL,
	"utilization_run_id" uuid,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "resource_utilization_hourly_tenant_id_cloud_account_id_hour_resource_id_pk" PRIMARY KEY("tenant_id","cloud_account_id","hour","resource_id"),
	CONSTRAINT "resource_utilization_cpu_range" CHECK ("resource_utilization_hourly"."cpu_utilization" >= 0 AND "resource_utilization_hourly"."cpu_utilization" <= 1)
);
--> statement-breakpoint
ALTER TABLE "resource_utilization_hourly" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "utilization_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"cloud_account_id" uuid NOT NULL,
	"status" "sync_run_status" DEFAULT 'running' NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"resources" integer DEFAULT 0 NOT NULL,
	"hours_stored" integer DEFAULT 0 NOT NULL,
	"usage_rows_measured" integer DEFAULT 0 NOT NULL,
	"error" text,
	"details" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "utilization_runs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "resource_utilization_hourly" ADD CONSTRAINT "resource_utilization_hourly_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_utilization_hourly" ADD CONSTRAINT "resource_utilization_hourly_cloud_account_id_cloud_accounts_id_fk" FOREIGN KEY ("cloud_account_id") REFERENCES "public"."cloud_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "utilization_runs" ADD CONSTRAINT "utilization_runs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "utilization_runs" ADD CONSTRAINT "utilization_runs_cloud_account_id_cloud_accounts_id_fk" FOREIGN KEY ("cloud_account_id") REFERENCES "public"."cloud_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "resource_utilization_hourly" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "utilization_runs" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
CREATE INDEX "utilization_runs_account_created_idx" ON "utilization_runs" USING btree ("tenant_id","cloud_account_id","created_at");
