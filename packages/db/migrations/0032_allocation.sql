-- Cost centres and allocation rules (docs/methodology.md section 22).
CREATE TABLE "cost_centres" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_centres_tenant_id_id_unique" UNIQUE("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "cost_centres" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "cost_centres" ADD CONSTRAINT "cost_centres_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cost_centres_name_uq" ON "cost_centres" USING btree ("tenant_id","name");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "cost_centres" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
CREATE TABLE "allocation_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"tag_key" text,
	"tag_value" text,
	"service" text,
	"cloud_account_id" uuid,
	"split" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "allocation_rules_tenant_id_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "allocation_rules_split" CHECK ("allocation_rules"."split" IN ('fixed', 'proportional')),
	CONSTRAINT "allocation_rules_tag" CHECK (("allocation_rules"."tag_key" IS NULL) = ("allocation_rules"."tag_value" IS NULL))
);
--> statement-breakpoint
ALTER TABLE "allocation_rules" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "allocation_rules" ADD CONSTRAINT "allocation_rules_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocation_rules" ADD CONSTRAINT "allocation_rules_cloud_account_id_cloud_accounts_id_fk" FOREIGN KEY ("tenant_id","cloud_account_id") REFERENCES "public"."cloud_accounts"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "allocation_rules_position_uq" ON "allocation_rules" USING btree ("tenant_id","position");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "allocation_rules" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
CREATE TABLE "allocation_rule_targets" (
	"tenant_id" uuid NOT NULL,
	"rule_id" uuid NOT NULL,
	"cost_centre_id" uuid NOT NULL,
	"weight" double precision DEFAULT 1 NOT NULL,
	CONSTRAINT "allocation_rule_targets_tenant_id_rule_id_cost_centre_id_pk" PRIMARY KEY("tenant_id","rule_id","cost_centre_id"),
	CONSTRAINT "allocation_rule_targets_weight" CHECK ("allocation_rule_targets"."weight" >= 0 AND "allocation_rule_targets"."weight" < 'Infinity')
);
--> statement-breakpoint
ALTER TABLE "allocation_rule_targets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "allocation_rule_targets" ADD CONSTRAINT "allocation_rule_targets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocation_rule_targets" ADD CONSTRAINT "allocation_rule_targets_rule_id_allocation_rules_id_fk" FOREIGN KEY ("tenant_id","rule_id") REFERENCES "public"."allocation_rules"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocation_rule_targets" ADD CONSTRAINT "allocation_rule_targets_cost_centre_id_cost_centres_id_fk" FOREIGN KEY ("tenant_id","cost_centre_id") REFERENCES "public"."cost_centres"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "allocation_rule_targets" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
-- Rules and cost centres are inputs of the allocation read: a change moves the organization's data version.
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "cost_centres" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
--> statement-breakpoint
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "allocation_rules" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
--> statement-breakpoint
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "allocation_rule_targets" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
