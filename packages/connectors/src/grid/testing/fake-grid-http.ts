import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The parts every fake grid source shares: a server on 127.0.0.1, scripted throttling (429 with
 * an optional Retry-After) and outages (5xx) answered before any contract rule, and a request log.
 */
export type FakeGridControls = {
  url: string;
  requests: { path: string; query: URLSearchParams }[];
  /** The next `times` requests answer 429, with this Retry-After in seconds when given. */
  throttleNext(times: number, retryAfterSeconds?: number): void;
  /** The next requests answer these statuses (502, 503… an outage), one each. */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
};

export async function startFakeGridServer(
  handle: (url: URL, res: ServerResponse, req: IncomingMessage) => void,
): Promise<FakeGridControls> {
  let throttles = 0;
  let retryAfter: number | undefined;
  const failures: number[] = [];
  const requests: FakeGridControls["requests"] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push({ path: url.pathname, query: url.searchParams });
    if (throttles > 0) {
      throttles -= 1;
      res.writeHead(429, retryAfter === undefined ? {} : { "retry-after": String(retryAfter) });
      res.end("Too Many Requests");
      return;
    }
    const failure = failures.shift();
    if (failure !== undefined) {
      res.writeHead(failure, { "content-type": "text/plain" });
      res.end("Service Unavailable");
      return;
    }
    handle(url, res, req);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    throttleNext(times, seconds) {
      throttles = times;
      retryAfter = seconds;
    },
    failNext(...statuses) {
      failures.push(...statuses);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
};
