/**
 * Keeps a long-running process (the worker, `pnpm start`, a CLI command running jobs in-process) alive
 * when a promise rejects with nobody listening or an exception escapes to the event loop. Node would end
 * the process, abandoning every job in it: the job whose work broke already fails on its own (its
 * query rejects, the driver retries it or marks its run failed with the reason), so here the error is
 * logged, counted, and the process carries on. Returns a function that removes the handlers.
 */
export function guardProcess(options: {
  /** Prefix of the log line, e.g. "worker". */
  name: string;
  log: (line: string) => void;
  /** Told of each error (metrics, or a CLI that wants to exit non-zero at the end). */
  onError?: (error: Error, kind: "unhandledRejection" | "uncaughtException") => void;
}): () => void {
  const report = (kind: "unhandledRejection" | "uncaughtException") => (reason: unknown) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    options.log(
      `${options.name}: ${kind === "unhandledRejection" ? "unhandled rejection" : "uncaught exception"} (kept running): ${error.message}`,
    );
    options.onError?.(error, kind);
  };
  const onRejection = report("unhandledRejection");
  const onException = report("uncaughtException");
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return () => {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  };
}
