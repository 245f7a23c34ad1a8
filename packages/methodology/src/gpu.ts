import type { FactorQuality } from "./estimate-types";
import { findGpuModelKey } from "./normalize";
import type { DataPack } from "./pack-types";
import { factorQuality } from "./quality";
import type { Provider } from "./usage-record";

export type GpuPower = {
  /** IT energy of one GPU for one hour at the assumed utilization, kWh. */
  readonly kwhPerGpuHour: number;
  readonly quality: FactorQuality;
};

/**
 * GPU power by model (CCF gpu_coefficients: idle and full-load watts per physical GPU):
 * W = min + utilization × (max − min), utilization 50 % (billing data has no GPU utilization).
 * The model is found by token ("Nvidia Tesla T4 GPU running in Americas" → T4), which fixes CCF's
 * prefix match that sent GCP's T4 SKUs to the average. Unknown or absent model → the average of
 * the provider's listed GPUs, quality "provider-average".
 */
export function resolveGpuPower(
  pack: DataPack,
  provider: Provider,
  model: string | undefined,
): GpuPower {
  const key =
    model === undefined || model === "" ? undefined : findGpuModelKey(model, pack.gpu.modelKeys);
  const coefficient = key === undefined ? undefined : pack.gpu.models.get(key);
  const utilization = pack.constants.defaultGpuUtilization;
  if (coefficient === undefined) {
    const average = pack.gpu.providerAverage[provider];
    return {
      kwhPerGpuHour:
        (average.minWatts + utilization * (average.maxWatts - average.minWatts)) / 1000,
      quality: factorQuality(
        "provider-average",
        model === undefined || model === ""
          ? "GPU model not given; provider-average GPU watts"
          : `GPU model "${model}" not in data pack; provider-average GPU watts`,
      ),
    };
  }
  return {
    kwhPerGpuHour:
      (coefficient.minWatts + utilization * (coefficient.maxWatts - coefficient.minWatts)) / 1000,
    quality: factorQuality("regional"),
  };
}
