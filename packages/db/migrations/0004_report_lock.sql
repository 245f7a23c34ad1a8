-- Locked means locked: once a report version is final, its numbers, lineage and files never change.
-- Only references to deleted users may still be cleared (ON DELETE SET NULL); deleting the
-- organization still removes everything (DELETE is not blocked). AFTER triggers, so that row-level
-- security (checked after BEFORE triggers) answers first for another tenant's rows.
CREATE OR REPLACE FUNCTION reports_refuse_locked_update() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  IF OLD.status = 'final' AND (
       NEW.status, NEW.tenant_id, NEW.period_start, NEW.period_end, NEW.version, NEW.methodology_version,
       NEW.data_pack_checksum, NEW.content_sha256, NEW.model, NEW.boundary_key, NEW.boundary_account_ids,
       NEW.parameters, NEW.parent_report_id, NEW.input_row_counts, NEW.computed_at, NEW.finalized_at
     ) IS DISTINCT FROM (
       OLD.status, OLD.tenant_id, OLD.period_start, OLD.period_end, OLD.version, OLD.methodology_version,
       OLD.data_pack_checksum, OLD.content_sha256, OLD.model, OLD.boundary_key, OLD.boundary_account_ids,
       OLD.parameters, OLD.parent_report_id, OLD.input_row_counts, OLD.computed_at, OLD.finalized_at
     ) THEN
    RAISE EXCEPTION 'report % version % is final and cannot be changed', OLD.id, OLD.version
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER reports_locked_guard AFTER UPDATE ON reports
  FOR EACH ROW EXECUTE FUNCTION reports_refuse_locked_update();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION report_files_refuse_update() RETURNS trigger
  LANGUAGE plpgsql
AS $$
BEGIN
  RAISE EXCEPTION 'report files are written once at finalization and cannot be changed'
    USING ERRCODE = 'check_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER report_files_write_once AFTER UPDATE ON report_files
  FOR EACH ROW EXECUTE FUNCTION report_files_refuse_update();
