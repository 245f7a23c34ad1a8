import {
  applyStoredUtilization,
  ensureEmissionsPartitions,
  monthsBetween,
  readHourlyIntensities,
  readUsageWindow,
  replaceEmissionsFromFactors,
  replaceEmissionsWindow,
  usageShapes,
  withTenantClient,
} from "@canopy/db";
import { createEstimator, type Provider } from "@canopy/methodology";
import { defineJob } from "../contract";
import { estimateUsagePages, shapeFactorsOf } from "../estimation";
import {
  createZoneLookup,
  estimatorWithHourly,
  hourlyGridBoundary,
  probeEstimators,
} from "../hourly-grid";
import { loadTenantAccount } from "../tenant-guard";
import { toWindow, windowPayload } from "../window-payload";

/**
 * Estimates the stored usage of one account window and replaces that window's hourly emissions in
 * one transaction, then queues the rollup. Usually set-based: the method runs once per distinct usage
 * shape and PostgreSQL multiplies quantities by the per-unit factors, with the hour's grid intensity
 * (grid_intensity_hourly) where the shape's zone has one; if any shape is not linear in quantity,
 * every row goes through the method instead, with the same hourly intensities and the same spreading
 * of daily and monthly rows. Re-running it gives the same rows, so a retry after a crash never double
 * counts.
 */
export const estimateWindow = defineJob({
  name: "estimate-window",
  payload: windowPayload,
  // One organization's year of months takes at most two slots of the fleet's.
  options: { attempts: 5, backoffMs: 5_000, concurrency: 2, perTenantConcurrency: 2 },
  async process(payload, deps, context) {
    await loadTenantAccount(deps.app, payload.tenantId, payload.cloudAccountId);
    const window = toWindow(payload);
    // Partitions are DDL: created through the owner connection (the app role may not, migration 0013).
    await ensureEmissionsPartitions(
      deps.owner.pool,
      window.start,
      monthsBetween(window.start, window.end).length,
    );
    const profile = payload.profile ?? "canopy";
    const estimator = createEstimator({ profile });
    const boundary = hourlyGridBoundary(profile);
    const zoneOf = createZoneLookup(profile);
    const { rowsWritten, shapes, setBased } = await withTenantClient(
      deps.app,
      payload.tenantId,
      async (writer) => {
        // Measured CPU stored for the window applies to usage written since (docs/methodology.md §2.1.1).
        await applyStoredUtilization(writer, window);
        const shapes = await usageShapes(writer, window);
        const shapeZone = (shape: (typeof shapes)[number]) =>
          zoneOf(shape.provider, shape.region, shape.firstHour.getUTCFullYear());
        const hourly = boundary
          ? { probes: probeEstimators(profile), zoneOf: shapeZone }
          : undefined;
        const factors = shapeFactorsOf(shapes, estimator, hourly);
        if (factors) {
          return {
            rowsWritten: await replaceEmissionsFromFactors(writer, window, factors, boundary),
            shapes: shapes.length,
            setBased: true,
          };
        }
        const zones = boundary
          ? [...new Set(shapes.map(shapeZone).filter((zone) => zone !== null))]
          : [];
        const intensities = boundary
          ? await readHourlyIntensities(writer, zones, window.start, window.end, boundary)
          : new Map<string, Map<number, number>>();
        const rowEstimator = estimatorWithHourly(profile, intensities);
        const spread = {
          window,
          hourlyZoneOf: (row: { provider: Provider; region: string; hour: Date }) => {
            const zone = zoneOf(row.provider, row.region, row.hour.getUTCFullYear());
            return zone !== null && intensities.has(zone) ? zone : null;
          },
        };
        // Usage is read through a cursor on a second connection while COPY writes on this one.
        let rowsEstimated = 0;
        const rowsWritten = await withTenantClient(deps.app, payload.tenantId, (reader) => {
          const emissions = estimateUsagePages(
            readUsageWindow(reader, window),
            rowEstimator,
            (n) => {
              rowsEstimated += n;
              void context.reportProgress({ stage: "estimate", rowsEstimated });
            },
            spread,
          );
          return replaceEmissionsWindow(writer, payload.tenantId, window, emissions);
        });
        return { rowsWritten, shapes: shapes.length, setBased: false };
      },
    );
    await deps.enqueue("rollup-days", payload);
    return { rowsWritten, shapes, setBased, methodologyVersion: estimator.methodologyVersion };
  },
});
