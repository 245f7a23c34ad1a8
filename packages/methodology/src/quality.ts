import type { EstimateQuality, FactorQuality, Quality } from "./estimate-types";

/**
 * Quality objects are immutable and shared: every estimate that rests on the same factors
 * points at the same frozen object, so estimation allocates no quality objects per record.
 */
const interned = new Map<string, FactorQuality>();

export function factorQuality(quality: Quality, reason?: string): FactorQuality {
  const key = reason === undefined ? quality : `${quality}\u0000${reason}`;
  let found = interned.get(key);
  if (found === undefined) {
    found = Object.freeze(reason === undefined ? { quality } : { quality, reason });
    interned.set(key, found);
  }
  return found;
}

const qualityRank: Record<Quality, number> = {
  measured: 0,
  regional: 1,
  "provider-average": 2,
  default: 3,
};

/** The worse of two qualities, with the reasons of both joined. */
export function worseOf(a: FactorQuality, b: FactorQuality): FactorQuality {
  const quality = qualityRank[a.quality] >= qualityRank[b.quality] ? a.quality : b.quality;
  return factorQuality(quality, joinReasons(a.reason, b.reason));
}

export function estimateQuality(parts: EstimateQuality): EstimateQuality {
  return Object.freeze({ ...parts });
}

/** Joins optional reasons into one short reason (or undefined). */
export function joinReasons(...reasons: (string | undefined)[]): string | undefined {
  const parts = new Set<string>();
  for (const reason of reasons) {
    if (reason === undefined) continue;
    for (const part of reason.split("; ")) if (part !== "") parts.add(part);
  }
  return parts.size > 0 ? [...parts].join("; ") : undefined;
}
