-- Everything an estimate depends on besides the quantity and the year: rows with the same shape get
-- the same per-unit factors, so estimation runs once per (shape, year) instead of once per row.
CREATE OR REPLACE FUNCTION usage_shape_key(
  provider cloud_provider, region text, period_hours real, kind text, unit text, service text, usage_type text,
  instance_type text, vcpus real, memory_gb real, storage_class text, replication_hint real, gpu_model text,
  gpu_count real, cpu_utilization real
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT md5(concat_ws('|', provider, region, period_hours, kind, unit, service, usage_type, instance_type,
    coalesce(vcpus::text, '-'), coalesce(memory_gb::text, '-'), coalesce(storage_class, '-'),
    coalesce(replication_hint::text, '-'), coalesce(gpu_model, '-'), coalesce(gpu_count::text, '-'),
    coalesce(cpu_utilization::text, '-')))
$$;
--> statement-breakpoint
ALTER TABLE "usage_hourly" ADD COLUMN "shape_key" text;
--> statement-breakpoint
UPDATE "usage_hourly" SET "shape_key" = usage_shape_key(provider, region, period_hours, kind, unit, service, usage_type,
  instance_type, vcpus, memory_gb, storage_class, replication_hint, gpu_model, gpu_count, cpu_utilization);
--> statement-breakpoint
ALTER TABLE "usage_hourly" ALTER COLUMN "shape_key" SET NOT NULL;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION usage_shape_key(cloud_provider, text, real, text, text, text, text, text, real, real, text, real, text, real, real) TO canopy_app_role;
