"use client";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { connectionTestStatus, testConnection } from "@/app/actions/accounts";
import type { ConnectionCheck } from "@/lib/server/accounts";

const POLL_MS = 1000;
/** After this long without a result the worker is probably not running; say so instead of spinning silently. */
const SLOW_MS = 60_000;

const scopeNoun = { aws: "accounts", azure: "subscriptions", gcp: "projects" } as const;

export function TestConnection(props: {
  accountId: string;
  provider: "aws" | "azure" | "gcp";
  initial: ConnectionCheck;
  next: string;
  importHref: string;
}) {
  const [check, setCheck] = useState<ConnectionCheck>(props.initial);
  const [error, setError] = useState<string | null>(null);
  const [slow, setSlow] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const startedAt = useRef(Date.now());

  useEffect(() => {
    if (check.status !== "checking") return;
    let cancelled = false;
    const poll = async () => {
      const outcome = await connectionTestStatus({ accountId: props.accountId });
      if (cancelled) return;
      if (!outcome.ok) {
        setError(outcome.error.message);
        return;
      }
      setSlow(Date.now() - startedAt.current > SLOW_MS);
      setCheck(outcome.data);
      if (outcome.data.status === "checking") timer.current = setTimeout(poll, POLL_MS);
    };
    timer.current = setTimeout(poll, POLL_MS);
    return () => {
      cancelled = true;
      if (timer.current) clearTimeout(timer.current);
    };
  }, [check.status, props.accountId]);

  async function run() {
    setError(null);
    setSlow(false);
    startedAt.current = Date.now();
    const outcome = await testConnection({ accountId: props.accountId });
    if (!outcome.ok) setError(outcome.error.message);
    else setCheck(outcome.data);
  }

  const checking = check.status === "checking";
  const result = check.result;
  return (
    <div className="stack-lg">
      <p>
        Canopy signs in with the stored credentials and tries each permission it needs, read-only.
        The credentials are decrypted only by the background job that runs the test.
      </p>
      <div>
        <button type="button" onClick={run} disabled={checking}>
          {checking ? "Testing…" : check.status ? "Test again" : "Test connection"}
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {checking && (
        <p className="muted" role="status" data-testid="test-progress">
          {slow
            ? "Still waiting: the worker has not picked up the test yet. Check that it is running."
            : "Testing the connection…"}
        </p>
      )}
      {!checking && check.status && result && (
        <>
          <p
            className={check.status === "passed" ? "notice" : "notice warn"}
            role="status"
            data-testid="test-result"
            data-status={check.status}
            data-outcome={result.outcome ?? (check.status === "passed" ? "passed" : "failed")}
          >
            {result.outcome === "unreachable" && <strong>Could not reach the provider. </strong>}
            {result.message}
          </p>
          {result.checks.length > 0 && (
            <table className="data" data-testid="test-checks">
              <thead>
                <tr>
                  <th>Permission</th>
                  <th>Result</th>
                  <th>What happened, and the fix</th>
                </tr>
              </thead>
              <tbody>
                {result.checks.map((c, i) => (
                  <tr key={`${c.permission}-${i}`} data-check={c.permission} data-status={c.status}>
                    <td>
                      <code>{c.permission}</code>
                      {!c.required && <span className="muted small"> (optional)</span>}
                    </td>
                    <td>
                      <span
                        className={
                          c.status === "passed"
                            ? "badge ok"
                            : c.status === "failed"
                              ? "badge bad"
                              : "badge"
                        }
                      >
                        {c.status}
                      </span>
                    </td>
                    <td className="small">
                      {c.message}
                      {c.status === "failed" && c.fix && (
                        <>
                          <br />
                          <strong>Fix:</strong> {c.fix}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {result.discovered && (
            <div data-testid="discovered">
              <h3>
                In scope: {result.discovered.length} {scopeNoun[props.provider]}
              </h3>
              {result.discovered.length > 0 && (
                <table className="data">
                  <thead>
                    <tr>
                      <th>Id</th>
                      <th>Name</th>
                      <th>Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {result.discovered.map((a) => (
                      <tr key={a.id}>
                        <td>
                          <code>{a.id}</code>
                        </td>
                        <td>{a.name}</td>
                        <td className="small">{a.status}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          )}
          {result.discoveryError && (
            <p className="muted small">
              {scopeNoun[props.provider][0]!.toUpperCase() + scopeNoun[props.provider].slice(1)}{" "}
              could not be listed ({result.discoveryError}); enter them on the next step.
            </p>
          )}
          {check.checkedAt && (
            <p className="muted small">
              Tested {check.checkedAt.slice(0, 19).replace("T", " ")} UTC
            </p>
          )}
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
