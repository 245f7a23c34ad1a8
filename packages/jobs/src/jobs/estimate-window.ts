import {
  ensureEmissionsPartitions,
  readUsageWindow,
  replaceEmissionsFromFactors,
  replaceEmissionsWindow,
  usageShapes,
  withTenantClient,
} from "@canopy/db";
import { createEstimator } from "@canopy/methodology";
import { defineJob } from "../contract";
import { monthsBetween } from "../months";
import { estimateUsagePages, shapeFactorsOf } from "../estimation";
import { loadTenantAccount } from "../tenant-guard";
import { toWindow, windowPayload } from "../window-payload";

/**
 * Estimates the stored usage of one account window and replaces that window's hourly emissions in
 * one transaction, then queues the rollup. Usually set-based: the method runs once per distinct usage
 * shape and PostgreSQL multiplies quantities by the per-unit factors; if any shape is not linear in
 * quantity, every row goes through the method instead. Re-running it gives the same rows, so a retry
 * after a crash never double counts.
 */
export const estimateWindow = defineJob({
  name: "estimate-window",
  payload: windowPayload,
  options: { attempts: 5, backoffMs: 5_000, concurrency: 2 },
  async process(payload, deps, context) {
    await loadTenantAccount(deps.app, payload.tenantId, payload.cloudAccountId);
    const window = toWindow(payload);
    // Partitions are DDL: created through the owner connection (the app role may not, migration 0013).
    await ensureEmissionsPartitions(
      deps.owner.pool,
      window.start,
      monthsBetween(window.start, window.end).length,
    );
    const estimator = createEstimator(payload.profile ? { profile: payload.profile } : {});
    const { rowsWritten, shapes, setBased } = await withTenantClient(
      deps.app,
      payload.tenantId,
      async (writer) => {
        const shapes = await usageShapes(writer, window);
        const factors = shapeFactorsOf(shapes, estimator);
        if (factors) {
          return {
            rowsWritten: await replaceEmissionsFromFactors(writer, window, factors),
            shapes: shapes.length,
            setBased: true,
          };
        }
        // Usage is read through a cursor on a second connection while COPY writes on this one.
        let rowsEstimated = 0;
        const rowsWritten = await withTenantClient(deps.app, payload.tenantId, (reader) => {
          const emissions = estimateUsagePages(readUsageWindow(reader, window), estimator, (n) => {
            rowsEstimated += n;
            void context.reportProgress({ stage: "estimate", rowsEstimated });
          });
          return replaceEmissionsWindow(writer, payload.tenantId, window, emissions);
        });
        return { rowsWritten, shapes: shapes.length, setBased: false };
      },
    );
    await deps.enqueue("rollup-days", payload);
    return { rowsWritten, shapes, setBased, methodologyVersion: estimator.methodologyVersion };
  },
});
