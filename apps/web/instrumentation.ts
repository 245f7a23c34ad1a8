/**
 * Runs once when the Next.js server starts. Route handlers see only a Fetch `Request`, not the socket;
 * Next itself keeps a client-sent X-Forwarded-For as it is. So the socket's peer address is written into
 * a header of our own on every incoming request — replacing whatever a client sent under that name —
 * and the auth route resolves the real client from it and CANOPY_TRUSTED_PROXIES
 * (lib/security/client-address.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const http = await import("node:http");
  const { PEER_ADDRESS_HEADER } = await import("./lib/security/client-address");
  const marker = Symbol.for("canopy.peerAddress");
  const proto = http.Server.prototype as unknown as Record<symbol, unknown> & {
    emit: (event: string, ...args: unknown[]) => boolean;
  };
  if (proto[marker]) return;
  proto[marker] = true;
  const emit = proto.emit;
  proto.emit = function (this: unknown, event: string, ...args: unknown[]) {
    if (event === "request") {
      const request = args[0] as import("node:http").IncomingMessage;
      request.headers[PEER_ADDRESS_HEADER] = request.socket?.remoteAddress ?? "";
    }
    return emit.call(this, event, ...args);
  };
}
