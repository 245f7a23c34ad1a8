import type { DataPack, ReplicationRule } from "./pack-types";
import type { ProfileRules } from "./profiles";
import type { PackProvider as Provider } from "./providers";
import type { UsageKind } from "./usage-record";

export type Replication = { readonly factor: number; readonly rule: string | undefined };

const noReplication: Replication = Object.freeze({ factor: 1, rule: undefined });

function ruleMatches(rule: ReplicationRule, usageType: string, region: string): boolean {
  if (rule.regionIn !== undefined && !rule.regionIn.includes(region)) return false;
  if (rule.anyOf !== undefined && !rule.anyOf.some((s) => usageType.includes(s))) return false;
  if (
    rule.allOf !== undefined &&
    !rule.allOf.every((group) => group.some((s) => usageType.includes(s)))
  )
    return false;
  return true;
}

/**
 * Replication factor of a service (CCF replication_factors.csv): the first rule of the service
 * whose condition matches the usage type wins (case-sensitive substring, as CCF). The factor only
 * applies to the kinds the profile lists for that rule: CCF applies it to compute, memory and
 * storage; Canopy to storage, plus compute and memory only where a standby copy runs unbilled
 * (RDS Multi-AZ, Cloud SQL HA).
 */
export function resolveReplication(
  pack: DataPack,
  profile: ProfileRules,
  provider: Provider,
  service: string,
  usageType: string,
  kind: UsageKind,
  region: string,
): Replication {
  const rules = pack.replication[provider].get(service.trim().toLowerCase());
  if (rules === undefined) return noReplication;
  for (const rule of rules) {
    if (!ruleMatches(rule, usageType, region)) continue;
    if (!rule[profile.replicationKinds].includes(kind)) return noReplication;
    return { factor: rule.factor, rule: rule.name };
  }
  return noReplication;
}
