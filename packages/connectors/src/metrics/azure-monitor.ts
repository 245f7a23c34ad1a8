import { createHttpHeaders, createPipelineRequest, RestError } from "@azure/core-rest-pipeline";
import { azureConnectorError, azureRetryAfterMs } from "../azure/azure-errors";
import { createAzureArmClients, type AzureArmClients } from "../azure/connector";
import type { AzureConnectorConfig } from "../azure/config";
import { azureRegionCodeOf } from "../classify/regions";
import { ConnectorError, sleepMs, withBackoff } from "../live/errors";
import {
  countCall,
  countSkipped,
  fractionOfPercent,
  hourAligned,
  type MeasuredHour,
  type MeteredResource,
  failedCheck,
  type UtilizationReader,
  type UtilizationSummary,
} from "./types";

/** Virtual Machines - List All (https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/list-all). */
export const COMPUTE_API_VERSION = "2024-07-01";
/** Metrics - List (https://learn.microsoft.com/en-us/rest/api/monitor/metrics/list). */
export const METRICS_API_VERSION = "2023-10-01";
/** The platform metric of a VM's CPU, percent of its vCPUs (supported metrics of Microsoft.Compute/virtualMachines). */
export const AZURE_CPU_METRIC = "Percentage CPU";
/** Listing VMs: granted by "Reader"; reading their metrics: "Monitoring Reader" (or Reader). */
export const VM_READ_ACTION = "Microsoft.Compute/virtualMachines/read";
export const METRICS_READ_ACTION = "Microsoft.Insights/metrics/read";

/**
 * Azure Monitor "Percentage CPU" of each VM as hourly averages (`interval=PT1H`,
 * `aggregation=Average`), one Metrics - List request per VM per window, through the same ARM
 * pipeline (token, transport) as the usage connector. The VMs come from Virtual Machines - List All
 * per subscription (`nextLink` pages), so a VM deleted before the sync is not listed: its hours keep
 * the default utilization. Requests are paced `minCallIntervalMs` apart (ARM allows about 12,000 reads
 * an hour per subscription and principal); 429s wait the `Retry-After` through `withBackoff`.
 */
export function createAzureMonitorReader(
  config: AzureConnectorConfig & { metrics?: { minCallIntervalMs?: number } },
): UtilizationReader {
  const clients: AzureArmClients = createAzureArmClients(config);
  const arm = clients.arm.replace(/\/+$/, "");
  const minIntervalMs = config.metrics?.minCallIntervalMs ?? 300;
  const sleep = config.backoff?.sleep ?? sleepMs;
  let lastCallAt = 0;
  const paced = async () => {
    const wait = lastCallAt + minIntervalMs - Date.now();
    if (wait > 0) await sleep(wait);
    lastCallAt = Date.now();
  };

  async function get(url: string, action: string, scope: string): Promise<Record<string, unknown>> {
    try {
      return await withBackoff(
        async () => {
          const request = createPipelineRequest({
            url,
            method: "GET",
            headers: createHttpHeaders({ accept: "application/json" }),
          });
          const response = await clients.costManagement.sendRequest(request);
          const parsed = response.bodyAsText
            ? (JSON.parse(response.bodyAsText) as Record<string, unknown>)
            : {};
          if (response.status >= 400) {
            const error = (parsed["error"] ?? {}) as { code?: string; message?: string };
            throw new RestError(error.message ?? `HTTP ${response.status}`, {
              statusCode: response.status,
              code: error.code ?? "",
              request,
              response,
            });
          }
          return parsed;
        },
        azureRetryAfterMs,
        config.backoff,
      );
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 403) {
        // Monitoring Reader grants */read: the VM list and the metrics alike.
        const role = "Monitoring Reader";
        return Promise.reject(
          new ConnectorError(
            "permission",
            `The service principal lacks ${action} on ${scope} (${(error as Error).message}). Assign it the ${role} role on the subscription: measured utilization needs it.`,
            {
              permission: action,
              fix: `Assign the ${role} role (which grants ${action}) to the service principal on ${scope}`,
              cause: error,
            },
          ),
        );
      }
      if (status === 429)
        return Promise.reject(
          new ConnectorError("throttled", `Azure kept throttling ${action} after retries`, {
            cause: error,
          }),
        );
      return Promise.reject(azureConnectorError(error, action, scope));
    }
  }

  async function vmsOf(
    subscription: string,
    summary: UtilizationSummary,
  ): Promise<MeteredResource[]> {
    const out: MeteredResource[] = [];
    const scope = `/subscriptions/${subscription}`;
    let url: string | undefined =
      `${arm}${scope}/providers/Microsoft.Compute/virtualMachines?api-version=${COMPUTE_API_VERSION}`;
    while (url) {
      await paced();
      countCall(summary, VM_READ_ACTION);
      const page = await get(url, VM_READ_ACTION, scope);
      for (const vm of (page["value"] ?? []) as {
        id?: string;
        location?: string;
        properties?: { hardwareProfile?: { vmSize?: string } };
      }[]) {
        const region = azureRegionCodeOf(vm.location ?? "");
        const size = vm.properties?.hardwareProfile?.vmSize ?? "";
        if (!vm.id || !region || !size) {
          countSkipped(summary, "VM without id, location or size");
          continue;
        }
        out.push({
          providerAccountId: subscription.toLowerCase(),
          resourceId: vm.id.toLowerCase(),
          region,
          instanceType: size,
        });
      }
      const next = page["nextLink"];
      url = typeof next === "string" && next ? next : undefined;
    }

    return out;
  }

  return {
    source: "azure-monitor",
    async listResources(_window, subscriptionIds, summary) {
      const out: MeteredResource[] = [];
      const refused: unknown[] = [];
      for (const subscription of subscriptionIds) {
        try {
          out.push(...(await vmsOf(subscription, summary)));
        } catch (error) {
          // One subscription without the role (or without VMs' provider registered) does not stop the others.
          if (!(error instanceof ConnectorError) || !error.permanent) throw error;
          refused.push(error);
          countSkipped(summary, `subscription ${subscription}: ${error.kind}`);
        }
      }
      if (refused.length > 0 && refused.length === subscriptionIds.length) throw refused[0];
      return out;
    },

    async *readCpuUtilizationHourly(resources, window, summary: UtilizationSummary) {
      const aligned = hourAligned(window);
      const timespan = `${aligned.start.toISOString()}/${aligned.end.toISOString()}`;
      for (const resource of resources) {
        const params = new URLSearchParams({
          "api-version": METRICS_API_VERSION,
          metricnames: AZURE_CPU_METRIC,
          metricnamespace: "Microsoft.Compute/virtualMachines",
          timespan,
          interval: "PT1H",
          aggregation: "Average",
        });
        await paced();
        countCall(summary, METRICS_READ_ACTION);
        const body = await get(
          `${arm}${resource.resourceId}/providers/Microsoft.Insights/metrics?${params.toString().replace(/\+/g, "%20")}`,
          METRICS_READ_ACTION,
          resource.resourceId,
        );
        const out: MeasuredHour[] = [];
        for (const metric of (body["value"] ?? []) as {
          name?: { value?: string };
          timeseries?: { data?: { timeStamp?: string; average?: number }[] }[];
        }[]) {
          if (metric.name?.value !== AZURE_CPU_METRIC) continue;
          for (const series of metric.timeseries ?? [])
            for (const point of series.data ?? []) {
              const hour = new Date(point.timeStamp ?? "");
              if (point.average === undefined || !Number.isFinite(point.average)) continue;
              if (!(hour >= aligned.start && hour < aligned.end)) continue;
              out.push({ ...resource, hour, cpuUtilization: fractionOfPercent(point.average) });
            }
        }
        if (out.length === 0) countSkipped(summary, "no datapoints in the window");
        yield out;
      }
    },

    async checkAccess(subscriptionIds) {
      const subscription = subscriptionIds[0];
      if (!subscription)
        return {
          permission: VM_READ_ACTION,
          status: "skipped",
          message: "No subscription to check",
          required: false,
        };
      try {
        const vms = await vmsOf(subscription, { apiCalls: {}, skipped: {} });
        return {
          permission: VM_READ_ACTION,
          status: "passed",
          message: `Listed ${vms.length} VM(s) of subscription ${subscription}: their "Percentage CPU" from Azure Monitor will replace the default utilization`,
          required: false,
        };
      } catch (error) {
        return failedCheck(VM_READ_ACTION, error);
      }
    },

    async close() {},
  };
}
