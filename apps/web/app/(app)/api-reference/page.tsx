import { openApiDocument } from "@/lib/api/openapi";
import { requireMember } from "@/lib/server/page-context";

export const dynamic = "force-dynamic";

type Schema = {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  format?: string;
};
type Parameter = {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  schema: Schema;
};
type Response = { description: string; content?: Record<string, { schema: Schema }> };
type OperationDoc = {
  summary: string;
  description?: string;
  operationId: string;
  parameters: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
};

const refName = (ref: string) => ref.replace("#/components/schemas/", "");

/** A schema in one line: its component name, type, enum values or item type. */
function typeLabel(schema: Schema | undefined): string {
  if (!schema) return "";
  if (schema.$ref) return refName(schema.$ref);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.anyOf) return schema.anyOf.map(typeLabel).join(" | ");
  if (schema.type === "array") return `${typeLabel(schema.items)}[]`;
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type ?? "any");
  return schema.format ? `${type} (${schema.format})` : type;
}

const methodOrder = ["get", "post", "put", "patch", "delete"];

/**
 * The API reference, rendered on the server from the same OpenAPI 3.1 document as
 * /api/v1/openapi.json (no script, no CDN): every operation with its role, parameters, body and
 * responses, then every named schema with its fields.
 */
export default async function ApiReferencePage() {
  await requireMember();
  const doc = openApiDocument("/") as unknown as {
    info: { title: string; version: string; description: string };
    paths: Record<string, Record<string, OperationDoc>>;
    components: { schemas: Record<string, Schema> };
  };
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .sort(([a], [b]) => methodOrder.indexOf(a) - methodOrder.indexOf(b))
      .map(([method, op]) => ({ path, method, op })),
  );
  const schemas = Object.entries(doc.components.schemas).sort(([a], [b]) => a.localeCompare(b));
  return (
    <main className="stack-lg">
      <h1>API reference</h1>
      <p className="muted">
        {doc.info.description} The machine-readable document (OpenAPI 3.1) is at{" "}
        <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>; keys are created under{" "}
        <a href="/settings/api-keys">Settings → API keys</a>.
      </p>
      <nav className="card small" aria-label="Operations">
        <ul className="plain">
          {operations.map(({ path, method, op }) => (
            <li key={op.operationId}>
              <a href={`#${op.operationId}`}>
                <code>{method.toUpperCase()}</code> <code>{path}</code>
              </a>{" "}
              — {op.summary}
            </li>
          ))}
        </ul>
      </nav>
      {operations.map(({ path, method, op }) => (
        <section
          key={op.operationId}
          id={op.operationId}
          className="card stack"
          data-operation={`${method} ${path}`}
        >
          <h2>
            <code>{method.toUpperCase()}</code> <code>{path}</code>
          </h2>
          <p>{op.summary}</p>
          {op.description && <p className="muted small">{op.description}</p>}
          {op.parameters.length > 0 && (
            <table className="data small">
              <thead>
                <tr>
                  <th>Parameter</th>
                  <th>In</th>
                  <th>Type</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {op.parameters.map((p) => (
                  <tr key={`${p.in} ${p.name}`}>
                    <td>
                      <code>{p.name}</code>
                      {p.required ? " (required)" : ""}
                    </td>
                    <td>{p.in}</td>
                    <td>
                      <code>{typeLabel(p.schema)}</code>
                    </td>
                    <td>{p.description ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {op.requestBody && (
            <p className="small">
              Body:{" "}
              {Object.entries(op.requestBody.content).map(([type, c]) => (
                <span key={type}>
                  <code>{type}</code> <a href={schemaHref(c.schema)}>{typeLabel(c.schema)}</a>{" "}
                </span>
              ))}
            </p>
          )}
          <table className="data small">
            <thead>
              <tr>
                <th>Status</th>
                <th>Description</th>
                <th>Body</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(op.responses).map(([status, r]) => (
                <tr key={status}>
                  <td>{status}</td>
                  <td>{r.description}</td>
                  <td>
                    {Object.entries(r.content ?? {}).map(([type, c]) => (
                      <span key={type}>
                        <code>{type}</code>{" "}
                        <a href={schemaHref(c.schema)}>{typeLabel(c.schema)}</a>{" "}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
      <h2>Schemas</h2>
      {schemas.map(([name, schema]) => (
        <section key={name} id={`schema-${name}`} className="card stack small" data-schema={name}>
          <h3>
            <code>{name}</code>
          </h3>
          {schema.description && <p className="muted">{schema.description}</p>}
          {schema.properties ? (
            <table className="data small">
              <thead>
                <tr>
                  <th>Field</th>
                  <th>Type</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(schema.properties).map(([field, property]) => (
                  <tr key={field}>
                    <td>
                      <code>{field}</code>
                      {schema.required?.includes(field) ? "" : " (optional)"}
                    </td>
                    <td>
                      <code>{typeLabel(property)}</code>
                    </td>
                    <td>{property.description ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>
              <code>{typeLabel(schema)}</code>
            </p>
          )}
        </section>
      ))}
    </main>
  );
}

const schemaHref = (schema: Schema) =>
  schema.$ref ? `#schema-${refName(schema.$ref)}` : undefined;
