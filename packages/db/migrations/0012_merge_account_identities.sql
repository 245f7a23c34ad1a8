-- One identity per cloud account: AWS 12-digit account ids (leading zeros a spreadsheet dropped put
-- back), Azure subscription GUIDs in lower case without "/subscriptions/", GCP project ids in lower
-- case. The same rules as the importers' canonicalAccountId (packages/connectors/src/classify/account-ids.ts).
CREATE OR REPLACE FUNCTION canonical_provider_account_id(provider cloud_provider, raw text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN provider = 'aws' AND btrim(raw) ~ '^[0-9]{1,12}$' THEN lpad(btrim(raw), 12, '0')
    WHEN provider = 'azure' AND lower(btrim(raw)) ~ '^(/subscriptions/)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
      THEN substring(lower(btrim(raw)) from '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
    WHEN provider = 'gcp' THEN lower(btrim(raw))
    ELSE raw
  END
$$;
--> statement-breakpoint
-- Accounts stored under another spelling are renamed, or merged into the account that already has the
-- canonical id. On days both hold usage, the duplicate's rows are kept as a previous version
-- ("merged") and the canonical account's count: the same cloud account was imported twice. Lineage
-- (imports, syncs, provider figures, draft report boundaries) follows the merge; locked reports are
-- never altered. The merged accounts' monthly rollups are marked stale, so the worker's
-- refresh-stale-estimates re-estimates them from the stored usage.
CREATE OR REPLACE FUNCTION merge_duplicate_cloud_accounts() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  a record;
  target uuid;
  merged integer := 0;
BEGIN
  CREATE TEMP TABLE merge_days (day date PRIMARY KEY) ON COMMIT DROP;
  FOR a IN
    SELECT id, tenant_id, provider, provider_account_id,
           canonical_provider_account_id(provider, provider_account_id) AS canonical
    FROM cloud_accounts
    WHERE provider_account_id <> canonical_provider_account_id(provider, provider_account_id)
    ORDER BY created_at, id
  LOOP
    SELECT id INTO target FROM cloud_accounts
    WHERE tenant_id = a.tenant_id AND provider = a.provider AND provider_account_id = a.canonical;
    IF target IS NULL THEN
      UPDATE cloud_accounts
      SET provider_account_id = a.canonical,
          display_name = replace(display_name, a.provider_account_id, a.canonical)
      WHERE id = a.id;
      CONTINUE;
    END IF;

    TRUNCATE merge_days;
    INSERT INTO merge_days
      SELECT (hour AT TIME ZONE 'UTC')::date FROM usage_hourly WHERE cloud_account_id = target
      UNION SELECT (hour AT TIME ZONE 'UTC')::date FROM emissions_hourly WHERE cloud_account_id = target;

    WITH moved AS (
      DELETE FROM usage_hourly u USING merge_days m
      WHERE u.cloud_account_id = a.id AND (u.hour AT TIME ZONE 'UTC')::date = m.day
      RETURNING u.*)
    INSERT INTO usage_superseded (tenant_id, cloud_account_id, hour, dims_key, period_hours, provider, service, region,
      kind, unit, usage_type, instance_type, vcpus, memory_gb, gpu_model, gpu_count, storage_class, replication_hint,
      cpu_utilization, quantity, cost_amount, currency, tags, sync_run_id, source_kind, shape_key, reason)
    SELECT tenant_id, target, hour, dims_key, period_hours, provider, service, region,
      kind, unit, usage_type, instance_type, vcpus, memory_gb, gpu_model, gpu_count, storage_class, replication_hint,
      cpu_utilization, quantity, cost_amount, currency, tags, sync_run_id, source_kind, shape_key, 'merged'
    FROM moved;
    DELETE FROM emissions_hourly e USING merge_days m
      WHERE e.cloud_account_id = a.id AND (e.hour AT TIME ZONE 'UTC')::date = m.day;

    UPDATE usage_hourly SET cloud_account_id = target WHERE cloud_account_id = a.id;
    UPDATE emissions_hourly SET cloud_account_id = target WHERE cloud_account_id = a.id;
    UPDATE usage_superseded SET cloud_account_id = target WHERE cloud_account_id = a.id;
    DELETE FROM emissions_daily WHERE cloud_account_id = a.id;
    DELETE FROM emissions_monthly WHERE cloud_account_id = a.id;
    UPDATE emissions_monthly SET methodology_version = 'stale:account-merge' WHERE cloud_account_id = target;
    UPDATE sync_runs SET cloud_account_id = target WHERE cloud_account_id = a.id;
    UPDATE sync_runs SET details = replace(details::text, a.id::text, target::text)::jsonb
      WHERE tenant_id = a.tenant_id AND details::text LIKE '%' || a.id::text || '%';
    UPDATE provider_reported_emissions SET cloud_account_id = target, provider_account_id = a.canonical
      WHERE cloud_account_id = a.id;
    UPDATE reports SET boundary_account_ids = array_replace(boundary_account_ids, a.id, target)
      WHERE status = 'draft' AND a.id = ANY(boundary_account_ids);
    INSERT INTO audit_log (tenant_id, actor_label, action, target_type, target_id, details)
      VALUES (a.tenant_id, 'migration 0012', 'account.merge', 'cloud_account', target::text,
              jsonb_build_object('mergedAccountId', a.id, 'mergedProviderAccountId', a.provider_account_id,
                                 'providerAccountId', a.canonical));
    DELETE FROM cloud_accounts WHERE id = a.id;
    merged := merged + 1;
  END LOOP;
  DROP TABLE merge_days;
  RETURN merged;
END
$$;
--> statement-breakpoint
SELECT merge_duplicate_cloud_accounts();
