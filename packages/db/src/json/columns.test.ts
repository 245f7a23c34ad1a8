import { describe, expect, it } from "vitest";
import { deliveryLogSchema } from "./alert-delivery-log";
import { auditDetailsSchema } from "./audit-details";
import { connectionCheckResultSchema } from "./connection-check";
import { parseStoredJson } from "./parse";
import { measureScopeSchema, realizedSavingSchema } from "./recommendation-finding";

describe("stored JSON columns", () => {
  it("a connection test result keeps its checks; a check without its status is refused by path", () => {
    const result = {
      message: "Connected.",
      checks: [{ permission: "sts:AssumeRole", status: "passed", message: "ok", required: true }],
      discovered: null,
      resolution: "daily",
    };
    expect(parseStoredJson(connectionCheckResultSchema, result, "check")).toEqual(result);
    const { status: _status, ...withoutStatus } = result.checks[0]!;
    expect(() =>
      parseStoredJson(
        connectionCheckResultSchema,
        { ...result, checks: [withoutStatus] },
        "cloud_accounts.connection_checks of a1",
      ),
    ).toThrow(
      /^cloud_accounts\.connection_checks of a1 is not what its schema declares: checks\.0\.status: /,
    );
  });

  it("a realized saving is waiting or measured; a measured one without its figures is refused", () => {
    const common = {
      measuredAt: "2026-06-01T00:00:00.000Z",
      hoursBefore: 720,
      hoursAfter: 200,
      formula: "f",
    };
    expect(
      realizedSavingSchema.parse({ ...common, status: "waiting", reason: "needs 168 h" }),
    ).toEqual({
      ...common,
      status: "waiting",
      reason: "needs 168 h",
    });
    expect(() =>
      parseStoredJson(realizedSavingSchema, { ...common, status: "measured" }, "realized of f1"),
    ).toThrow(/co2eLocationSavedKgPerMonth/);
  });

  it("a measure scope names every list; audit details must be an object", () => {
    expect(() =>
      parseStoredJson(measureScopeSchema, { cloudAccountIds: [], services: "ec2" }, "scope"),
    ).toThrow(/services: .*; regions: /);
    expect(auditDetailsSchema.parse({ fields: ["roleArn"], keyId: "k1" })).toEqual({
      fields: ["roleArn"],
      keyId: "k1",
    });
    expect(() =>
      parseStoredJson(auditDetailsSchema, ["roleArn"], "audit_log.details of 7"),
    ).toThrow(/^audit_log\.details of 7 is not what its schema declares: \(value\): /);
  });

  it("a delivery log is a list of attempts; an attempt without its outcome is refused", () => {
    const log = [{ at: "2026-06-01T10:00:00.000Z", attempt: 1, ok: false, statusCode: 502 }];
    expect(parseStoredJson(deliveryLogSchema, log, "log")).toEqual(log);
    expect(() =>
      parseStoredJson(deliveryLogSchema, [{ at: "x", attempt: 1 }], "alert_deliveries.log of d1"),
    ).toThrow(/^alert_deliveries\.log of d1 is not what its schema declares: 0\.ok: /);
  });
});
