/**
 * One identity per cloud account, whatever the format it was read from (CUR, Athena, Cost Explorer,
 * Azure cost details / Query API, GCP export / BigQuery, FOCUS). Pure; throws `RowValueError` with an
 * actionable message when an id cannot be normalized, so the classifiers report the line as an error.
 *
 * - AWS: the 12-digit account id. Spreadsheets drop leading zeros, so 1–11 digits are left-padded to 12
 *   (with a warning); letters or more than 12 digits are an error.
 * - Azure: the subscription GUID, lower-case, without a `/subscriptions/` prefix or anything after the
 *   GUID (`/resourceGroups/…`). FOCUS writes `SubAccountId` as `/subscriptions/<guid>`, cost details
 *   write the bare GUID; both become the bare GUID.
 * - GCP: the project id, trimmed and lower-case. Lines without a project (billing-account-level
 *   support, some credits and taxes) belong to the billing account: the classifiers then use
 *   `canonicalBillingAccountId("gcp", billing_account_id)` as the account id.
 * - OCI, IBM Cloud, Alibaba Cloud and other providers: the id as written, trimmed (OCI tenancy or
 *   compartment OCID, IBM account id, Alibaba account id). An `other` provider's id carries the
 *   provider's name, `Vercel:team_abc`, so two providers' ids cannot meet (the FOCUS reader adds it).
 */
import { providerNames, providers, type UsageRecord } from "@canopy/methodology";
import { RowValueError } from "./cell-values";
import type { RowError } from "./types";

export type CanonicalAccountId = { id: string; warning?: string };

/**
 * A line's own account id cannot be read. Unlike other row errors this refuses the whole file: a line
 * without a dependable identity could be counted under a second account for the same cloud account.
 */
export class AccountIdError extends RowValueError {}

type Provider = UsageRecord["provider"];

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const gcpProjectPattern = /^[a-z0-9][a-z0-9.:_-]*$/;

function shown(raw: string): string {
  return raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
}

function awsAccountId(raw: string, what: string): CanonicalAccountId {
  const text = raw.trim();
  if (text === "") throw new AccountIdError(`AWS ${what} is empty`);
  if (!/^\d+$/.test(text)) {
    throw new AccountIdError(`AWS ${what} "${shown(text)}" is not a 12-digit account id (digits only)`);
  }
  if (text.length > 12) {
    throw new AccountIdError(`AWS ${what} "${shown(text)}" has ${text.length} digits; an AWS account id has 12`);
  }
  if (text.length === 12) return { id: text };
  const id = text.padStart(12, "0");
  const digits = text.length === 1 ? "1 digit" : `${text.length} digits`;
  return { id, warning: `account id ${text} had ${digits}; read as ${id}` };
}

/** `/subscriptions/<GUID>/resourceGroups/…`, `<GUID>`, `{GUID}` → `<guid>`. */
function azureSubscriptionId(raw: string): CanonicalAccountId {
  const text = raw.trim();
  if (text === "") throw new AccountIdError("Azure subscription id is empty");
  let rest = text.replace(/^\/+/, "");
  if (/^subscriptions\//i.test(rest)) rest = rest.slice("subscriptions/".length);
  const guid = (rest.split("/")[0] ?? "").replace(/^\{(.*)\}$/, "$1").toLowerCase();
  if (guidPattern.test(guid)) return { id: guid };
  // Anonymised exports shorten GUIDs (the EA sample has "f908573f-1142-4b3c-999999999999"): still one
  // consistent id of hex digits and dashes, so the line is kept under it, with a warning.
  if (/^[0-9a-f]+(?:-[0-9a-f]+)+$/.test(guid))
    return { id: guid, warning: `Azure subscription id "${shown(text)}" is not a full subscription GUID; kept as written` };
  throw new AccountIdError(
    `Azure subscription id "${shown(text)}" is not a subscription GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`,
  );
}

const emptyMaps = <T>(): Record<Provider, Map<string, T>> =>
  Object.fromEntries(providers.map((p) => [p, new Map<string, T>()])) as Record<Provider, Map<string, T>>;

/** Any provider without its own id rules: trimmed, non-empty, one line of printable text. */
function writtenAccountId(provider: Provider, raw: string, what: string): CanonicalAccountId {
  const id = raw.trim();
  if (id === "") throw new AccountIdError(`${providerNames[provider]} ${what} is empty`);
  if (id.length > 512 || [...id].some((ch) => ch < " ")) {
    throw new AccountIdError(`${providerNames[provider]} ${what} "${shown(id)}" is not an account id (one line, at most 512 characters)`);
  }
  return { id };
}

function gcpProjectId(raw: string): CanonicalAccountId {
  const id = raw.trim().toLowerCase();
  if (id === "") throw new AccountIdError("GCP project id is empty");
  if (!gcpProjectPattern.test(id)) {
    throw new AccountIdError(`GCP project id "${shown(raw.trim())}" is not a project id (letters, digits, hyphens)`);
  }
  return { id };
}

/** Ids seen, per provider: a billing file repeats a few accounts on every line. */
const seenIds = emptyMaps<CanonicalAccountId>();

/** The account a record belongs to: AWS account, Azure subscription, GCP project. */
export function canonicalAccountId(provider: Provider, raw: string): CanonicalAccountId {
  const cache = seenIds[provider];
  let id = cache.get(raw);
  if (id === undefined) {
    id = normalizedAccountId(provider, raw);
    if (cache.size >= 10_000) cache.clear();
    cache.set(raw, id);
  }
  return id;
}

function normalizedAccountId(provider: Provider, raw: string): CanonicalAccountId {
  switch (provider) {
    case "aws":
      return awsAccountId(raw, "account id");
    case "azure":
      return azureSubscriptionId(raw);
    case "gcp":
      return gcpProjectId(raw);
    default:
      return writtenAccountId(provider, raw, "account id");
  }
}

/**
 * The parent billing account, or the account id of a line that has no sub-account:
 * - AWS: the payer account id (`bill/PayerAccountId`), same 12-digit rule as account ids.
 * - Azure: the billing account id as the file gives it (EA enrollment number, MCA
 *   `<guid>:<guid>_<date>` or billing profile id), trimmed, without a
 *   `/providers/Microsoft.Billing/billingAccounts/` prefix (FOCUS writes the ARM path).
 * - GCP: the billing account id (`010101-F0FFF0-61C528`), trimmed and upper-case.
 * Empty input is an error (callers check for empty cells first).
 */
export function canonicalBillingAccountId(provider: Provider, raw: string): CanonicalAccountId {
  const text = raw.trim();
  if (text === "") throw new RowValueError(`${provider.toUpperCase()} billing account id is empty`);
  switch (provider) {
    case "aws":
      return awsAccountId(text, "payer account id");
    case "azure": {
      const match = /^\/?providers\/Microsoft\.Billing\/billingAccounts\/([^/]+)/i.exec(text);
      return { id: match?.[1] ?? text };
    }
    case "gcp":
      if (/\s|\//.test(text)) throw new RowValueError(`GCP billing account id "${shown(text)}" is not a billing account id`);
      return { id: text.toUpperCase() };
    default:
      return writtenAccountId(provider, text, "billing account id");
  }
}

/**
 * The billing account id of a cell for `UsageRecord.billingAccountId`: undefined when the cell is
 * empty; when it cannot be normalized the line is still read (the billing account is only the
 * parent) and the outcome carries a warning instead of an id.
 */
const seenBillingIds = emptyMaps<{ id?: string; warning?: string } | undefined>();

export function optionalBillingAccountId(provider: Provider, raw: string): { id?: string; warning?: string } | undefined {
  const cache = seenBillingIds[provider];
  if (cache.has(raw)) return cache.get(raw);
  let result: { id?: string; warning?: string } | undefined;
  if (raw.trim() === "") result = undefined;
  else {
    try {
      result = canonicalBillingAccountId(provider, raw);
    } catch (error) {
      if (!(error instanceof RowValueError)) throw error;
      result = { warning: `${error.message}; billing account left out` };
    }
  }
  if (cache.size >= 10_000) cache.clear();
  cache.set(raw, result);
  return result;
}

/** The outcome of a line whose value could not be read; `accountId` marks a line without a usable identity. */
export function rowErrorOf(error: RowValueError): RowError {
  return error instanceof AccountIdError
    ? { status: "error", message: error.message, accountId: true }
    : { status: "error", message: error.message };
}
