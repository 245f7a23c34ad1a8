import { z } from "zod";
import { whoMay } from "../permissions";
import { errorSchema } from "./schemas";
import { operations, type Operation } from "./spec";

type JsonSchema = Record<string, unknown>;

/** Named schemas (zod `.meta({ id })`), gathered under components/schemas while a document is built. */
type Components = Record<string, JsonSchema>;

const componentRef = (name: string) => `#/components/schemas/${name}`;

/** Replaces every local `$ref` (`#/$defs/X`, `#/definitions/X`) by the component it was hoisted to. */
function rewriteRefs(value: unknown, names: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, names));
  if (value === null || typeof value !== "object") return value;
  const out: JsonSchema = {};
  for (const [key, item] of Object.entries(value)) {
    const local =
      key === "$ref" && typeof item === "string"
        ? /^#\/(?:\$defs|definitions)\/(.+)$/.exec(item)
        : null;
    out[key] = local ? componentRef(names.get(local[1]!) ?? local[1]!) : rewriteRefs(item, names);
  }
  return out;
}

/**
 * JSON Schema 2020-12 (the dialect of OpenAPI 3.1) of a zod schema. Named sub-schemas are moved to
 * `components` and referenced from there; an input variant that differs from the output schema of
 * the same name becomes `<name>Input`.
 */
function toSchema(schema: z.ZodType, io: "input" | "output", components: Components): JsonSchema {
  const {
    $schema: _drop,
    $defs,
    definitions,
    ...rest
  } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  const defs = { ...(definitions as Components), ...($defs as Components) };
  const fits = (names: Map<string, string>) =>
    Object.entries(defs).every(([name, def]) => {
      const existing = components[names.get(name)!];
      return !existing || JSON.stringify(existing) === JSON.stringify(rewriteRefs(def, names));
    });
  let names = new Map(Object.keys(defs).map((name) => [name, name]));
  for (let attempt = 1; !fits(names); attempt++) {
    const suffix = `${io === "input" ? "Input" : "Output"}${attempt > 1 ? attempt : ""}`;
    names = new Map(Object.keys(defs).map((name) => [name, `${name}${suffix}`]));
  }
  for (const [name, def] of Object.entries(defs))
    components[names.get(name)!] = rewriteRefs(def, names) as JsonSchema;
  return rewriteRefs(rest, names) as JsonSchema;
}

function parameters(op: Operation, components: Components) {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ["query", op.query],
    ["path", op.params],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, "input", components) as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { description, ...rest } = property;
      out.push({
        name,
        in: where,
        required: where === "path" || (json.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: rest,
        ...(property.type === "array" ? { style: "form", explode: true } : {}),
      });
    }
  }
  return out;
}

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/** The OpenAPI 3.1 document of /api/v1, generated from the zod schemas in `spec.ts`. */
export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Components = {};
  toSchema(errorSchema, "output", components);
  for (const op of operations) {
    const entry: Record<string, unknown> = {
      summary: op.summary,
      operationId: `${op.method}${op.path
        .replace(/\/api\/v1/, "")
        .replace(/[{}]/g, "")
        .replace(/[/.-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      ...(op.permission === "public"
        ? { security: [], ...(op.description ? { description: op.description } : {}) }
        : {
            description: `Requires the ${op.permission} permission (${whoMay(op.permission)}).${op.description ? ` ${op.description}` : ""}`,
          }),
      parameters: parameters(op, components),
      responses: {
        [op.response.status]:
          "binary" in op.response
            ? {
                description: "The file, as an attachment.",
                headers: {
                  "Content-Disposition": {
                    description:
                      "attachment; filename=\"…\" (printable ASCII), plus filename*=UTF-8''… when the name has other characters (RFC 6266).",
                    schema: { type: "string" },
                  },
                  "X-Report-Status": { description: "draft or final", schema: { type: "string" } },
                  "X-Report-Content-Sha256": {
                    description:
                      "The report's content SHA-256 (the same as `contentSha256` in the API, on the report page and printed in the file): SHA-256 of the report content (figures, boundary, parameters, lineage, methodology text) as canonical JSON. It identifies the figures, not the file's bytes.",
                    schema: { type: "string" },
                  },
                },
                content: Object.fromEntries(
                  op.response.binary.map((type) => [
                    type,
                    { schema: { type: "string", format: "binary" } },
                  ]),
                ),
              }
            : {
                description: "OK",
                content: {
                  "application/json": {
                    schema: toSchema(op.response.schema, "output", components),
                  },
                },
              },
        ...(op.permission === "public"
          ? {}
          : {
              400: errorResponse("Invalid input; `fields` names each invalid field."),
              401: errorResponse("No session and no valid API key."),
              403: errorResponse("The caller's role is too low."),
              404: errorResponse("No such resource in the caller's organization."),
            }),
        ...Object.fromEntries(
          (op.otherResponses ?? []).map((r) => [
            r.status,
            r.schema
              ? {
                  description: r.description,
                  content: {
                    "application/json": { schema: toSchema(r.schema, "output", components) },
                  },
                }
              : errorResponse(r.description),
          ]),
        ),
      },
    };
    if (op.body) {
      entry.requestBody = {
        required: true,
        content: {
          [op.body.contentType]: { schema: toSchema(op.body.schema, "input", components) },
        },
      };
    }
    (paths[op.path] ??= {})[op.method] = entry;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Canopy API",
      version: "1.0.0",
      description:
        "Cloud carbon emissions of one organization. Authenticate with `Authorization: Bearer <api key>` " +
        "(create keys under Settings → API keys) or the browser session. Errors are `{ error: { code, message, fields? } }`.",
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }, { session: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "An organization API key (cnp_…)." },
        session: { type: "apiKey", in: "cookie", name: "better-auth.session_token" },
      },
      schemas: components,
    },
    paths,
  };
}
