import { ConnectorError } from "../live/errors";
import { MANAGEMENT_GROUP_DESCENDANTS_ACTION, MANAGEMENT_GROUPS_API_VERSION } from "./config";

/** An ARM GET through the connector's pipeline, retried and mapped like every other call. */
export type ArmGet = (url: string) => Promise<Record<string, unknown>>;

/** The management group id of `providers/Microsoft.Management/managementGroups/{id}`, else undefined. */
export function managementGroupIdOf(scope: string): string | undefined {
  return /^\/?providers\/Microsoft\.Management\/managementGroups\/([^/]+)\/?$/i.exec(scope)?.[1];
}

/**
 * The subscriptions anywhere under a management group: Management Groups "Get Descendants" (all
 * levels in one list, `nextLink` pages), keeping the entries of type `/subscriptions`. The Cost
 * Details API does not accept management-group scopes (EA or MCA), so usage is read per subscription.
 */
export async function managementGroupSubscriptions(
  armEndpoint: string,
  groupId: string,
  get: ArmGet,
): Promise<string[]> {
  const out = new Set<string>();
  let url: string | undefined =
    `${armEndpoint}/providers/Microsoft.Management/managementGroups/${encodeURIComponent(groupId)}/descendants?api-version=${MANAGEMENT_GROUPS_API_VERSION}`;
  while (url) {
    const page = await get(url);
    for (const entry of (page["value"] ?? []) as { type?: string; name?: string; id?: string }[]) {
      if (entry.type?.toLowerCase() !== "/subscriptions") continue;
      const id = entry.name ?? /\/subscriptions\/([^/]+)/i.exec(entry.id ?? "")?.[1];
      if (id) out.add(id.toLowerCase());
    }
    const next = page["nextLink"];
    url = typeof next === "string" && next ? next : undefined;
  }
  if (out.size === 0)
    throw new ConnectorError(
      "query",
      `Management group ${groupId} has no subscriptions the service principal can see (${MANAGEMENT_GROUP_DESCENDANTS_ACTION}). Assign it "Reader" (or "Management Group Reader") on the management group, or list the subscriptions instead.`,
      { permission: MANAGEMENT_GROUP_DESCENDANTS_ACTION },
    );
  return [...out];
}
