"use server";
import { z } from "zod";
import { CarbonExportError, importCarbonExport } from "@canopy/jobs";
import { withTenantAction } from "@/lib/server/action";
import { ApiError } from "@/lib/server/api-error";
import { appDb } from "@/lib/server/db";
import { packProviders as providers } from "@canopy/methodology/providers";

/** Server actions take at most 1 MB (Next's default body limit); larger exports go through the CLI. */
const maxChars = 900_000;

/**
 * "Import a carbon export" on /reconciliation (admins): the file's text, read in the browser, goes
 * through the same import as `canopy import-carbon`. A malformed file is refused (400
 * invalid_carbon_export, with the lines) and stores nothing; the answer says what was replaced.
 */
export const importCarbonExportFile = withTenantAction(
  z.object({
    fileName: z.string().min(1).max(255),
    provider: z.enum(providers).optional(),
    text: z
      .string()
      .min(1, "The file is empty.")
      .max(
        maxChars,
        "The file is over 900 KB: import it with `pnpm canopy import-carbon <file> --org <slug>`.",
      ),
  }),
  async (input, ctx) => {
    try {
      return await importCarbonExport(appDb(), ctx.principal.tenantId, {
        text: input.text,
        fileName: input.fileName,
        ...(input.provider ? { provider: input.provider } : {}),
        actorLabel: ctx.principal.actorLabel,
        actorUserId: ctx.principal.userId,
      });
    } catch (error) {
      if (error instanceof CarbonExportError)
        throw new ApiError(400, "invalid_carbon_export", `${input.fileName}: ${error.message}`);
      throw error;
    }
  },
  { permission: "imports.create" },
);
