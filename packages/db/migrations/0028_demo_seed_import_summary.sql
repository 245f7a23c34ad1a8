-- The demo seed recorded its run as an import whose details were {"source":"demo seed"}, not an import
-- summary, so readers that parse sync_runs.details (@canopy/db/json importSummarySchema) refused it.
-- The run becomes the summary of what the seed stored: generated usage, no uploaded file (fileKey ''
-- is never pruned, bytes 0 never count against the quota), its line and row counts, its cost.
UPDATE sync_runs s
SET details = jsonb_build_object(
  'fileName', 'Generated demo usage (demo seed)',
  'fileKey', '',
  'bytes', 0,
  'format', 'demo',
  'sourceKind', 'demo',
  'linesRead', s.rows_read,
  'linesImported', s.rows_read,
  'usageRowsWritten', s.rows_written,
  'skipped', '{}'::jsonb,
  'costTotal', (SELECT coalesce(sum(u.cost_amount), 0)::float8 FROM usage_hourly u WHERE u.sync_run_id = s.id),
  'progress', jsonb_build_object('linesRead', s.rows_read, 'percent', 100)
)
WHERE s.kind = 'import' AND s.details = '{"source":"demo seed"}'::jsonb;
