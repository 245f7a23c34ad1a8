"use server";
import { z } from "zod";
import { readAllocationRules } from "@canopy/db";
import { costCentreCreateSchema } from "@/lib/api/allocation-schemas";
import { safeText } from "@/lib/emissions/params";
import { withTenantAction } from "@/lib/server/action";
import { notFound } from "@/lib/server/api-error";
import * as allocation from "@/lib/server/allocation";

/** The Allocation page's editor: the same changes as the API, by the same functions. */

export const createCostCentreAction = withTenantAction(
  costCentreCreateSchema,
  (input, ctx) => ctx.sql((client) => allocation.addCostCentre(client, ctx.principal, input.name)),
  { permission: "allocation.configure" },
);

export const deleteCostCentreAction = withTenantAction(
  z.object({ id: z.uuid("Not a valid cost centre id.") }),
  (input, ctx) => ctx.sql((client) => allocation.removeCostCentre(client, ctx.principal, input.id)),
  { permission: "allocation.configure" },
);

/** Appends a rule: rows whose tag has the value go to one cost centre. */
export const addTagRuleAction = withTenantAction(
  z.object({
    tagKey: safeText(1, 128),
    tagValue: safeText(1, 256),
    costCentreId: z.uuid("Choose a cost centre."),
  }),
  (input, ctx) =>
    ctx.sql(async (client) => {
      const rules = (await readAllocationRules(client)).map(({ id: _id, ...rule }) => rule);
      const added = {
        tagKey: input.tagKey,
        tagValue: input.tagValue,
        service: null,
        cloudAccountId: null,
        split: "fixed" as const,
        targets: [{ costCentreId: input.costCentreId, weight: 1 }],
      };
      return allocation.setAllocationRules(client, ctx.principal, [...rules, added]);
    }),
  { permission: "allocation.configure" },
);

export const removeRuleAction = withTenantAction(
  z.object({ ruleId: z.uuid("Not a valid rule id.") }),
  (input, ctx) =>
    ctx.sql(async (client) => {
      const rules = await readAllocationRules(client);
      if (!rules.some((rule) => rule.id === input.ruleId)) throw notFound("Allocation rule");
      const kept = rules
        .filter((rule) => rule.id !== input.ruleId)
        .map(({ id: _id, ...rule }) => rule);
      return allocation.setAllocationRules(client, ctx.principal, kept);
    }),
  { permission: "allocation.configure" },
);
