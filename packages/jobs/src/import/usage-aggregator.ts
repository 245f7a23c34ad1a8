import { usageDimsKey, type UsageRow } from "@canopy/db";
import type { Provider, UsageRecord } from "@canopy/methodology";

type Aggregate = {
  providerAccountId: string;
  provider: Provider;
  hourMs: number;
  dimsKey: string;
  record: UsageRecord;
  quantity: number;
  costAmount: number;
  hasCost: boolean;
  /** Σ utilization × quantity, for a quantity-weighted mean. */
  utilizationWeighted: number;
  utilizationQuantity: number;
};

export type AccountSpan = {
  provider: Provider;
  providerAccountId: string;
  startMs: number;
  endMs: number;
};

const HOUR_MS = 3_600_000;

/**
 * Sums usage records into one row per (provider account, period start, dimensions): what
 * usage_hourly stores. Memory grows with the number of distinct rows, not with the file's lines.
 */
export class UsageAggregator {
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly dimsKeys = new Map<string, string>();
  private readonly spans = new Map<string, AccountSpan>();

  get size(): number {
    return this.aggregates.size;
  }

  add(record: UsageRecord): void {
    const hourMs = Date.parse(record.periodStart);
    const dimsKey = this.dimsKeyOf(record);
    const key = `${record.provider}\u001f${record.accountId}\u001f${hourMs}\u001f${dimsKey}`;
    let aggregate = this.aggregates.get(key);
    if (!aggregate) {
      aggregate = {
        providerAccountId: record.accountId,
        provider: record.provider,
        hourMs,
        dimsKey,
        record,
        quantity: 0,
        costAmount: 0,
        hasCost: false,
        utilizationWeighted: 0,
        utilizationQuantity: 0,
      };
      this.aggregates.set(key, aggregate);
    }
    aggregate.quantity += record.quantity;
    if (record.costAmount !== undefined) {
      aggregate.costAmount += record.costAmount;
      aggregate.hasCost = true;
    }
    if (record.cpuUtilization !== undefined) {
      aggregate.utilizationWeighted += record.cpuUtilization * record.quantity;
      aggregate.utilizationQuantity += record.quantity;
    }
    this.extendSpan(record, hourMs);
  }

  /** Per provider account: the hours its rows cover, [start, end). */
  accountSpans(): AccountSpan[] {
    return [...this.spans.values()];
  }

  /** The aggregated rows, given the cloud_accounts id of each provider account. */
  *rows(
    cloudAccountIdOf: (provider: Provider, providerAccountId: string) => string,
    syncRunId: string,
  ): Generator<UsageRow> {
    for (const a of this.aggregates.values()) {
      const r = a.record;
      yield {
        cloudAccountId: cloudAccountIdOf(a.provider, a.providerAccountId),
        hour: new Date(a.hourMs),
        dimsKey: a.dimsKey,
        periodHours: r.periodHours,
        provider: a.provider,
        service: r.service,
        region: r.region,
        kind: r.kind,
        unit: r.unit,
        usageType: r.usageType ?? "",
        instanceType: r.instanceType ?? "",
        vcpus: r.vcpus ?? null,
        memoryGb: r.memoryGb ?? null,
        gpuModel: r.gpuModel ?? null,
        gpuCount: r.gpuCount ?? null,
        storageClass: r.storageClass ?? null,
        replicationHint: r.replicationHint ?? null,
        cpuUtilization:
          a.utilizationQuantity > 0 ? a.utilizationWeighted / a.utilizationQuantity : null,
        quantity: a.quantity,
        costAmount: a.hasCost ? a.costAmount.toFixed(8) : null,
        currency: r.currency ?? null,
        tags: r.tags ?? {},
        syncRunId,
      };
    }
  }

  /** usage_hourly.dims_key, memoized on the dimension values (hashing is the costly part). */
  private dimsKeyOf(record: UsageRecord): string {
    const tags = record.tags ? JSON.stringify(record.tags) : "";
    const text = `${record.service}\u001f${record.region}\u001f${record.kind}\u001f${record.unit}\u001f${record.usageType ?? ""}\u001f${record.instanceType ?? ""}\u001f${record.storageClass ?? ""}\u001f${record.gpuModel ?? ""}\u001f${tags}`;
    let key = this.dimsKeys.get(text);
    if (key === undefined) {
      key = usageDimsKey(record);
      this.dimsKeys.set(text, key);
    }
    return key;
  }

  private extendSpan(record: UsageRecord, hourMs: number) {
    const id = `${record.provider}\u001f${record.accountId}`;
    const endMs = hourMs + record.periodHours * HOUR_MS;
    const span = this.spans.get(id);
    if (!span)
      this.spans.set(id, {
        provider: record.provider,
        providerAccountId: record.accountId,
        startMs: hourMs,
        endMs,
      });
    else {
      if (hourMs < span.startMs) span.startMs = hourMs;
      if (endMs > span.endMs) span.endMs = endMs;
    }
  }
}
