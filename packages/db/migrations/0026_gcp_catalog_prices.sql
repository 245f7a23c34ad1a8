CREATE TABLE "gcp_catalog_prices" (
	"sku_id" text NOT NULL,
	"region" text NOT NULL,
	"currency_code" text NOT NULL,
	"effective_time" timestamp with time zone NOT NULL,
	"description" text NOT NULL,
	"component" text NOT NULL,
	"machine_family" text,
	"usage_unit" text NOT NULL,
	"unit_price" double precision NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gcp_catalog_prices_sku_id_region_currency_code_effective_time_pk" PRIMARY KEY("sku_id","region","currency_code","effective_time"),
	CONSTRAINT "gcp_catalog_prices_unit_price_range" CHECK ("gcp_catalog_prices"."unit_price" >= 0),
	CONSTRAINT "gcp_catalog_prices_component" CHECK ("gcp_catalog_prices"."component" IN ('core', 'ram', 'pd-standard'))
);
--> statement-breakpoint
CREATE INDEX "gcp_catalog_prices_lookup_idx" ON "gcp_catalog_prices" USING btree ("currency_code","component","machine_family","region","effective_time");
