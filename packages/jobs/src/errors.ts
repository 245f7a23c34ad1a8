/** A failure that retrying cannot fix (bad reference, wrong tenant, unreadable file): no retries. */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}
