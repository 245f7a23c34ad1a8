import { readCarbonExport, type CarbonExportResult } from "@canopy/connectors";
import {
  storeImportedFigures,
  withTenantClient,
  type Connection,
  type ReplacedFigures,
} from "@canopy/db";

export type CarbonImportSummary = {
  provider: CarbonExportResult["provider"];
  rowsRead: number;
  /** Figures stored (one per account × month × region × service × scope × model version). */
  stored: number;
  months: string[];
  /** kg CO2e stored, per scope. */
  co2eKgByScope: Record<string, number>;
  /** What earlier imports of the same keys had stored, now replaced. */
  replaced: ReplacedFigures[];
};

/**
 * Imports a provider's carbon export file (AWS CARBON_EMISSIONS CSV, GCP Carbon Footprint CSV) into
 * an organization's provider-reported figures: the one path of `canopy import-carbon` and the upload
 * on /reconciliation. A malformed file throws CarbonExportError and stores nothing.
 */
export async function importCarbonExport(
  app: Connection,
  tenantId: string,
  file: {
    text: string;
    fileName: string;
    provider?: "aws" | "azure" | "gcp";
    actorLabel: string;
    actorUserId?: string | null;
  },
): Promise<CarbonImportSummary> {
  const read = readCarbonExport(file.text, file.provider ? { provider: file.provider } : {});
  const { stored, replaced } = await withTenantClient(app, tenantId, (client) =>
    storeImportedFigures(client, tenantId, read.figures, {
      actorLabel: file.actorLabel,
      actorUserId: file.actorUserId ?? null,
      fileName: file.fileName,
    }),
  );
  const co2eKgByScope: Record<string, number> = {};
  for (const f of read.figures) co2eKgByScope[f.scope] = (co2eKgByScope[f.scope] ?? 0) + f.co2eKg;
  return {
    provider: read.provider,
    rowsRead: read.rowsRead,
    stored,
    months: [...new Set(read.figures.map((f) => f.month))].sort(),
    co2eKgByScope,
    replaced,
  };
}
