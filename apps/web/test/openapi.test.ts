import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { openApiDocument } from "@/lib/api/openapi";

/**
 * The /api/v1 document as integrators use it: valid OpenAPI 3.1 by the OpenAPI Initiative's JSON
 * Schema (a real validator, not our own reading), every reference resolvable, and a typed client
 * generated from it that compiles and types the responses.
 */
const doc = openApiDocument("https://canopy.example.com") as unknown as Record<string, unknown>;
const dir = mkdtempSync(path.join(os.tmpdir(), "canopy-openapi-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every `$ref` in the document, with the JSON pointer it names. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refs(item, out);
  else if (value !== null && typeof value === "object")
    for (const [key, item] of Object.entries(value)) {
      if (key === "$ref" && typeof item === "string") out.push(item);
      else refs(item, out);
    }
  return out;
}

function resolvePointer(pointer: string): unknown {
  let node: unknown = doc;
  for (const part of pointer.replace(/^#\//, "").split("/")) {
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  return node;
}

/** TypeScript diagnostics of `files` (name → source), compiled together with strict settings. */
function typeErrors(files: Record<string, string>): string[] {
  for (const [name, source] of Object.entries(files)) writeFileSync(path.join(dir, name), source);
  const program = ts.createProgram(
    Object.keys(files).map((name) => path.join(dir, name)),
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      skipLibCheck: true,
      types: [],
    },
  );
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("resolves every reference, all under components/schemas", () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(50);
    for (const ref of new Set(all)) {
      expect(ref, ref).toMatch(/^#\/components\/schemas\/[A-Za-z0-9._-]+$/);
      expect(resolvePointer(ref), ref).toBeTypeOf("object");
    }
    // No schema carries local definitions any more (they are what generators could not resolve).
    expect(JSON.stringify(doc)).not.toMatch(/"(\$defs|definitions)"/);
  });

  it("generates a typed client that compiles and types the responses", async () => {
    const types = astToString(await openapiTS(doc as never));
    const use = (body: string) => `import type { paths } from "./api";
type Json<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: { 200: { content: { "application/json": infer T } } };
} ? T : never;
${body}
`;
    expect(
      typeErrors({
        "api.ts": types,
        "client.ts": use(`type Emissions = Json<"/api/v1/emissions", "get">;
export const first = (e: Emissions): number | undefined => e.points[0]?.co2eLocationKg;
export const problem: paths["/api/v1/reports"]["post"]["responses"][400]["content"]["application/json"]["error"]["code"] = "validation_error";`),
      }),
    ).toEqual([]);
    // The types are real: a field the API does not have is an error.
    expect(
      typeErrors({
        "api.ts": types,
        "client.ts": use(`type Emissions = Json<"/api/v1/emissions", "get">;
export const wrong = (e: Emissions) => e.points[0]?.noSuchFigureKg;`),
      }).join("\n"),
    ).toMatch(/noSuchFigureKg/);
  }, 120_000);
});
