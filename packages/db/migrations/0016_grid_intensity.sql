CREATE TABLE "grid_intensity_hourly" (
	"zone" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"boundary" text NOT NULL,
	"source" text NOT NULL,
	"source_version" text NOT NULL,
	"g_co2e_per_kwh" double precision NOT NULL,
	"estimated" boolean DEFAULT false NOT NULL,
	"load_id" uuid NOT NULL,
	CONSTRAINT "grid_intensity_hourly_zone_boundary_source_hour_pk" PRIMARY KEY("zone","boundary","source","hour"),
	CONSTRAINT "grid_intensity_hourly_boundary" CHECK ("grid_intensity_hourly"."boundary" IN ('direct', 'lifecycle')),
	CONSTRAINT "grid_intensity_hourly_range" CHECK ("grid_intensity_hourly"."g_co2e_per_kwh" >= 0 AND "grid_intensity_hourly"."g_co2e_per_kwh" <= 2000)
);
--> statement-breakpoint
CREATE TABLE "grid_intensity_loads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source" text NOT NULL,
	"source_version" text NOT NULL,
	"label" text NOT NULL,
	"zones" text[] NOT NULL,
	"first_hour" timestamp with time zone,
	"last_hour" timestamp with time zone,
	"rows_written" integer DEFAULT 0 NOT NULL,
	"rows_revised" integer DEFAULT 0 NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "grid_intensity_superseded" (
	"zone" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"boundary" text NOT NULL,
	"source" text NOT NULL,
	"source_version" text NOT NULL,
	"g_co2e_per_kwh" double precision NOT NULL,
	"estimated" boolean DEFAULT false NOT NULL,
	"load_id" uuid NOT NULL,
	"superseded_by_load_id" uuid NOT NULL,
	"superseded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "grid_intensity_superseded_zone_hour_idx" ON "grid_intensity_superseded" USING btree ("zone","hour");