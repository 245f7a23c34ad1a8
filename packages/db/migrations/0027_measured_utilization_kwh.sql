-- Facility kWh whose compute power used measured CPU utilization, summed like kwh_hourly_grid so the
-- dashboard's "share of compute energy on measured utilization" reads the rollups, not a join.
ALTER TABLE "emissions_hourly" ADD COLUMN "kwh_measured_utilization" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_daily" ADD COLUMN "kwh_measured_utilization" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_monthly" ADD COLUMN "kwh_measured_utilization" double precision DEFAULT 0 NOT NULL;
