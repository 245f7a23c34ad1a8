import type { BoundaryAccount, ReportContent } from "./types";

export type BoundarySummary = {
  /** The accounts with emissions in the period (all of the boundary for versions locked before this was recorded). */
  withData: BoundaryAccount[];
  /** Accounts in the boundary with no emissions in the period; null for versions locked before it was recorded. */
  withoutDataCount: number | null;
  /** One sentence every format prints. */
  text: string;
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The boundary as every format states it: the accounts that have data in the period, and how many
 * in the boundary have none (not "all 86 accounts" when most of them have no data).
 */
export function boundarySummary(content: ReportContent): BoundarySummary {
  const { boundary, period } = content;
  const names = (accounts: BoundaryAccount[]) =>
    accounts.map((a) => `${a.displayName} (${a.providerAccountId})`).join("; ");
  if (!boundary.accountIdsWithData) {
    const text = boundary.allAccounts
      ? `All ${boundary.accounts.length} cloud accounts of the organization`
      : `${plural(boundary.accounts.length, "selected account", "selected accounts")}: ${names(boundary.accounts)}`;
    return { withData: boundary.accounts, withoutDataCount: null, text };
  }
  const ids = new Set(boundary.accountIdsWithData);
  const withData = boundary.accounts.filter((a) => ids.has(a.id));
  const without = boundary.accounts.length - withData.length;
  const scope = boundary.allAccounts
    ? `of the organization's ${plural(boundary.accounts.length, "cloud account", "cloud accounts")}`
    : `of ${plural(boundary.accounts.length, "selected account", "selected accounts")}`;
  const everyAccount =
    boundary.allAccounts && without === 0
      ? `${withData.length === 1 ? "The organization's one cloud account has" : `All ${withData.length} cloud accounts of the organization have`} data in ${period.label}`
      : null;
  const head =
    everyAccount ??
    (withData.length === 0
      ? `No account ${scope} has data in ${period.label}`
      : `${plural(withData.length, "account", "accounts")} ${scope} ${withData.length === 1 ? "has" : "have"} data in ${period.label}`);
  const tail =
    without > 0 && withData.length > 0
      ? ` (${without} ${without === 1 ? "has" : "have"} none)`
      : "";
  return {
    withData,
    withoutDataCount: without,
    text: withData.length ? `${head}${tail}: ${names(withData)}` : head,
  };
}
