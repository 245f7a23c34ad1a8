CREATE TYPE "public"."connection_check_status" AS ENUM('checking', 'passed', 'failed');--> statement-breakpoint
ALTER TABLE "cloud_accounts" ADD COLUMN "connection_check_status" "connection_check_status";--> statement-breakpoint
ALTER TABLE "cloud_accounts" ADD COLUMN "connection_checks" jsonb;--> statement-breakpoint
ALTER TABLE "cloud_accounts" ADD COLUMN "connection_checked_at" timestamp with time zone;