import type { Server } from "node:http";

export class PortInUseError extends Error {
  override name = "PortInUseError";
}

/** Listens, or fails with one line naming the port and the variable that changes it. */
export function listenOrExplain(
  server: Server,
  port: number,
  variable: string,
  host = "0.0.0.0",
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new PortInUseError(`Port ${port} is already in use; set ${variable} to another port.`)
          : error,
      );
    });
    server.listen(port, host, () => resolve());
  });
}

/** Checks a port is free without keeping it. */
export async function assertPortFree(port: number, variable: string): Promise<void> {
  const { createServer } = await import("node:http");
  const probe = createServer();
  await listenOrExplain(probe, port, variable);
  await new Promise((resolve) => probe.close(resolve));
}
