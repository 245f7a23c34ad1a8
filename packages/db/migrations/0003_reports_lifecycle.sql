CREATE TABLE "provider_reported_emissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"cloud_account_id" uuid,
	"provider" "cloud_provider" NOT NULL,
	"provider_account_id" text NOT NULL,
	"month" date NOT NULL,
	"service" text,
	"region" text,
	"scope" text NOT NULL,
	"co2e_kg" double precision NOT NULL,
	"source" text NOT NULL,
	"model_version" text,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "provider_reported_emissions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "report_files" (
	"tenant_id" uuid NOT NULL,
	"report_id" uuid NOT NULL,
	"format" text NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"content" "bytea" NOT NULL,
	"sha256" text NOT NULL,
	"bytes" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "report_files_report_id_format_pk" PRIMARY KEY("report_id","format")
);
--> statement-breakpoint
ALTER TABLE "report_files" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "boundary_key" text DEFAULT 'all' NOT NULL;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "boundary_account_ids" uuid[];--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "parameters" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "parent_report_id" uuid;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "input_row_counts" jsonb;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "computed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reports" ADD COLUMN "finalized_by_user_id" uuid;--> statement-breakpoint
ALTER TABLE "provider_reported_emissions" ADD CONSTRAINT "provider_reported_emissions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_reported_emissions" ADD CONSTRAINT "provider_reported_emissions_cloud_account_id_cloud_accounts_id_fk" FOREIGN KEY ("cloud_account_id") REFERENCES "public"."cloud_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_files" ADD CONSTRAINT "report_files_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "report_files" ADD CONSTRAINT "report_files_report_id_reports_id_fk" FOREIGN KEY ("report_id") REFERENCES "public"."reports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "provider_reported_emissions_tenant_month_idx" ON "provider_reported_emissions" USING btree ("tenant_id","month");--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_finalized_by_user_id_users_id_fk" FOREIGN KEY ("finalized_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reports_series_version_uq" ON "reports" USING btree ("tenant_id","period_start","period_end","boundary_key","version");--> statement-breakpoint
CREATE UNIQUE INDEX "reports_series_draft_uq" ON "reports" USING btree ("tenant_id","period_start","period_end","boundary_key") WHERE status = 'draft';--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "provider_reported_emissions" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "report_files" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id());