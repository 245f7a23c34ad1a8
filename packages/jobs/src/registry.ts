import type { JobDefinition } from "./contract";
import { maintainPartitions } from "./jobs/maintain-partitions";

/** Every job Canopy runs, by name. Producers and workers share this list. */
export const jobs: ReadonlyMap<string, JobDefinition<never>> = new Map(
  [maintainPartitions].map((job) => [job.name, job as unknown as JobDefinition<never>]),
);

export function jobDefinition(name: string): JobDefinition<unknown> {
  const job = jobs.get(name);
  if (!job) throw new Error(`Unknown job "${name}"`);
  return job as unknown as JobDefinition<unknown>;
}

/** Parses the payload against the job's schema before anything runs: bad payloads never reach a processor. */
export function parsePayload(name: string, payload: unknown): unknown {
  const result = jobDefinition(name).payload.safeParse(payload);
  if (!result.success) {
    throw new Error(`Invalid payload for job "${name}": ${result.error.issues.map((i) => `${i.path.join(".") || "payload"} ${i.message}`).join("; ")}`);
  }
  return result.data;
}
