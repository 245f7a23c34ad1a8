import type { JobContext, JobDeps, JobEvents } from "../contract";
import { PermanentJobError } from "../errors";
import { jobDefinition, parsePayload, type JobRegistry } from "../registry";

/** Runs one attempt of a job, reporting its outcome. Shared by both drivers. */
export async function runJobAttempt(
  name: string,
  payload: unknown,
  deps: JobDeps,
  context: JobContext,
  events: JobEvents | undefined,
  willRetryOnFailure: boolean,
  registry: JobRegistry,
): Promise<unknown> {
  const started = performance.now();
  try {
    const result = await jobDefinition(name, registry).process(
      parsePayload(name, payload, registry),
      deps,
      context,
    );
    events?.onCompleted?.(name, performance.now() - started, result);
    return result;
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    const willRetry = willRetryOnFailure && !(failure instanceof PermanentJobError);
    events?.onFailed?.(name, performance.now() - started, failure, willRetry);
    throw failure;
  }
}

export const backoffDelayMs = (backoffMs: number, attempt: number) =>
  backoffMs * 2 ** (attempt - 1);
