import {
  electricityMapsDatasetSourceName,
  parseElectricityMapsDataset,
  type GridDataset,
} from "@canopy/connectors/electricitymaps";
import { writeGridIntensity, type Connection, type GridIntensityLoadResult } from "@canopy/db";

/**
 * Loads one Electricity Maps hourly dataset file into grid_intensity_hourly: the whole file is read
 * and checked first (GridDatasetError names the bad line), then written in one transaction by
 * writeGridIntensity, so a bad file stores nothing. `afterLoad` gets each written load: the hook
 * where re-estimation of the affected windows is queued.
 */
export type GridDatasetImportDeps = {
  owner: Connection;
  afterLoad?: (load: GridIntensityLoadResult) => Promise<void>;
};

export type GridDatasetImportResult = GridIntensityLoadResult & {
  fileName: string;
  zone: string;
  /** Data rows of the file (each row is one hour, direct and lifecycle). */
  rows: number;
  sourceVersion: string;
};

export async function importGridDataset(
  deps: GridDatasetImportDeps,
  fileName: string,
  chunks: AsyncIterable<Uint8Array | string>,
): Promise<GridDatasetImportResult> {
  const dataset: GridDataset = await parseElectricityMapsDataset(fileName, chunks);
  const load = await writeGridIntensity(deps.owner, {
    source: electricityMapsDatasetSourceName,
    sourceVersion: dataset.sourceVersion,
    label: fileName,
    points: dataset.points,
  });
  await deps.afterLoad?.(load);
  return {
    ...load,
    fileName,
    zone: dataset.zone,
    rows: dataset.rows,
    sourceVersion: dataset.sourceVersion,
  };
}

export { GridDatasetError, electricityMapsDatasetNotice } from "@canopy/connectors/electricitymaps";
