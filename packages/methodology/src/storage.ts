import type { FactorQuality } from "./estimate-types";
import type { DataPack } from "./pack-types";
import { factorQuality } from "./quality";

export type StoragePower = { readonly kwhPerTbHour: number; readonly quality: FactorQuality };

/**
 * Storage energy per allocated TB-hour (CCF: SSD 1.2 Wh, HDD 0.65 Wh per TB-hour, before PUE and
 * replication). When the record does not say which medium, SSD is assumed (as CCF does) and the
 * quality says so.
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
    quality: factorQuality("default", "storage class not given; SSD assumed"),
  };
}
