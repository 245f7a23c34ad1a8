import { describe, expect, it } from "vitest";
import { parseAlertDetails } from "./alert-details";
import { deliveryLogSchema } from "./alert-delivery-log";
import { auditDetailsSchema } from "./audit-details";
import { connectionCheckResultSchema } from "./connection-check";
import { gridIntensityLoadDetailsSchema, gridRestatementSchema } from "./grid-intensity-load";
import { parseStoredJson, StoredJsonError } from "./parse";
import { measureScopeSchema, realizedSavingSchema } from "./recommendation-finding";
import { reportModelSchema } from "./report-model";
import { reportParametersSchema } from "./report-parameters";
import { utilizationRunDetailsSchema } from "./utilization-run-details";

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

  it("a grid load is a failed attempt or a load with its restatement; totals without a figure are refused", () => {
    const totals = { kwhFacility: 1, kwhHourlyGrid: 1, co2eLocationKg: 0.4, co2eMarketKg: 0.3 };
    const restatement = {
      status: "queued",
      queuedAt: "2026-06-01T00:00:00.000Z",
      windows: 1,
      pending: { "a1/2026-05-01": "t1" },
      before: totals,
      after: null,
      tenants: { t1: { windows: 1, before: totals, after: totals } },
    };
    const failure = { status: "failed", error: "source down", retryable: true };
    expect(parseStoredJson(gridIntensityLoadDetailsSchema, failure, "load")).toEqual(failure);
    expect(parseStoredJson(gridIntensityLoadDetailsSchema, { restatement }, "load")).toEqual({
      restatement,
    });
    const { co2eMarketKg: _market, ...withoutMarket } = totals;
    expect(() =>
      parseStoredJson(
        gridRestatementSchema,
        { ...restatement, before: withoutMarket },
        "grid_intensity_loads.details.restatement of load l1",
      ),
    ).toThrow(
      /^grid_intensity_loads\.details\.restatement of load l1 is not what its schema declares: before\.co2eMarketKg: /,
    );
  });

  it("a utilization run's details name its job; calls counted as text are refused", () => {
    const details = { jobId: "util-1", apiCalls: { "cloudwatch:GetMetricData": 1 }, skipped: {} };
    expect(parseStoredJson(utilizationRunDetailsSchema, details, "run")).toEqual(details);
    expect(parseStoredJson(utilizationRunDetailsSchema, { jobId: "util-1" }, "run")).toEqual({
      jobId: "util-1",
    });
    expect(() =>
      parseStoredJson(
        utilizationRunDetailsSchema,
        { jobId: "util-1", apiCalls: { "cloudwatch:GetMetricData": "1" } },
        "utilization_runs.details of r1",
      ),
    ).toThrow(
      /^utilization_runs\.details of r1 is not what its schema declares: apiCalls\.cloudwatch:GetMetricData: /,
    );
  });

  it("an alert's details are read with its kind's schema; a budget's without its period is refused", () => {
    const spike = { score: 4.2, spreadKg: 3, excessKg: 12 };
    expect(parseAlertDetails("spike", spike, "a1")).toEqual({ kind: "spike", details: spike });
    const budget = {
      status: "over",
      budgetName: "Org",
      periodStart: "2026-05-01",
      periodEnd: "2026-06-01",
      actualKg: 1200,
      forecastKg: 1200,
      forecastLowKg: 1200,
      forecastHighKg: 1200,
      daysElapsed: 31,
      daysInPeriod: 31,
    };
    expect(parseAlertDetails("budget", budget, "a2")).toEqual({ kind: "budget", details: budget });
    expect(() => parseAlertDetails("budget", spike, "a3")).toThrow(
      /^alerts\.details of budget alert a3 is not what its schema declares: status: .*; budgetName: /,
    );
    expect(() => parseAlertDetails("spike", {}, "a4")).toThrow(StoredJsonError);
    expect(() => parseAlertDetails("drift", spike, "a5")).toThrow(
      /^alerts\.details of drift alert a5: no schema for the kind "drift"$/,
    );
  });

  it("report parameters read a missing field as empty; a functional unit without its count is refused", () => {
    expect(parseStoredJson(reportParametersSchema, {}, "parameters")).toEqual({
      tagKeys: [],
      functionalUnits: [],
    });
    expect(
      parseStoredJson(
        reportParametersSchema,
        { tagKeys: ["team"], functionalUnits: [{ name: "orders", count: 12 }] },
        "parameters",
      ),
    ).toEqual({ tagKeys: ["team"], functionalUnits: [{ name: "orders", count: 12 }] });
    expect(() =>
      parseStoredJson(
        reportParametersSchema,
        { tagKeys: "team", functionalUnits: [{ name: "orders" }] },
        "reports.parameters of report r1",
      ),
    ).toThrow(
      /^reports\.parameters of report r1 is not what its schema declares: tagKeys: .*; functionalUnits\.0\.count: /,
    );
  });

  it("a report model keeps what db does not read; a spend without its amount is refused", () => {
    const model = {
      schemaVersion: 3,
      content: { spend: [{ currency: "USD", amount: 12.5 }], sections: ["totals"] },
    };
    expect(parseStoredJson(reportModelSchema, model, "model")).toEqual(model);
    expect(parseStoredJson(reportModelSchema, {}, "model")).toEqual({});
    expect(() =>
      parseStoredJson(
        reportModelSchema,
        { content: { spend: [{ currency: "USD" }] } },
        "reports.model of report r1",
      ),
    ).toThrow(
      /^reports\.model of report r1 is not what its schema declares: content\.spend\.0\.amount: /,
    );
  });
});
