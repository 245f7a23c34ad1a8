import type { FactorQuality } from "./estimate-types";
import type { DataPack } from "./pack-types";
import { factorQuality } from "./quality";

export type NetworkPower = { readonly kwhPerGb: number; readonly quality: FactorQuality };

/**
 * Network energy per GB transferred between regions or data centres (CCF: 0.001 kWh/GB). One
 * industry-wide coefficient with a wide uncertainty band, hence quality "default" with a reason.
 * Traffic to end users should not be sent as network records (CCF leaves it out too).
 */
export function resolveNetworkPower(pack: DataPack): NetworkPower {
  return {
    kwhPerGb: pack.constants.networkKwhPerGb,
    quality: factorQuality("default", "single industry-wide network coefficient (kWh per GB)"),
  };
}
