CREATE TABLE "carbon_budgets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"tag_key" text,
	"tag_value" text,
	"period" text NOT NULL,
	"basis" text NOT NULL,
	"budget_co2e_kg" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "carbon_budgets_period" CHECK ("carbon_budgets"."period" IN ('month', 'quarter', 'year')),
	CONSTRAINT "carbon_budgets_basis" CHECK ("carbon_budgets"."basis" IN ('location', 'market')),
	CONSTRAINT "carbon_budgets_amount" CHECK ("carbon_budgets"."budget_co2e_kg" > 0),
	CONSTRAINT "carbon_budgets_tag" CHECK (("carbon_budgets"."tag_key" IS NULL) = ("carbon_budgets"."tag_value" IS NULL))
);
--> statement-breakpoint
ALTER TABLE "carbon_budgets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "carbon_budgets" ADD CONSTRAINT "carbon_budgets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "carbon_budgets" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"scope_type" text NOT NULL,
	"scope_key" text DEFAULT '' NOT NULL,
	"scope_label" text NOT NULL,
	"basis" text NOT NULL,
	"day" date NOT NULL,
	"co2e_kg" double precision NOT NULL,
	"baseline_co2e_kg" double precision NOT NULL,
	"budget_id" uuid,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"dedupe_key" text NOT NULL,
	"acknowledged_by_user_id" uuid,
	"acknowledged_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alerts_kind" CHECK ("alerts"."kind" IN ('spike', 'budget')),
	CONSTRAINT "alerts_scope_type" CHECK ("alerts"."scope_type" IN ('organization', 'account', 'service', 'tag')),
	CONSTRAINT "alerts_status" CHECK ("alerts"."status" IN ('open', 'acknowledged', 'muted'))
);
--> statement-breakpoint
ALTER TABLE "alerts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "alerts" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_budget_id_carbon_budgets_id_fk" FOREIGN KEY ("budget_id") REFERENCES "public"."carbon_budgets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_acknowledged_by_user_id_users_id_fk" FOREIGN KEY ("acknowledged_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_dedupe_uq" ON "alerts" USING btree ("tenant_id","dedupe_key");
--> statement-breakpoint
CREATE INDEX "alerts_tenant_day_idx" ON "alerts" USING btree ("tenant_id","day");
--> statement-breakpoint
CREATE TABLE "alert_mutes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"scope_type" text NOT NULL,
	"scope_key" text DEFAULT '' NOT NULL,
	"until" timestamp with time zone,
	"created_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_mutes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "alert_mutes" ADD CONSTRAINT "alert_mutes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "alert_mutes" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
ALTER TABLE "alert_mutes" ADD CONSTRAINT "alert_mutes_created_by_user_id_users_id_fk" FOREIGN KEY ("created_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alert_mutes_scope_uq" ON "alert_mutes" USING btree ("tenant_id","kind","scope_type","scope_key");
--> statement-breakpoint
CREATE TABLE "alert_webhooks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"secret_ciphertext" text NOT NULL,
	"secret_key_id" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alert_webhooks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "alert_webhooks" ADD CONSTRAINT "alert_webhooks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "alert_webhooks" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
CREATE TABLE "alert_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"webhook_id" uuid,
	"target" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"log" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_deliveries_channel" CHECK ("alert_deliveries"."channel" IN ('email', 'webhook')),
	CONSTRAINT "alert_deliveries_status" CHECK ("alert_deliveries"."status" IN ('pending', 'delivered', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "alert_deliveries" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "alert_deliveries" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_webhook_id_alert_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."alert_webhooks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_deliveries_alert_idx" ON "alert_deliveries" USING btree ("tenant_id","alert_id");
--> statement-breakpoint
CREATE TABLE "reduction_targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"basis" text NOT NULL,
	"base_year" integer NOT NULL,
	"target_year" integer NOT NULL,
	"reduction_percent" double precision NOT NULL,
	"preset" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reduction_targets_basis" CHECK ("reduction_targets"."basis" IN ('location', 'market')),
	CONSTRAINT "reduction_targets_years" CHECK ("reduction_targets"."target_year" > "reduction_targets"."base_year"),
	CONSTRAINT "reduction_targets_percent" CHECK ("reduction_targets"."reduction_percent" > 0 AND "reduction_targets"."reduction_percent" <= 100)
);
--> statement-breakpoint
ALTER TABLE "reduction_targets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "reduction_targets" ADD CONSTRAINT "reduction_targets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "reduction_targets" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
CREATE UNIQUE INDEX "reduction_targets_basis_uq" ON "reduction_targets" USING btree ("tenant_id","basis");
--> statement-breakpoint
CREATE TABLE "functional_units" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"tag_key" text NOT NULL,
	"tag_value" text NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"unit_name" text NOT NULL,
	"unit_count" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "functional_units_period" CHECK ("functional_units"."period_end" > "functional_units"."period_start"),
	CONSTRAINT "functional_units_count" CHECK ("functional_units"."unit_count" > 0)
);
--> statement-breakpoint
ALTER TABLE "functional_units" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "functional_units" ADD CONSTRAINT "functional_units_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "functional_units" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
CREATE UNIQUE INDEX "functional_units_period_uq" ON "functional_units" USING btree ("tenant_id","tag_key","tag_value","unit_name","period_start","period_end");
