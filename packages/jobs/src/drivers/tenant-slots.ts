import type IORedis from "ioredis";

/**
 * Per-organization slots for one job kind, shared by every worker on one Redis: a sorted set per
 * (job, organization) of the jobs holding a slot, scored by when their lease ends. A worker renews its
 * lease while the job runs; a worker that dies stops renewing, and its slot frees itself when the
 * lease lapses (the job itself is taken over by BullMQ's stalled-job check). Time is the Redis
 * server's, so workers' clocks need not agree.
 */
const acquireScript = `
local key, limit, holder, leaseMs = KEYS[1], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZSCORE', key, holder) or redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now + leaseMs, holder)
  redis.call('PEXPIRE', key, leaseMs)
  return 1
end
return 0`;

export type TenantSlots = {
  /** Takes (or renews) a slot for `holder`; false when the organization's slots are all held. */
  acquire(job: string, tenantId: string, holder: string, limit: number): Promise<boolean>;
  release(job: string, tenantId: string, holder: string): Promise<void>;
};

export function createTenantSlots(redis: IORedis, prefix: string, leaseMs: number): TenantSlots {
  const keyOf = (job: string, tenantId: string) => `${prefix}:tenant-slots:${job}:${tenantId}`;
  return {
    async acquire(job, tenantId, holder, limit) {
      const granted = await redis.eval(
        acquireScript,
        1,
        keyOf(job, tenantId),
        limit,
        holder,
        leaseMs,
      );
      return granted === 1;
    },
    async release(job, tenantId, holder) {
      await redis.zrem(keyOf(job, tenantId), holder);
    },
  };
}
