import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@canopy/db/testing";
import { seedEmissions } from "../bench/seed-emissions";
import { operations } from "@/lib/api/spec";
import * as apiKeys from "@/app/api/v1/api-keys/route";
import * as imports from "@/app/api/v1/imports/route";
import { setUpWebTestDatabase, tearDownWebTestDatabase } from "./harness";
import { createOrganization, signUp } from "./users";
import { call, type Handler } from "./call";

/**
 * Every query and path parameter of every operation in lib/api/spec.ts, sent malformed: NUL bytes,
 * impossible calendar dates, years 0000 and 9999, huge and negative numbers, garbage cursors and
 * fast-check's arbitrary strings. No answer may be a 5xx: a malformed parameter is the caller's error.
 */
const routes = import.meta.glob<Record<string, Handler>>("../app/api/v1/**/route.ts", {
  eager: true,
});
const moduleOf = (path: string) => routes[`../app${path.replace(/\{(\w+)\}/g, "[$1]")}/route.ts`];

const FIXED = [
  "",
  "\u0000",
  "2025-01-01\u0000",
  "a\u0000b",
  "2024-02-30",
  "2023-02-29",
  "2025-04-31",
  "2025-13-01",
  "2025-00-10",
  "0000-01-01",
  "9999-12-31",
  "10000-01-01",
  "0001-01-01",
  "1969-12-31",
  "2025-01-01T00:00:00Z",
  "0000",
  "9999",
  "0000-01",
  "9999-12",
  "0000-Q1",
  "9999-Q4",
  "2025-Q5",
  "-1",
  "0",
  "1e309",
  "NaN",
  "Infinity",
  "99999999999999999999",
  "1.5",
  "0x10",
  "%",
  "%00",
  "../../etc/passwd",
  "' OR 1=1 --",
  "MjAyNS0wMS0wMXxub3QtYS11dWlk",
  Buffer.from("not-a-date|00000000-0000-0000-0000-000000000000").toString("base64url"),
  Buffer.from("2025-01-01T00:00:00.000Z|not-a-uuid").toString("base64url"),
  Buffer.from("0000-01-01T00:00:00.000Z|00000000-0000-0000-0000-000000000000").toString(
    "base64url",
  ),
  Buffer.from("\u0000|\u0000").toString("base64url"),
  "=",
  "k=\u0000",
  "aws,\u0000",
  "00000000-0000-0000-0000-00000000000g",
  "00000000-0000-0000-0000-000000000000\u0000",
  "x".repeat(5000),
  "\uD800",
  "😀",
];

const dateLike = fc
  .tuple(
    fc.integer({ min: 0, max: 99999 }),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 0, max: 99 }),
  )
  .map(
    ([y, m, d]) =>
      `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`,
  );
const malformed = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  dateLike,
  fc.base64String(),
  fc.integer().map(String),
  fc.double().map(String),
  fc.uuid().map((uuid) => `${uuid}${String.fromCharCode(0)}`),
);

type Case = { method: string; path: string; param: string; value: string; status: number };

let db: TestDatabase;
let apiKey: string;

beforeAll(async () => {
  db = await setUpWebTestDatabase();
  const owner = await signUp("owner@fuzz.test");
  const tenantId = await createOrganization(owner, "Fuzz Org");
  await seedEmissions(db.owner.pool, {
    tenantId,
    accounts: 2,
    services: 2,
    combos: 4,
    start: new Date("2025-01-01T00:00:00Z"),
    hours: 24 * 40,
  });
  const created = await call(apiKeys.POST, {
    path: "/api/v1/api-keys",
    method: "POST",
    credential: owner,
    json: { name: "fuzz", role: "admin" },
  });
  apiKey = created.body.key as string;
});
afterAll(async () => tearDownWebTestDatabase(db));

describe("malformed parameters", () => {
  it("answer 4xx, never 5xx, on every operation's query and path parameters", async () => {
    const failures: Case[] = [];
    let tried = 0;
    let parameters = 0;
    const values = [...FIXED, ...fc.sample(malformed, { numRuns: 40, seed: 20261203 })];
    for (const op of operations) {
      const handler = moduleOf(op.path)?.[op.method.toUpperCase()];
      if (!handler) continue;
      const queryNames = Object.keys(op.query?.shape ?? {});
      const paramNames = Object.keys(op.params?.shape ?? {});
      parameters += queryNames.length + paramNames.length;
      const validId = "00000000-0000-4000-8000-000000000000";
      for (const value of values) {
        for (const name of [
          ...queryNames.map((n) => ["query", n]),
          ...paramNames.map((n) => ["path", n]),
        ]) {
          const [kind, param] = name as [string, string];
          const params = Object.fromEntries(paramNames.map((n) => [n, validId]));
          let path = op.path.replace(/\{(\w+)\}/g, (_, n: string) =>
            encodeURIComponent(params[n]!),
          );
          if (kind === "path") {
            params[param] = value;
            path = op.path.replace(`{${param}}`, encodeURIComponent(value.toWellFormed()));
          } else {
            path += `?${new URLSearchParams({ [param]: value.toWellFormed() })}`;
          }
          tried++;
          let status: number;
          try {
            ({ status } = await call(handler as Handler, {
              path,
              method: op.method.toUpperCase(),
              credential: { apiKey },
              params,
              ...(op.method === "patch" ? { json: {} } : {}),
            }));
          } catch {
            status = 599; // threw, or answered a body that is not JSON (e.g. a file for a valid value)
          }
          if (status >= 500)
            failures.push({ method: op.method, path: op.path, param, value, status });
        }
      }
    }
    console.log(
      `params fuzz: ${parameters} parameters, ${tried} requests, ${failures.length} answered >= 500`,
    );
    expect(
      failures.map(
        (f) =>
          `${f.method} ${f.path} ${f.param}=${JSON.stringify(f.value).slice(0, 60)} → ${f.status}`,
      ),
    ).toEqual([]);
  });

  it("malformed upload fields answer 400", async () => {
    for (const [field, value] of [
      ["format", "cur\u0000"],
      ["cloudAccountId", "\u0000"],
      ["replace", "9999-12-31"],
    ] as const) {
      const form = new FormData();
      form.set(field, value);
      form.set("file", new Blob(["a,b\n1,2\n"]), "x\u0000.csv");
      const response = await call(imports.POST as Handler, {
        path: "/api/v1/imports",
        method: "POST",
        credential: { apiKey },
        body: form,
      });
      expect(response.status, `${field}=${JSON.stringify(value)}`).toBe(400);
    }
  });
});
