"use client";
import Link from "next/link";
import { useState } from "react";
import { testConnection, type ConnectionTest } from "@/app/actions/accounts";

export function TestConnection(props: { accountId: string; next: string; importHref: string }) {
  const [result, setResult] = useState<ConnectionTest | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function run() {
    setPending(true);
    const outcome = await testConnection({ accountId: props.accountId });
    setPending(false);
    if (!outcome.ok) setError(outcome.error.message);
    else setResult(outcome.data);
  }

  return (
    <div className="stack-lg">
      <div>
        <button type="button" onClick={run} disabled={pending}>
          {pending ? "Testing…" : "Test connection"}
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {result && (
        <>
          <p className="notice warn" role="status" data-testid="test-result">
            {result.message}
          </p>
          <table className="data">
            <thead>
              <tr>
                <th>Permission</th>
                <th>Result</th>
                <th>Fix</th>
              </tr>
            </thead>
            <tbody>
              {result.checks.map((c) => (
                <tr key={c.permission}>
                  <td>
                    <code>{c.permission}</code>
                  </td>
                  <td>
                    <span className="badge">not checked</span>
                  </td>
                  <td className="small">{c.fix}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row">
            <Link className="button" href={props.next}>
              Continue to scope
            </Link>
            <Link className="button secondary" href={props.importHref}>
              Skip to file import
            </Link>
          </div>
        </>
      )}
    </div>
  );
}
