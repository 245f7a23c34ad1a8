import type { JobContext, JobDeps, JobEvents } from "../contract";
import { PermanentJobError } from "../errors";
import { jobDefinition, parsePayload, type JobRegistry } from "../registry";
import { touchRunsOfJob } from "../watchdog";

/** A running job stamps its sync run at least this often, so the stalled-run sweep leaves it alone. */
export const HEARTBEAT_MS = 60_000;

/** Runs one attempt of a job, reporting its outcome. Shared by both drivers. */
export async function runJobAttempt(
  name: string,
  payload: unknown,
  deps: JobDeps,
  context: JobContext,
  events: JobEvents | undefined,
  registry: JobRegistry<unknown>,
): Promise<unknown> {
  const started = performance.now();
  const touch = () => touchRunsOfJob(deps.app, name, payload, context.attempt);
  const heartbeat = setInterval(() => void touch(), HEARTBEAT_MS);
  heartbeat.unref();
  const withHeartbeat: JobContext = {
    ...context,
    async reportProgress(progress) {
      await context.reportProgress(progress);
      await touch();
    },
  };
  try {
    const result = await jobDefinition(name, registry).process(
      parsePayload(name, payload, registry),
      deps,
      withHeartbeat,
    );
    events?.onCompleted?.(name, performance.now() - started, result);
    return result;
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    const willRetry = !context.isLastAttempt && !(failure instanceof PermanentJobError);
    events?.onFailed?.(name, performance.now() - started, failure, willRetry);
    throw failure;
  } finally {
    clearInterval(heartbeat);
  }
}

export const backoffDelayMs = (backoffMs: number, attempt: number) =>
  backoffMs * 2 ** (attempt - 1);
