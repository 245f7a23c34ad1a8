import { describe, expect, it } from "vitest";
import { clientAddress, inCidr, parseTrustedProxies } from "./client-address";

describe("clientAddress", () => {
  it("trusts no proxy by default: the socket's peer, whatever X-Forwarded-For says", () => {
    expect(clientAddress("203.0.113.7", "1.2.3.4", null)).toBe("203.0.113.7");
    expect(clientAddress("::ffff:203.0.113.7", null, parseTrustedProxies(""))).toBe("203.0.113.7");
    expect(clientAddress(null, "1.2.3.4", null)).toBeNull();
  });

  it("with a number of hops, takes the address that many hops left of the peer", () => {
    const one = parseTrustedProxies("1");
    expect(clientAddress("10.0.0.1", "198.51.100.9", one)).toBe("198.51.100.9");
    // A client-sent prefix is to the left of what the proxy appended: ignored.
    expect(clientAddress("10.0.0.1", "6.6.6.6, 198.51.100.9", one)).toBe("198.51.100.9");
    expect(clientAddress("10.0.0.1", null, one)).toBe("10.0.0.1");
  });

  it("with CIDRs, walks from the right to the first untrusted address", () => {
    const cidrs = parseTrustedProxies("10.0.0.0/8, 192.168.1.5");
    expect(clientAddress("10.1.2.3", "6.6.6.6, 198.51.100.9, 192.168.1.5", cidrs)).toBe(
      "198.51.100.9",
    );
    // The peer is not a trusted proxy: its X-Forwarded-For is the client's own word.
    expect(clientAddress("203.0.113.7", "198.51.100.9", cidrs)).toBe("203.0.113.7");
    expect(clientAddress("10.1.2.3", "not-an-ip", cidrs)).toBe("10.1.2.3");
    expect(inCidr("2001:db8::1", "2001:db8::/32")).toBe(true);
    expect(inCidr("2001:db9::1", "2001:db8::/32")).toBe(false);
  });
});
