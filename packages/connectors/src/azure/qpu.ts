/**
 * Cost Management prices Query API calls in query processing units (QPU) against a tenant-wide budget
 * (documented: 12 QPU per 10 s, 60 per minute, 600 per hour) and reports what is left on every answer.
 * Reading that before the next call lets a sync wait a window out instead of being throttled.
 */
export const QPU_REMAINING_HEADER = "x-ms-ratelimit-microsoft.costmanagement-qpu-remaining";
export const QPU_CONSUMED_HEADER = "x-ms-ratelimit-microsoft.costmanagement-qpu-consumed";

export type QpuWindow = { windowMs: number | undefined; remaining: number };

const unitMs: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The header's windows. Microsoft documents the header ("list of remaining quotas") but not its
 * grammar, so any `label:value` / `label=value` list separated by `;` or `,` is read, a label such as
 * `10s`, `1m`, `1h` (or `QueryResource10s`) giving the window; a bare number is one unlabelled window.
 */
export function parseQpuRemaining(value: string | undefined): QpuWindow[] {
  if (!value) return [];
  const out: QpuWindow[] = [];
  for (const segment of value.split(/[;,]/)) {
    const match = /^\s*(?:(.*?)\s*[:=]\s*)?(-?\d+(?:\.\d+)?)\s*$/.exec(segment);
    if (!match?.[2]) continue;
    const window = /(\d+)\s*(s|m|h)[a-z]*\s*$/i.exec(match[1] ?? "");
    out.push({
      windowMs: window ? Number(window[1]) * (unitMs[window[2]!.toLowerCase()] ?? 1000) : undefined,
      remaining: Number(match[2]),
    });
  }
  return out;
}

/**
 * How long to wait before the next Query API call: the longest window with fewer QPU left than the
 * reserve (at least the last call's cost), `defaultPauseMs` for an unlabelled one, else 0.
 */
export function qpuPauseMs(
  headers: { get(name: string): string | undefined },
  options: { reserveQpu?: number; defaultPauseMs?: number } = {},
): number {
  const consumed = Number(headers.get(QPU_CONSUMED_HEADER));
  const reserve = Math.max(options.reserveQpu ?? 2, Number.isFinite(consumed) ? consumed : 0);
  let wait = 0;
  for (const window of parseQpuRemaining(headers.get(QPU_REMAINING_HEADER))) {
    if (window.remaining >= reserve) continue;
    wait = Math.max(wait, window.windowMs ?? options.defaultPauseMs ?? 10_000);
  }
  return wait;
}
