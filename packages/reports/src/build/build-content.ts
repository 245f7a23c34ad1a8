import type { PoolClient } from "@canopy/db";
import { disableJitForTransaction, targetReports, usageSources } from "@canopy/db";
import { dataPacks } from "@canopy/methodology";
import {
  methodologyMarkdown,
  methodologySha256,
  methodologySource,
} from "../methodology/methodology.generated";
import type { ReportContent, ReportParameters } from "../model/types";
import type { ReportPeriod } from "../period";
import { assembleContent } from "./assemble";
import {
  loadDataDays,
  loadAccounts,
  loadImportRuns,
  loadMonthlyRows,
  loadOtherKindCost,
  loadOrganization,
  loadProviderFigures,
  scanHourly,
} from "./queries";
import { reportRanges } from "./ranges";

export type ReportScope = {
  period: ReportPeriod;
  /** Accounts in the boundary; null = every account of the organization. */
  cloudAccountIds: string[] | null;
  parameters: ReportParameters;
};

export class ReportInputError extends Error {
  override name = "ReportInputError";
}

/**
 * Reads everything the report shows for one organization (the tenant of `client`'s transaction) and
 * assembles the content. Read-only; runs inside the caller's `withTenantClient` transaction.
 */
export async function buildReportContent(
  client: PoolClient,
  scope: ReportScope,
): Promise<ReportContent> {
  await disableJitForTransaction(client);
  const organization = await loadOrganization(client);
  if (!organization) throw new ReportInputError("Organization not found");
  const allAccounts = await loadAccounts(client);
  const accounts = scope.cloudAccountIds
    ? allAccounts.filter((account) => scope.cloudAccountIds!.includes(account.id))
    : allAccounts;
  const missing = (scope.cloudAccountIds ?? []).filter(
    (id) => !allAccounts.some((a) => a.id === id),
  );
  if (missing.length)
    throw new ReportInputError(`Cloud account(s) not in this organization: ${missing.join(", ")}`);
  const accountIds = accounts.map((a) => a.id);
  const { period } = scope;
  const ranges = reportRanges(period);
  const startTs = `${period.start}T00:00:00Z`;
  const endTs = `${period.end}T00:00:00Z`;

  const monthly = await loadMonthlyRows(
    client,
    ranges.monthly.start,
    ranges.monthly.end,
    accountIds,
  );
  const dataDays = await loadDataDays(client, ranges.monthly.start, ranges.monthly.end, accountIds);
  const hourly = await scanHourly(client, startTs, endTs, accountIds, scope.parameters.tagKeys);
  const sources = await usageSources(client, {
    start: startTs,
    end: endTs,
    cloudAccountIds: accountIds,
  });
  const importRuns = await loadImportRuns(client, startTs, endTs);
  const providerFigures = await loadProviderFigures(client, period.start, period.end);
  const otherKindCost = await loadOtherKindCost(client, startTs, endTs, accountIds);

  // Targets are organization-wide: a report of chosen accounts leaves them out. As of the period's
  // end, so a report of a past month shows what the trend said then, and regenerating it is stable.
  const lastDayMs = Date.parse(endTs) - 86_400_000;
  const targets =
    scope.cloudAccountIds === null
      ? await targetReports(client, {
          asOf: new Date(endTs),
          year: new Date(lastDayMs).getUTCFullYear(),
        })
      : [];

  const content = assembleContent({
    organization,
    period,
    ranges,
    boundary: { allAccounts: scope.cloudAccountIds === null, accounts },
    parameters: scope.parameters,
    monthly,
    dataDays,
    hourly,
    usageSources: sources,
    importRuns,
    providerFigures,
    otherKindCost,
    methodology: {
      source: methodologySource,
      sha256: methodologySha256,
      markdown: methodologyMarkdown,
    },
    packChecksum: (name) => dataPacks[name]?.checksum,
  });
  return { ...content, targets };
}
