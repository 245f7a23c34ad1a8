-- Completeness and uncertainty (@canopy/methodology completeness.ts, headlines.ts): every emissions row carries
-- its spend-based CO2e, the parts of its cost estimated from spend and out of scope, and the low/high of its
-- total CO2e. Rows written before this migration get a zero-width range (low = high = their total) and no
-- spend-based or out-of-scope split until the re-estimation job rewrites them.
ALTER TABLE "emissions_daily" ADD COLUMN "co2e_spend_based_kg" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_daily" ADD COLUMN "co2e_low_kg" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_daily" ADD COLUMN "co2e_high_kg" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_daily" ADD COLUMN "cost_spend_based_amount" numeric(20, 8) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_daily" ADD COLUMN "cost_out_of_scope_amount" numeric(20, 8) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_hourly" ADD COLUMN "co2e_spend_based_kg" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_hourly" ADD COLUMN "co2e_low_kg" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_hourly" ADD COLUMN "co2e_high_kg" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_hourly" ADD COLUMN "cost_spend_based_amount" numeric(20, 8) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_hourly" ADD COLUMN "cost_out_of_scope_amount" numeric(20, 8) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_monthly" ADD COLUMN "co2e_spend_based_kg" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_monthly" ADD COLUMN "co2e_low_kg" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_monthly" ADD COLUMN "co2e_high_kg" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_monthly" ADD COLUMN "cost_spend_based_amount" numeric(20, 8) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "emissions_monthly" ADD COLUMN "cost_out_of_scope_amount" numeric(20, 8) DEFAULT '0' NOT NULL;--> statement-breakpoint
UPDATE "emissions_hourly" SET "co2e_low_kg" = "co2e_location_kg" + "co2e_embodied_kg", "co2e_high_kg" = "co2e_location_kg" + "co2e_embodied_kg";--> statement-breakpoint
UPDATE "emissions_daily" SET "co2e_low_kg" = "co2e_location_kg" + "co2e_embodied_kg", "co2e_high_kg" = "co2e_location_kg" + "co2e_embodied_kg";--> statement-breakpoint
UPDATE "emissions_monthly" SET "co2e_low_kg" = "co2e_location_kg" + "co2e_embodied_kg", "co2e_high_kg" = "co2e_location_kg" + "co2e_embodied_kg";
