ALTER TABLE "emissions_daily" ADD COLUMN "kwh_hourly_grid" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_daily" ADD COLUMN "kwh_disaggregated" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_hourly" ADD COLUMN "kwh_hourly_grid" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_hourly" ADD COLUMN "kwh_disaggregated" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_monthly" ADD COLUMN "kwh_hourly_grid" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_monthly" ADD COLUMN "kwh_disaggregated" double precision DEFAULT 0 NOT NULL;