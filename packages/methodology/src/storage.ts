import type { FactorQuality } from "./estimate-types";
import type { DataPack } from "./pack-types";
import { factorQuality } from "./quality";

export type StoragePower = { readonly kwhPerTbHour: number; readonly quality: FactorQuality };

/**
 * Storage energy per allocated decimal TB-hour (CCF: SSD 1.2 Wh, HDD 0.65 Wh per TB-hour, before PUE
 * and replication; connectors convert billed GiB with 2^30 / 10^12). The medium is `regional` only
 * when the record states it (the bill names it, or CCF's published classification does); connectors
 * leave it out otherwise, and the assumed SSD (as CCF) is a `default` with a reason.
 */
export function resolveStoragePower(
  pack: DataPack,
  storageClass: "ssd" | "hdd" | undefined,
): StoragePower {
  if (storageClass === "hdd")
    return {
      kwhPerTbHour: pack.constants.hddWhPerTbHour / 1000,
      quality: factorQuality("regional"),
    };
  if (storageClass === "ssd")
    return {
      kwhPerTbHour: pack.constants.ssdWhPerTbHour / 1000,
      quality: factorQuality("regional"),
    };
  return {
    kwhPerTbHour: pack.constants.ssdWhPerTbHour / 1000,
    quality: factorQuality(
      "default",
      "storage medium not stated on the billing line; SSD assumed (as CCF)",
    ),
  };
}
