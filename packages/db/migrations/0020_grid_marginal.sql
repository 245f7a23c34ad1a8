CREATE TABLE "grid_marginal_hourly" (
	"region" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"signal" text NOT NULL,
	"source" text NOT NULL,
	"model_version" text NOT NULL,
	"g_co2_per_kwh" double precision NOT NULL,
	"samples" integer NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "grid_marginal_hourly_region_signal_hour_pk" PRIMARY KEY("region","signal","hour"),
	CONSTRAINT "grid_marginal_hourly_range" CHECK ("grid_marginal_hourly"."g_co2_per_kwh" >= 0 AND "grid_marginal_hourly"."g_co2_per_kwh" <= 2000)
);
