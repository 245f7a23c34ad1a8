CREATE TABLE "tenant_data_changes" (
	"tenant_id" uuid NOT NULL,
	"id" bigserial NOT NULL,
	"changes" bigint DEFAULT 1 NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_data_changes_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "tenant_data_changes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenant_data_changes" ADD CONSTRAINT "tenant_data_changes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "tenant_data_changes" AS PERMISSIVE FOR ALL TO "canopy_app_role" USING (tenant_id = (SELECT current_tenant_id())) WITH CHECK (tenant_id = (SELECT current_tenant_id()));
--> statement-breakpoint
-- One change row per statement that writes an input of the emission read model. In a tenant
-- transaction the row is that organization's (unless the statement is deleting the organization
-- itself); without one (the owner: seeds, maintenance) every organization's version moves.
CREATE FUNCTION note_tenant_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_tenant_id() IS NOT NULL THEN
    INSERT INTO tenant_data_changes (tenant_id)
    SELECT id FROM tenants WHERE id = current_tenant_id();
  ELSE
    INSERT INTO tenant_data_changes (tenant_id) SELECT id FROM tenants;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "usage_hourly" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
--> statement-breakpoint
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "emissions_hourly" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
--> statement-breakpoint
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "emissions_daily" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
--> statement-breakpoint
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "emissions_monthly" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
--> statement-breakpoint
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "provider_reported_emissions" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
--> statement-breakpoint
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "cloud_accounts" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
--> statement-breakpoint
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "sync_runs" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
--> statement-breakpoint
CREATE TRIGGER tenant_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "utilization_runs" FOR EACH STATEMENT EXECUTE FUNCTION note_tenant_data_change();
