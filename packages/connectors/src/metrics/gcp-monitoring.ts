import { gcpConnectorError, gcpRetryAfterMs } from "../gcp/gcp-errors";
import type { GcpConnectorConfig } from "../gcp/config";
import { fetchAccessToken, fetchFederatedAccessToken } from "../gcp/token";
import { ConnectorError, sleepMs, withBackoff, type BackoffOptions } from "../live/errors";
import {
  countCall,
  countSkipped,
  HOUR_MS,
  hourAligned,
  type MeasuredHour,
  type MeteredResource,
  failedCheck,
  type UtilizationReader,
  type UtilizationWindow,
} from "./types";

/** The narrowest scope timeSeries.list documents (its authorization scopes). */
export const MONITORING_READ_SCOPE = "https://www.googleapis.com/auth/monitoring.read";
/** Fraction of the allocated vCPUs in use, sampled every minute (Compute Engine metrics list). */
export const GCP_CPU_METRIC = "compute.googleapis.com/instance/cpu/utilization";
export const TIME_SERIES_LIST_PERMISSION = "monitoring.timeSeries.list";

/** The same credential as the usage connector: a service-account key, or workload identity federation. */
export type GcpMonitoringConfig = Pick<
  GcpConnectorConfig,
  "key" | "externalAccount" | "subjectTokenSource" | "stsEndpoint" | "iamCredentialsEndpoint"
> & {
  /** Test override of https://monitoring.googleapis.com. */
  monitoringEndpoint?: string;
  backoff?: BackoffOptions;
  /** Least time between two requests; default 200 ms (Google's default quota: 6,000 reads a minute per project). */
  minCallIntervalMs?: number;
};

type Series = {
  resource?: { type?: string; labels?: Record<string, string> };
  metadata?: { systemLabels?: Record<string, unknown> };
  points?: {
    interval?: { startTime?: string; endTime?: string };
    value?: { doubleValue?: number };
  }[];
};

class GcpHttpError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly errors: { reason?: string; message?: string }[],
  ) {
    super(message);
  }
}

/** `us-central1-a` → `us-central1`, as the billing export's region of the same VM. */
const regionOfZone = (zone: string) => zone.replace(/-[a-z]$/, "");

/**
 * Cloud Monitoring `compute.googleapis.com/instance/cpu/utilization` of every Compute Engine
 * instance of the projects, through projects.timeSeries.list (REST; the Node client speaks gRPC):
 * `listResources` asks for the series headers (`view=HEADERS`: instance id, zone, the
 * `machine_type` system label) and `readCpuUtilizationHourly` for the points aligned with
 * `ALIGN_MEAN` over `3600s`, both paged by `nextPageToken`. Alignment periods count back from
 * `interval.endTime`, which is a whole UTC hour, so each point's end minus one hour is its hour.
 */
function requiredKey(config: GcpMonitoringConfig) {
  if (!config.key)
    throw new ConnectorError(
      "credentials",
      "No GCP service account key or credential configuration.",
    );
  return config.key;
}

export function createGcpMonitoringReader(config: GcpMonitoringConfig): UtilizationReader {
  const root = (config.monitoringEndpoint ?? "https://monitoring.googleapis.com").replace(
    /\/+$/,
    "",
  );
  const minIntervalMs = config.minCallIntervalMs ?? 200;
  const sleep = config.backoff?.sleep ?? sleepMs;
  let token: { token: string; expiresAt: number } | undefined;
  let lastCallAt = 0;

  async function bearer(): Promise<string> {
    if (!token || token.expiresAt - Date.now() < 5 * 60_000) {
      try {
        token = config.externalAccount
          ? await fetchFederatedAccessToken(
              config.externalAccount,
              config.subjectTokenSource,
              MONITORING_READ_SCOPE,
              {
                ...(config.stsEndpoint ? { sts: config.stsEndpoint } : {}),
                ...(config.iamCredentialsEndpoint
                  ? { iamCredentials: config.iamCredentialsEndpoint }
                  : {}),
              },
            )
          : await fetchAccessToken(requiredKey(config), MONITORING_READ_SCOPE);
      } catch (error) {
        throw gcpConnectorError(error, "OAuth token");
      }
    }
    return token.token;
  }

  async function list(
    projectId: string,
    params: Record<string, string>,
    summary: { apiCalls: Record<string, number> },
  ) {
    const series: Series[] = [];
    let pageToken = "";
    do {
      const query = new URLSearchParams({ ...params, ...(pageToken ? { pageToken } : {}) });
      const url = `${root}/v3/projects/${encodeURIComponent(projectId)}/timeSeries?${query}`;
      const body = await withBackoff(
        async () => {
          const wait = lastCallAt + minIntervalMs - Date.now();
          if (wait > 0) await sleep(wait);
          lastCallAt = Date.now();
          countCall(summary as never, TIME_SERIES_LIST_PERMISSION);
          const response = await fetch(url, {
            headers: { authorization: `Bearer ${await bearer()}` },
          });
          const parsed = (await response.json().catch(() => ({}))) as {
            timeSeries?: Series[];
            nextPageToken?: string;
            error?: {
              code?: number;
              message?: string;
              errors?: { reason?: string }[];
              details?: { reason?: string }[];
            };
          };
          if (!response.ok) {
            const e = parsed.error ?? {};
            const reasons = [...(e.errors ?? []), ...(e.details ?? [])].map((x) => ({
              reason: x.reason ?? "",
            }));
            throw new GcpHttpError(
              `${e.message ?? `HTTP ${response.status}`}${reasons.some((r) => r.reason === "ACCESS_TOKEN_SCOPE_INSUFFICIENT") ? " (ACCESS_TOKEN_SCOPE_INSUFFICIENT)" : ""}`,
              response.status,
              reasons,
            );
          }
          return parsed;
        },
        gcpRetryAfterMs,
        config.backoff,
      ).catch((error: unknown) => {
        const status = (error as { code?: number }).code;
        if (status === 403 && /monitoring\.timeSeries\.list/.test((error as Error).message))
          throw new ConnectorError(
            "permission",
            `The service account lacks ${TIME_SERIES_LIST_PERMISSION} on project ${projectId} (${(error as Error).message}).`,
            {
              permission: TIME_SERIES_LIST_PERMISSION,
              fix: `Grant the service account Monitoring Viewer (roles/monitoring.viewer) on project ${projectId}`,
              cause: error,
            },
          );
        if (status === 403 && /ACCESS_TOKEN_SCOPE_INSUFFICIENT/.test((error as Error).message))
          throw new ConnectorError(
            "permission",
            `Canopy's access token lacks the monitoring.read scope (${(error as Error).message}).`,
            { permission: `OAuth scope ${MONITORING_READ_SCOPE}`, cause: error },
          );
        throw gcpConnectorError(error, "Cloud Monitoring timeSeries.list");
      });
      series.push(...(body.timeSeries ?? []));
      pageToken = body.nextPageToken ?? "";
    } while (pageToken);
    return series;
  }

  const windowParams = (window: UtilizationWindow) => ({
    filter: `metric.type = "${GCP_CPU_METRIC}" AND resource.type = "gce_instance"`,
    "interval.startTime": window.start.toISOString(),
    "interval.endTime": window.end.toISOString(),
  });

  return {
    source: "gcp-monitoring",
    async listResources(window, projectIds, summary) {
      const aligned = hourAligned(window);
      const out: MeteredResource[] = [];
      const refused: unknown[] = [];
      for (const projectId of projectIds) {
        let headers: Series[];
        try {
          headers = await list(projectId, { ...windowParams(aligned), view: "HEADERS" }, summary);
        } catch (error) {
          // A project without the role or without the Monitoring API (no VMs) does not stop the others.
          if (!(error instanceof ConnectorError) || !error.permanent) throw error;
          refused.push(error);
          countSkipped(summary, `project ${projectId}: ${error.kind}`);
          continue;
        }
        for (const s of headers) {
          const instanceId = s.resource?.labels?.["instance_id"];
          const zone = s.resource?.labels?.["zone"] ?? "";
          if (!instanceId || !zone) {
            countSkipped(summary, "series without instance id or zone");
            continue;
          }
          const machineType = s.metadata?.systemLabels?.["machine_type"];
          if (typeof machineType !== "string" || !machineType)
            countSkipped(
              summary,
              "instance without a machine_type system label (not matched to usage)",
            );
          out.push({
            providerAccountId: projectId.toLowerCase(),
            resourceId: instanceId,
            region: regionOfZone(zone),
            instanceType: typeof machineType === "string" ? machineType : "",
          });
        }
      }
      if (refused.length > 0 && refused.length === projectIds.length) throw refused[0];
      return out;
    },

    async *readCpuUtilizationHourly(resources, window, summary) {
      const aligned = hourAligned(window);
      const byProject = new Map<string, Map<string, MeteredResource>>();
      for (const r of resources) {
        const map = byProject.get(r.providerAccountId) ?? new Map<string, MeteredResource>();
        map.set(r.resourceId, r);
        byProject.set(r.providerAccountId, map);
      }
      for (const [projectId, wanted] of byProject) {
        const series = await list(
          projectId,
          {
            ...windowParams(aligned),
            "aggregation.alignmentPeriod": "3600s",
            "aggregation.perSeriesAligner": "ALIGN_MEAN",
            view: "FULL",
          },
          summary,
        );
        const out: MeasuredHour[] = [];
        const seen = new Set<string>();
        for (const s of series) {
          const resource = wanted.get(s.resource?.labels?.["instance_id"] ?? "");
          if (!resource) continue;
          for (const point of s.points ?? []) {
            const endMs = Date.parse(point.interval?.endTime ?? "");
            const value = point.value?.doubleValue;
            if (!Number.isFinite(endMs) || value === undefined || !Number.isFinite(value)) continue;
            const hour = new Date(endMs - HOUR_MS);
            if (hour < aligned.start || hour >= aligned.end) continue;
            seen.add(resource.resourceId);
            out.push({ ...resource, hour, cpuUtilization: Math.min(1, Math.max(0, value)) });
          }
        }
        countSkipped(summary, "no datapoints in the window", wanted.size - seen.size);
        yield out.sort((a, b) => a.hour.getTime() - b.hour.getTime());
      }
    },

    async checkAccess(projectIds) {
      const projectId = projectIds[0] ?? config.key?.project_id;
      if (!projectId)
        return {
          permission: TIME_SERIES_LIST_PERMISSION,
          status: "skipped",
          message: "No project to check",
          required: false,
        };
      const end = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS);
      try {
        const series = await list(
          projectId,
          { ...windowParams({ start: new Date(end.getTime() - HOUR_MS), end }), view: "HEADERS" },
          { apiCalls: {} },
        );
        return {
          permission: TIME_SERIES_LIST_PERMISSION,
          status: "passed",
          message: `Cloud Monitoring listed ${series.length} VM(s) in project ${projectId}: their measured CPU will replace the default utilization`,
          required: false,
        };
      } catch (error) {
        return failedCheck(TIME_SERIES_LIST_PERMISSION, error);
      }
    },

    async close() {},
  };
}
