import { z } from "zod";

/** Schemas of /api/v1/grid/datasets (the shared grid-intensity store; instance administrators only). */

const noticeSchema = z.object({ licence: z.string(), attribution: z.string(), url: z.string() });

export const gridLoadSchema = z.object({
  id: z.uuid(),
  source: z.string().describe('e.g. "electricitymaps-dataset", "neso-carbon-intensity"'),
  sourceVersion: z.string(),
  label: z.string().describe("File name or the synced window"),
  zones: z.array(z.string()),
  firstHour: z.iso.datetime().nullable(),
  lastHour: z.iso.datetime().nullable(),
  rowsWritten: z.number().int(),
  rowsRevised: z.number().int().describe("Hours whose stored value changed (previous values kept)"),
  loadedAt: z.iso.datetime(),
  failure: z.string().nullable().describe("Why a scheduled sync of this source failed, else null"),
});

export const gridLoadListSchema = z.object({
  items: z.array(gridLoadSchema),
  notice: noticeSchema,
});

export const gridDatasetBodySchema = z.object({
  file: z
    .string()
    .describe("One Electricity Maps hourly dataset file, named like DE_2025_hourly.csv (binary)"),
});

export const gridDatasetCreatedSchema = z.object({
  loadId: z.uuid(),
  fileName: z.string(),
  zone: z.string(),
  hours: z.number().int(),
  rowsWritten: z.number().int(),
  rowsRevised: z.number().int(),
  firstHour: z.iso.datetime().nullable(),
  lastHour: z.iso.datetime().nullable(),
  restatement: z
    .object({ status: z.string(), windows: z.number().int() })
    .nullable()
    .describe("The re-estimation queued for the account-months in the file's zone and hours"),
  notice: noticeSchema,
});
