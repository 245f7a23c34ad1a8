ALTER TYPE "public"."sync_run_status" ADD VALUE 'awaiting_confirmation';--> statement-breakpoint
CREATE TABLE "usage_superseded" (
	"tenant_id" uuid NOT NULL,
	"cloud_account_id" uuid NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"dims_key" text NOT NULL,
	"period_hours" real DEFAULT 1 NOT NULL,
	"provider" "cloud_provider" NOT NULL,
	"service" text NOT NULL,
	"region" text NOT NULL,
	"kind" text NOT NULL,
	"unit" text NOT NULL,
	"usage_type" text DEFAULT '' NOT NULL,
	"instance_type" text DEFAULT '' NOT NULL,
	"vcpus" real,
	"memory_gb" real,
	"gpu_model" text,
	"gpu_count" real,
	"storage_class" text,
	"replication_hint" real,
	"cpu_utilization" real,
	"quantity" double precision NOT NULL,
	"cost_amount" numeric(20, 8),
	"currency" text,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sync_run_id" uuid,
	"source_kind" text DEFAULT 'unknown' NOT NULL,
	"shape_key" text NOT NULL,
	"reason" text NOT NULL,
	"superseded_by_sync_run_id" uuid,
	"superseded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "usage_superseded" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "cloud_accounts" ADD COLUMN "parent_account_id" text;--> statement-breakpoint
ALTER TABLE "cloud_accounts" ADD COLUMN "source_precedence" jsonb;--> statement-breakpoint
ALTER TABLE "usage_hourly" ADD COLUMN "source_kind" text DEFAULT 'unknown' NOT NULL;--> statement-breakpoint
CREATE INDEX "usage_superseded_replaced_by_idx" ON "usage_superseded" USING btree ("tenant_id","superseded_by_sync_run_id");--> statement-breakpoint
CREATE INDEX "usage_superseded_run_idx" ON "usage_superseded" USING btree ("tenant_id","sync_run_id");--> statement-breakpoint
CREATE INDEX "usage_superseded_at_idx" ON "usage_superseded" USING btree ("superseded_at");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "usage_superseded" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));--> statement-breakpoint
-- Lineage of the rows stored before this migration: the import's format, the demo seed, or the
-- connector a sync used (hourly AWS syncs read CUR 2.0 through Athena, daily ones Cost Explorer).
UPDATE "usage_hourly" u SET "source_kind" = CASE
    WHEN r."kind" = 'import' AND r."details"->>'source' = 'demo seed' THEN 'demo'
    WHEN r."kind" = 'import' AND r."details"->>'format' IN ('cur', 'cur2', 'azure', 'gcp', 'focus', 'usage') THEN r."details"->>'format'
    WHEN r."kind" IN ('sync', 'backfill') AND u."provider" = 'aws' THEN
      CASE WHEN u."period_hours" >= 24 THEN 'aws-cost-explorer' ELSE 'aws-athena' END
    WHEN r."kind" IN ('sync', 'backfill') AND u."provider" = 'azure' THEN 'azure-query'
    WHEN r."kind" IN ('sync', 'backfill') AND u."provider" = 'gcp' THEN 'gcp-bigquery'
    ELSE 'unknown' END
FROM "sync_runs" r WHERE r."id" = u."sync_run_id";
