import { findAcceleratorKey } from "./accelerators";
import type { FactorQuality } from "./estimate-types";
import type { DataPack, GpuCoefficient } from "./pack-types";
import { factorQuality } from "./quality";
import type { PackProvider as Provider } from "./providers";

export type GpuPower = {
  /** IT energy of one accelerator for one hour at the assumed utilization, kWh. */
  readonly kwhPerGpuHour: number;
  readonly quality: FactorQuality;
};

const kwhAt = (coefficient: GpuCoefficient, utilization: number): number =>
  (coefficient.minWatts + utilization * (coefficient.maxWatts - coefficient.minWatts)) / 1000;

/** Mean idle/max watts of the pack's powered models of one kind ("tpu", "fpga"...), by pack. */
const kindAverages = new WeakMap<DataPack, Map<string, GpuCoefficient | null>>();
function kindAverage(pack: DataPack, kind: string): GpuCoefficient | undefined {
  let byKind = kindAverages.get(pack);
  if (byKind === undefined) {
    byKind = new Map();
    kindAverages.set(pack, byKind);
  }
  if (!byKind.has(kind)) {
    const powered = [...pack.gpu.accelerators.values()]
      .filter((a) => a.kind === kind && a.proxyOf === undefined)
      .map((a) => pack.gpu.models.get(a.key))
      .filter((m): m is GpuCoefficient => m !== undefined);
    byKind.set(
      kind,
      powered.length === 0
        ? null
        : {
            name: `average of ${powered.length} ${kind} model(s)`,
            minWatts: powered.reduce((s, m) => s + m.minWatts, 0) / powered.length,
            maxWatts: powered.reduce((s, m) => s + m.maxWatts, 0) / powered.length,
          },
    );
  }
  return byKind.get(kind) ?? undefined;
}

/**
 * Accelerator power by model (idle and full-load watts per device):
 * W = idle + utilization × (max − idle), utilization 50 % (billing data has no accelerator
 * utilization). Max is the vendor data sheet's (CCF's Teads figures for older GPUs); idle is
 * CCF's, or the data-sheet max × the pack's derived idle share (docs/methodology.md).
 *
 * The model is found by key or alias ("Nvidia H100 80GB GPU running in Americas" → h100-sxm,
 * "TPU v5 lite" → tpu-v5e). A known model without a published power rating takes the average
 * of the pack's powered models of the same kind (TPU, FPGA), else the provider average, and a
 * model that stands in for another (A10 for A10G) is flagged: both "provider-average" with a
 * reason. Unknown or absent model → the provider average.
 */
export function resolveGpuPower(
  pack: DataPack,
  provider: Provider,
  model: string | undefined,
): GpuPower {
  const utilization = pack.constants.defaultGpuUtilization;
  const key =
    model === undefined || model === ""
      ? undefined
      : findAcceleratorKey(model, pack.gpu.accelerators, pack.gpu.aliases);
  const info = key === undefined ? undefined : pack.gpu.accelerators.get(key);
  const coefficient = key === undefined ? undefined : pack.gpu.models.get(key);
  if (info !== undefined && coefficient !== undefined && info.proxyOf === undefined) {
    return { kwhPerGpuHour: kwhAt(coefficient, utilization), quality: factorQuality("regional") };
  }
  if (info !== undefined && info.proxyOf !== undefined) {
    const proxy = pack.gpu.models.get(info.proxyOf);
    if (proxy !== undefined) {
      return {
        kwhPerGpuHour: kwhAt(proxy, utilization),
        quality: factorQuality(
          "provider-average",
          `no power rating for ${info.name}; ${proxy.name} watts stand in`,
        ),
      };
    }
  }
  if (info !== undefined) {
    const sameKind = kindAverage(pack, info.kind);
    if (sameKind !== undefined) {
      return {
        kwhPerGpuHour: kwhAt(sameKind, utilization),
        quality: factorQuality(
          "provider-average",
          `no published power rating for ${info.name}; ${sameKind.name} watts`,
        ),
      };
    }
  }
  const average = pack.gpu.providerAverage[provider];
  const reason =
    info !== undefined
      ? `no published power rating for ${info.name}; provider-average accelerator watts`
      : model === undefined || model === ""
        ? "GPU model not given; provider-average GPU watts"
        : `GPU model "${model}" not in data pack; provider-average GPU watts`;
  return {
    kwhPerGpuHour: kwhAt(average, utilization),
    quality: factorQuality("provider-average", reason),
  };
}
