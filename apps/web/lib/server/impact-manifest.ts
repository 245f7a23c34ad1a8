import type { SciPoint } from "@canopy/db";

/**
 * The organization's SCI points as a Green Software Foundation Impact Framework manifest
 * (docs/methodology.md section 14.1): one child per workload (tag key=value) and functional unit,
 * one input per period with `carbon` = (E × I) + M in gCO2e and the unit's count, computed by the
 * builtin `Sci` plugin (https://github.com/Green-Software-Foundation/if, src/if-run/builtins/sci):
 * `if-run --manifest <file>` reproduces Canopy's `sciKgPerUnit` × 1000. JSON is valid YAML 1.2, so
 * the manifest is written as JSON.
 */
export function impactManifest(organization: string, points: readonly SciPoint[]) {
  const units = [...new Set(points.map((p) => p.unitName))].sort();
  const plugin = (unit: string) => `sci-${unit}`;
  const children: Record<string, unknown> = {};
  for (const p of points) {
    const child = `${p.tagKey}=${p.tagValue} per ${p.unitName}`;
    const node = (children[child] ??= {
      pipeline: { compute: [plugin(p.unitName)] },
      inputs: [] as Record<string, unknown>[],
    }) as { inputs: Record<string, unknown>[] };
    const start = Date.parse(`${p.periodStart}T00:00:00Z`);
    const end = Date.parse(`${p.periodEnd}T00:00:00Z`);
    const operationalG = p.kwhFacility * p.gridIntensityGPerKwh;
    const embodiedG = p.embodiedKg * 1000;
    node.inputs.push({
      timestamp: new Date(start).toISOString(),
      duration: (end - start) / 1000,
      energy: p.kwhFacility,
      "carbon-operational": operationalG,
      "carbon-embodied": embodiedG,
      carbon: operationalG + embodiedG,
      [p.unitName]: p.unitCount,
    });
  }
  return {
    name: `${organization}: software carbon intensity`,
    description:
      "Exported by Canopy: SCI = ((E × I) + M) / R per workload and period; E facility kWh, I location-based grid intensity (gCO2e/kWh), M embodied gCO2e, R the functional units posted.",
    tags: null,
    initialize: {
      plugins: Object.fromEntries(
        units.map((unit) => [
          plugin(unit),
          { method: "Sci", path: "builtin", "global-config": { "functional-unit": unit } },
        ]),
      ),
    },
    tree: { children },
  };
}
