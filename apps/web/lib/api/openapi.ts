import { z } from "zod";
import { errorSchema } from "./schemas";
import { operations, type Operation } from "./spec";

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    target: "openapi-3.0",
  }) as JsonSchema;
  return rest;
};

function parameters(op: Operation) {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ["query", op.query],
    ["path", op.params],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, "input") as {
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

/** The OpenAPI 3.0 document of /api/v1, generated from the zod schemas in `spec.ts`. */
export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const entry: Record<string, unknown> = {
      summary: op.summary,
      operationId: `${op.method}${op.path
        .replace(/\/api\/v1/, "")
        .replace(/[{}]/g, "")
        .replace(/[/.-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      ...(op.role === "public"
        ? { security: [], ...(op.description ? { description: op.description } : {}) }
        : {
            description: `Requires the ${op.role} role or higher.${op.description ? ` ${op.description}` : ""}`,
          }),
      parameters: parameters(op),
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
                  "X-Report-Sha256": {
                    description: "The report's content SHA-256.",
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
                content: { "application/json": { schema: toSchema(op.response.schema, "output") } },
              },
        ...(op.role === "public"
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
                  content: { "application/json": { schema: toSchema(r.schema, "output") } },
                }
              : errorResponse(r.description),
          ]),
        ),
      },
    };
    if (op.body) {
      entry.requestBody = {
        required: true,
        content: { [op.body.contentType]: { schema: toSchema(op.body.schema, "input") } },
      };
    }
    (paths[op.path] ??= {})[op.method] = entry;
  }
  return {
    openapi: "3.0.3",
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
      schemas: { Error: toSchema(errorSchema, "output") },
    },
    paths,
  };
}
