/**
 * Data pack 2026.1, loaded through static JSON imports: the files are bundled with the module,
 * so estimation performs no I/O. Regenerate with `pnpm exec tsx scripts/build-pack.ts`.
 */
import manifest from "../../data/pack-2026.1/manifest.json";
import cpuCoefficients from "../../data/pack-2026.1/cpu-coefficients.json";
import gpuCoefficients from "../../data/pack-2026.1/gpu-coefficients.json";
import instanceTypes from "../../data/pack-2026.1/instance-types.json";
import regions from "../../data/pack-2026.1/regions.json";
import gridIntensity from "../../data/pack-2026.1/grid-intensity.json";
import replicationRules from "../../data/pack-2026.1/replication-rules.json";
import constants from "../../data/pack-2026.1/constants.json";
import scope2 from "../../data/pack-2026.1/scope2.json";
import { decodePack } from "../pack-decode";

export const pack2026v1 = decodePack({
  manifest,
  cpuCoefficients,
  gpuCoefficients,
  instanceTypes,
  regions,
  gridIntensity,
  replicationRules,
  constants,
  scope2,
});
