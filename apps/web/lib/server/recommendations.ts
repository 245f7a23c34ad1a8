import "server-only";
import {
  FindingStateError,
  listFindings,
  readRecommendationSettings,
  updateFindingState,
  writeRecommendationSettings,
  type Finding,
  type FindingFilter,
  type FindingStateChange,
  type PoolClient,
  type RecommendationConstraints,
} from "@canopy/db";
import { recommendationRules, recommendationsJobId } from "@canopy/jobs";
import { badRequest, notFound } from "./api-error";
import { writeAudit } from "./audit";
import type { Principal } from "./principal";
import { queue } from "./queue";

export { recommendationRules };

/** A finding as the API and the page show it (timestamps as ISO strings). */
export function findingView(finding: Finding) {
  const iso = (date: Date | null) => (date ? date.toISOString() : null);
  return {
    ...finding,
    stateChangedAt: iso(finding.stateChangedAt),
    doneAt: iso(finding.doneAt),
    computedAt: finding.computedAt.toISOString(),
    createdAt: finding.createdAt.toISOString(),
  };
}

export type FindingView = ReturnType<typeof findingView>;

export async function listRecommendations(client: PoolClient, filter: FindingFilter) {
  const items = await listFindings(client, filter);
  return { items: items.map(findingView), rules: [...recommendationRules] };
}

/** Moves a finding to a state (audited); 404 for a finding of another organization. */
export async function changeFindingState(
  client: PoolClient,
  principal: Principal,
  id: string,
  change: Omit<FindingStateChange, "by">,
) {
  try {
    const finding = await updateFindingState(client, id, { ...change, by: principal.actorLabel });
    if (!finding) throw notFound("Recommendation");
    await writeAudit(
      client,
      principal,
      "recommendation.state_change",
      { type: "recommendation", id },
      { state: change.state, reason: change.reason ?? null },
    );
    return findingView(finding);
  } catch (error) {
    if (error instanceof FindingStateError)
      throw badRequest(error.message, { reason: [error.message] });
    throw error;
  }
}

export const readSettings = (client: PoolClient) => readRecommendationSettings(client);

export async function saveSettings(
  client: PoolClient,
  principal: Principal,
  settings: RecommendationConstraints,
) {
  const clean = {
    allowedContinents: settings.allowedContinents?.length ? settings.allowedContinents : null,
    allowedJurisdictions: settings.allowedJurisdictions?.length
      ? settings.allowedJurisdictions
      : null,
    residencyTagKey: settings.residencyTagKey?.trim() || null,
  };
  await writeRecommendationSettings(client, principal.tenantId, clean);
  await writeAudit(
    client,
    principal,
    "recommendation.settings",
    { type: "organization", id: principal.tenantId },
    clean,
  );
  return clean;
}

/** Queues compute-recommendations for the principal's organization. */
export async function queueRecompute(principal: Principal) {
  const jobId = await queue().enqueue(
    "compute-recommendations",
    { tenantId: principal.tenantId },
    { jobId: recommendationsJobId(principal.tenantId) },
  );
  return { jobId };
}
