import { Forbidden } from "@/components/forbidden";
import { ApiKeyManager } from "@/components/settings/api-key-manager";
import { listApiKeys } from "@/lib/server/api-key-store";
import { allowed, requireMember } from "@/lib/server/page-context";

export const dynamic = "force-dynamic";

export default async function ApiKeysPage() {
  const scope = await requireMember();
  if (!allowed(scope.principal, "apiKeys.manage"))
    return <Forbidden role={scope.principal.role} needs="apiKeys.manage" />;
  const keys = await scope.sql(listApiKeys);
  return (
    <main className="stack-lg">
      <h1>API keys</h1>
      <p className="muted">
        Keys call <code>/api/v1</code> as this organization with the role you choose: send{" "}
        <code>Authorization: Bearer &lt;key&gt;</code>. Canopy stores only a SHA-256 of each key.
        The API is described in the <a href="/api-reference">API reference</a> and, for tools, at{" "}
        <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.1).
      </p>
      <ApiKeyManager keys={keys} maxRole={scope.principal.role} />
    </main>
  );
}
