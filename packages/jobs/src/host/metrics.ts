import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { JobEvents, QueueDriver } from "@canopy/jobs";

/** Prometheus metrics for the worker: jobs processed/failed/duration, queue depth, rows written. */
export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const processed = new Counter({
    name: "canopy_jobs_processed_total",
    help: "Jobs that completed successfully",
    labelNames: ["job"],
    registers: [registry],
  });
  const failed = new Counter({
    name: "canopy_jobs_failed_total",
    help: "Job attempts that failed (retried or final)",
    labelNames: ["job", "final"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "canopy_job_duration_seconds",
    help: "Job attempt duration",
    labelNames: ["job"],
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [registry],
  });
  const rowsWritten = new Counter({
    name: "canopy_rows_written_total",
    help: "Rows written by jobs (usage, emissions, rollups)",
    labelNames: ["job"],
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: "canopy_queue_depth",
    help: "Jobs waiting or active per queue",
    labelNames: ["job", "state"],
    registers: [registry],
  });

  const events: JobEvents = {
    onCompleted(job, durationMs, result) {
      processed.inc({ job });
      duration.observe({ job }, durationMs / 1000);
      const rows = (result as { rowsWritten?: unknown } | undefined)?.rowsWritten;
      if (typeof rows === "number") rowsWritten.inc({ job }, rows);
    },
    onFailed(job, durationMs, _error, willRetry) {
      failed.inc({ job, final: String(!willRetry) });
      duration.observe({ job }, durationMs / 1000);
    },
  };

  async function render(driver: QueueDriver): Promise<string> {
    queueDepth.reset();
    for (const [job, counts] of Object.entries(await driver.stats())) {
      queueDepth.set({ job, state: "waiting" }, counts.waiting);
      queueDepth.set({ job, state: "active" }, counts.active);
    }
    return registry.metrics();
  }

  return { events, render, contentType: registry.contentType };
}
