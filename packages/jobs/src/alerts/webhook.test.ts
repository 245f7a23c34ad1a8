import { describe, expect, it } from "vitest";
import { forbiddenWebhookTarget, postSignedWebhook } from "./webhook";

const resolvesTo =
  (...addresses: string[]) =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

describe("webhook targets (server-side request forgery)", () => {
  it("refuses hosts that resolve to private, link-local or loopback addresses", async () => {
    for (const [url, address] of [
      ["https://hooks.example.com/x", "10.1.2.3"],
      ["https://hooks.example.com/x", "172.20.0.5"],
      ["https://hooks.example.com/x", "192.168.1.10"],
      ["https://hooks.example.com/x", "100.64.3.4"],
      ["https://hooks.example.com/x", "127.0.0.2"],
      ["https://hooks.example.com/x", "fd12::1"],
      ["https://hooks.example.com/x", "fe80::1"],
    ] as const)
      expect(
        await forbiddenWebhookTarget(url, resolvesTo("93.184.216.34", address)),
        address,
      ).toMatch(new RegExp(`resolves to ${address.replace(/\./g, "\\.")}, a private`));
    // Literal addresses need no lookup: the cloud metadata service, a unique-local IPv6 address.
    const noLookup = async () => {
      throw new Error("no lookup expected");
    };
    expect(await forbiddenWebhookTarget("https://169.254.169.254/latest", noLookup)).toMatch(
      /169\.254\.169\.254/,
    );
    expect(await forbiddenWebhookTarget("https://[fd00::1]/hook", noLookup)).toMatch(/fd00::1/);
  });

  it("allows public receivers and a local receiver named in the URL", async () => {
    expect(
      await forbiddenWebhookTarget("https://hooks.slack.com/services/x", resolvesTo("54.1.2.3")),
    ).toBeNull();
    expect(
      await forbiddenWebhookTarget("https://hooks.example.com/x", resolvesTo("2606:4700::1")),
    ).toBeNull();
    expect(await forbiddenWebhookTarget("http://127.0.0.1:8080/hook", resolvesTo())).toBeNull();
    expect(await forbiddenWebhookTarget("http://localhost:8080/hook", resolvesTo())).toBeNull();
  });

  it("never posts to a refused target, and says why in the delivery log", async () => {
    const attempts: unknown[] = [];
    const result = await postSignedWebhook({
      url: "https://10.0.0.1/hook",
      secret: "s",
      body: "{}",
      deliveryId: "d",
      onAttempt: async (attempt) => void attempts.push(attempt),
    });
    expect(result).toMatchObject({ ok: false, permanent: true, attempt: 1 });
    expect(result.error).toMatch(/^refused: 10\.0\.0\.1 resolves to 10\.0\.0\.1/);
    expect(attempts).toHaveLength(1);
  });
});
