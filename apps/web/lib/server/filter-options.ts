import "server-only";
import {
  accountLabels,
  distinctEmissionValues,
  emissionsCurrency,
  emissionTagKeys,
  emissionTagValues,
  type PoolClient,
} from "@canopy/db";
import type { DateRange, Filters } from "../emissions/params";
import { providerLabel } from "../format";

export type FilterOption = { value: string; label: string; hint?: string };

export type FilterOptions = {
  providers: FilterOption[];
  accounts: FilterOption[];
  services: FilterOption[];
  regions: FilterOption[];
  currency: string | null;
};

const byLabel = (a: FilterOption, b: FilterOption) =>
  a.label.localeCompare(b.label) || a.value.localeCompare(b.value);

/**
 * The values the dashboard's filters offer: those with emissions in the range under the other
 * filters (no blank region: usage without a region is still counted, it just cannot be picked).
 * A selected value stays offered even when the other filters exclude it, so it can be removed.
 */
export async function filterOptions(
  client: PoolClient,
  filters: Filters,
  range: Pick<DateRange, "from" | "to">,
): Promise<FilterOptions> {
  const [providers, accountIds, services, regions] = [
    await distinctEmissionValues(client, "provider", filters, range),
    await distinctEmissionValues(client, "account", filters, range),
    await distinctEmissionValues(client, "service", filters, range),
    await distinctEmissionValues(client, "region", filters, range),
  ];
  const keep = (values: string[], selected: string[]) => [...new Set([...values, ...selected])];
  const accounts = await accountLabels(client, keep(accountIds, filters.account));
  const currency = await emissionsCurrency(client);
  return {
    providers: keep(providers, filters.provider)
      .map((value) => ({ value, label: providerLabel(value) }))
      .sort(byLabel),
    accounts: accounts
      .map((a) => ({ value: a.id, label: a.name, hint: `${providerLabel(a.provider)} ${a.pid}` }))
      .sort(byLabel),
    services: keep(services, filters.service)
      .map((value) => ({ value, label: value }))
      .sort(byLabel),
    regions: keep(regions, filters.region)
      .map((value) => ({ value, label: value }))
      .sort(byLabel),
    currency,
  };
}

/** Tag keys on the hourly rows in the range under the filters (and the other tag keys' filters). */
export async function tagKeys(
  client: PoolClient,
  filters: Filters,
  range: Pick<DateRange, "from" | "to">,
): Promise<string[]> {
  return emissionTagKeys(client, filters, range);
}

/** Values of one tag key in the range under the filters (other keys' tag filters apply, its own not). */
export async function tagValues(
  client: PoolClient,
  filters: Filters,
  range: Pick<DateRange, "from" | "to">,
  key: string,
): Promise<string[]> {
  return emissionTagValues(client, filters, range, key);
}
