import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getText } from "./http";
import { GridSourceError } from "./source";

describe("getText", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // Accepts the connection and never answers, like a black-holed route behind a firewall.
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("gives up on a source that never answers, as a retryable outage", async () => {
    const started = Date.now();
    const failure = await getText({
      source: "test-source",
      url,
      describe: "test source",
      timeoutMs: 200,
      backoff: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GridSourceError);
    expect((failure as GridSourceError).retryable).toBe(true);
    expect((failure as Error).message).toBe("test source: no answer within 0.2 s");
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
