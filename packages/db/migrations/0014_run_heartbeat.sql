-- The watchdog's heartbeat of a running import or sync (jobs/watchdog.ts) moves out of details, which
-- the jobs' own progress updates replace wholesale, into columns of its own.
ALTER TABLE "sync_runs" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "attempt" integer;--> statement-breakpoint
UPDATE "sync_runs" SET "heartbeat_at" = ("details"->>'progressAt')::timestamptz, "attempt" = ("details"->>'attempt')::int
WHERE "status" = 'running' AND "details" ? 'progressAt';
