import "server-only";
import {
  allocateEmissions,
  createCostCentre,
  CostCentreNameTakenError,
  deleteCostCentre,
  lastEmissionsDay,
  listCostCentres,
  readAllocationRules,
  replaceAllocationRules,
  type AllocationRuleInput,
  type PoolClient,
} from "@canopy/db";
import type { AllocationSums } from "@canopy/methodology";
import { ApiError, badRequest, notFound } from "./api-error";
import { measuresOf } from "./emissions";
import type { Principal } from "./principal";

const actorOf = (principal: Pick<Principal, "tenantId" | "userId" | "actorLabel">) => ({
  tenantId: principal.tenantId,
  actorUserId: principal.userId,
  actorLabel: principal.actorLabel,
});

const measures = (sums: AllocationSums) => measuresOf({ ...sums, currency: null });

export async function costCentres(client: PoolClient) {
  return { items: await listCostCentres(client) };
}

export async function addCostCentre(client: PoolClient, principal: Principal, name: string) {
  try {
    return await createCostCentre(client, actorOf(principal), name);
  } catch (error) {
    if (error instanceof CostCentreNameTakenError)
      throw new ApiError(409, "conflict", error.message, { name: [error.message] });
    throw error;
  }
}

export async function removeCostCentre(client: PoolClient, principal: Principal, id: string) {
  if (!(await deleteCostCentre(client, actorOf(principal), id))) throw notFound("Cost centre");
  return { id };
}

export async function allocationRules(client: PoolClient) {
  return { items: (await readAllocationRules(client)).map((rule) => ({ ...rule, note: null })) };
}

export async function setAllocationRules(
  client: PoolClient,
  principal: Principal,
  rules: AllocationRuleInput[],
) {
  try {
    const stored = await replaceAllocationRules(client, actorOf(principal), rules);
    return { items: stored.map((rule) => ({ ...rule, note: null })) };
  } catch (error) {
    // A target or account of another organization (or none) fails the same-organization foreign keys.
    if ((error as { code?: string }).code === "23503") {
      throw badRequest(
        "A rule names a cost centre or cloud account this organization does not have.",
        {
          rules: ["Unknown costCentreId or cloudAccountId."],
        },
      );
    }
    throw error;
  }
}

/** [start, end) of a month, or of the latest month with emissions. */
async function monthOf(
  client: PoolClient,
  month: string | undefined,
): Promise<{ month: string; start: string; end: string } | null> {
  const chosen = month ?? (await lastEmissionsDay(client))?.slice(0, 7);
  if (!chosen) return null;
  const [year, m] = chosen.split("-").map(Number) as [number, number];
  const start = new Date(Date.UTC(year, m - 1, 1));
  const end = new Date(Date.UTC(year, m, 1));
  return { month: chosen, start: start.toISOString(), end: end.toISOString() };
}

const emptyPeriod = { start: "1970-01-01T00:00:00.000Z", end: "1970-01-01T00:00:00.000Z" };

export async function allocation(client: PoolClient, query: { month?: string | undefined }) {
  const period = await monthOf(client, query.month);
  const result = await allocateEmissions(client, period ?? emptyPeriod);
  return {
    month: period?.month ?? null,
    total: measures(result.total),
    costCentres: result.costCentres.map((c) => ({
      id: c.id,
      name: c.name,
      measures: measures(c.sums),
    })),
    unallocated: measures(result.unallocated.sums),
    rules: result.rules,
  };
}

export async function costCentreEmissions(
  client: PoolClient,
  id: string,
  query: { month?: string | undefined },
) {
  const centre = (await listCostCentres(client)).find((c) => c.id === id);
  if (!centre) throw notFound("Cost centre");
  const period = await monthOf(client, query.month);
  const result = await allocateEmissions(client, period ?? emptyPeriod);
  const mine = result.costCentres.find((c) => c.id === id)!;
  return {
    month: period?.month ?? null,
    costCentre: centre,
    measures: measures(mine.sums),
    days: mine.byDay.map((d) => ({ day: d.day, measures: measures(d.sums) })),
  };
}
