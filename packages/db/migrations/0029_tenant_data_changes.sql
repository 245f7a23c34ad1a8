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
-- Writes made without an organization (the owner's seeds and maintenance) move every organization's
-- version at once: one counter, so their cost does not grow with the number of organizations.
CREATE TABLE "data_changes_global" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"changes" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "data_changes_global_one_row" CHECK ("data_changes_global"."id" = 1)
);
--> statement-breakpoint
INSERT INTO "data_changes_global" ("id", "changes") VALUES (1, 0);
--> statement-breakpoint
-- One change row per statement that writes an input of the emission read model, in the
-- organization's transaction (unless the statement is deleting the organization itself); without an
-- organization, the global counter. As its owner, so a statement of the app role that RLS left
-- without rows (no organization set) can still record itself.
CREATE FUNCTION note_tenant_data_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
BEGIN
  IF current_tenant_id() IS NOT NULL THEN
    INSERT INTO tenant_data_changes (tenant_id)
    SELECT id FROM tenants WHERE id = current_tenant_id();
  ELSE
    UPDATE data_changes_global SET changes = changes + 1 WHERE id = 1;
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
