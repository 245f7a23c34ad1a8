import type { DataPack } from "./pack-types";
import { pack2025v1 } from "./packs/pack-2025.1";
import { pack2026v1 } from "./packs/pack-2026.1";

/**
 * Registry of the data packs compiled into this package, by name. Adding a pack means adding
 * its folder under data/ and one line here; the estimator selects it by name
 * (`createEstimator({ pack: "2025.1" })`) without other code changes.
 *
 * Older packs are frozen: their compiled JSON is kept byte for byte so history estimated with
 * them can be reproduced, and `scripts/build-pack.ts` builds only the newest (default) pack.
 * Tables added after a pack was compiled decode as empty for it.
 */
export const dataPacks: Readonly<Record<string, DataPack>> = Object.freeze({
  [pack2025v1.name]: pack2025v1,
  [pack2026v1.name]: pack2026v1,
});

export const defaultDataPackName: string = pack2026v1.name;

/** Checksum of the default data pack (sha256 over its files' sha256 sums, see manifest.json). */
export const dataPackChecksum: string = pack2026v1.checksum;

/** A pack by name, or the pack itself; the default pack when omitted. */
export function resolveDataPack(pack?: string | DataPack): DataPack {
  if (pack === undefined) return pack2026v1;
  if (typeof pack !== "string") return pack;
  const found = dataPacks[pack];
  if (!found) {
    throw new RangeError(
      `unknown data pack "${pack}"; available: ${Object.keys(dataPacks).join(", ")}`,
    );
  }
  return found;
}
