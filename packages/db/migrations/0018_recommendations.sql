CREATE TABLE "recommendation_findings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"rule_id" text NOT NULL,
	"resource_key" text NOT NULL,
	"resources" jsonb NOT NULL,
	"action" text NOT NULL,
	"how_to" text NOT NULL,
	"co2e_location_saved_kg_per_month" double precision NOT NULL,
	"co2e_market_saved_kg_per_month" double precision NOT NULL,
	"water_saved_l_per_month" double precision NOT NULL,
	"cost_delta_amount_per_month" numeric(20, 8),
	"cost_currency" text,
	"cost_note" text,
	"confidence" text NOT NULL,
	"confidence_reason" text NOT NULL,
	"basis_month" date NOT NULL,
	"basis_co2e_location_kg_per_month" double precision NOT NULL,
	"basis_co2e_market_kg_per_month" double precision NOT NULL,
	"methodology_version" text NOT NULL,
	"measure_scope" jsonb NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"state" text DEFAULT 'open' NOT NULL,
	"state_reason" text,
	"state_changed_at" timestamp with time zone,
	"state_changed_by" text,
	"done_at" timestamp with time zone,
	"realized" jsonb,
	"current" boolean DEFAULT true NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recommendation_findings_confidence" CHECK ("recommendation_findings"."confidence" IN ('high', 'medium', 'low')),
	CONSTRAINT "recommendation_findings_state" CHECK ("recommendation_findings"."state" IN ('open', 'accepted', 'dismissed', 'done')),
	CONSTRAINT "recommendation_findings_dismiss_reason" CHECK ("recommendation_findings"."state" <> 'dismissed' OR length(coalesce("recommendation_findings"."state_reason", '')) > 0),
	CONSTRAINT "recommendation_findings_done_at" CHECK (("recommendation_findings"."state" = 'done') = ("recommendation_findings"."done_at" IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "recommendation_findings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "recommendation_settings" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"allowed_continents" text[],
	"allowed_jurisdictions" text[],
	"residency_tag_key" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "recommendation_settings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "recommendation_findings" ADD CONSTRAINT "recommendation_findings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendation_settings" ADD CONSTRAINT "recommendation_settings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "recommendation_findings_rule_resource_uq" ON "recommendation_findings" USING btree ("tenant_id","rule_id","resource_key");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "recommendation_findings" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING ("recommendation_findings"."tenant_id" = (SELECT current_tenant_id())) WITH CHECK ("recommendation_findings"."tenant_id" = (SELECT current_tenant_id()));--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "recommendation_settings" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING ("recommendation_settings"."tenant_id" = (SELECT current_tenant_id())) WITH CHECK ("recommendation_settings"."tenant_id" = (SELECT current_tenant_id()));
