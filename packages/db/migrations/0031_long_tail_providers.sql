-- Providers without a model in the data pack (docs/methodology.md section 2.12): OCI, IBM Cloud,
-- Alibaba Cloud, and any other FOCUS service provider (its name is kept in the account id).
ALTER TYPE "public"."cloud_provider" ADD VALUE IF NOT EXISTS 'oci';--> statement-breakpoint
ALTER TYPE "public"."cloud_provider" ADD VALUE IF NOT EXISTS 'ibm';--> statement-breakpoint
ALTER TYPE "public"."cloud_provider" ADD VALUE IF NOT EXISTS 'alibaba';--> statement-breakpoint
ALTER TYPE "public"."cloud_provider" ADD VALUE IF NOT EXISTS 'other';
