-- Partition creation is DDL: only the owner connection (jobs' deps.owner, migrations, the seed) may ask
-- for it, and within limits. Before, the app role could execute ensure_emissions_partitions with up to
-- 600 months per call, and a billing line dated 1900 or 2999 made the estimate job create a partition
-- for every month in between (13,171 partitions exhausted shared memory for every tenant).
-- Limits: at most 60 months per call, and every month between 2000-01 and five years after now.
CREATE OR REPLACE FUNCTION ensure_emissions_partitions(from_month date, months integer)
  RETURNS integer
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = public, pg_temp
AS $$
DECLARE
  month_start date := date_trunc('month', from_month)::date;
  earliest date := date '2000-01-01';
  latest date := (date_trunc('month', now()) + interval '5 years')::date;
  partition_name text;
  created integer := 0;
BEGIN
  IF months IS NULL OR months < 1 OR months > 60 THEN
    RAISE EXCEPTION 'months must be between 1 and 60, got %', months USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF month_start IS NULL OR month_start < earliest OR (month_start + make_interval(months => months - 1))::date > latest THEN
    RAISE EXCEPTION 'emissions partitions must lie between % and %, got % for % months', earliest, latest, month_start, months
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR i IN 0 .. months - 1 LOOP
    partition_name := format('emissions_hourly_%s', to_char(month_start, 'YYYY_MM'));
    IF to_regclass(partition_name) IS NULL THEN
      BEGIN
        EXECUTE format(
          'CREATE TABLE %I PARTITION OF emissions_hourly FOR VALUES FROM (%L) TO (%L)',
          partition_name,
          month_start::text || ' 00:00:00+00',
          (month_start + interval '1 month')::date::text || ' 00:00:00+00'
        );
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', partition_name);
        created := created + 1;
      EXCEPTION WHEN duplicate_table THEN
        NULL; -- created concurrently by another writer
      END;
    END IF;
    month_start := (month_start + interval '1 month')::date;
  END LOOP;
  RETURN created;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION ensure_emissions_partitions(date, integer) FROM PUBLIC;
--> statement-breakpoint
REVOKE EXECUTE ON FUNCTION ensure_emissions_partitions(date, integer) FROM canopy_app_role;
