/**
 * When the wizard's Finish may activate an account. Pure: the finish action enforces it and the
 * finish step shows the same reason before the admin clicks.
 *
 * - An account without credentials is a file-import-only account: it never calls the provider, so
 *   there is no connection to test and Finish activates it.
 * - An account with credentials is activated only when its latest "Test connection"
 *   (`cloud_accounts.connection_check_status`) passed. Saving new credentials clears the test, and a
 *   permanent sync failure records a failed one, so both need a new passing test.
 */
export type FinishRefusal = {
  code: "connection_not_tested" | "connection_test_running" | "connection_test_failed";
  message: string;
};

export function finishRefusal(
  account: { hasCredentials: boolean },
  check: { status: "checking" | "passed" | "failed" | null; message?: string | null },
): FinishRefusal | null {
  if (!account.hasCredentials || check.status === "passed") return null;
  if (check.status === "checking")
    return {
      code: "connection_test_running",
      message:
        "The connection test is still running. Wait for it to pass on the Test connection step, then finish.",
    };
  if (check.status === "failed")
    return {
      code: "connection_test_failed",
      message: `The last connection test failed${check.message ? `: ${check.message.trim().replace(/\.*$/, ".")}` : "."} Fix it and test again on the Test connection step before finishing.`,
    };
  return {
    code: "connection_not_tested",
    message:
      "The stored credentials have not been tested. Run Test connection and let it pass before finishing.",
  };
}
