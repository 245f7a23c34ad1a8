import type { GridBoundary } from "./source";

/**
 * Canopy's emission factors per fuel, used to turn a generation mix (EIA-930, ENTSO-E) into an
 * hourly intensity. Sources and caveats: docs/methodology.md §4.1. The intensity is
 * production-based: Σ generation × factor ÷ Σ generation over the zone's own generation, with no
 * imports or exports traced (Electricity Maps' flow-traced figures include them).
 */
export type Fuel =
  | "coal"
  | "gas"
  | "oil"
  | "nuclear"
  | "hydro"
  | "wind-onshore"
  | "wind-offshore"
  | "solar"
  | "geothermal"
  | "biomass"
  | "marine";

export type FuelFactor = {
  /** Combustion at the plant only (GHG Protocol Scope 2 boundary); undefined: no sourced value. */
  directGCo2ePerKwh: number | undefined;
  /** Whole life cycle: fuel supply, plant construction and decommissioning included. */
  lifecycleGCo2ePerKwh: number | undefined;
};

/**
 * IPCC AR5 WG3 Annex III (Schlömer et al. 2014), Table A.III.2, medians: lifecycle column for every
 * fuel, direct column for coal (PC), gas (combined cycle) and the zero-direct technologies. Oil is
 * not in the table: lifecycle 650 is Electricity Maps' default (citing the UK Parliamentary Office of
 * Science and Technology); no direct value was found that is consistent with it, so oil counts as
 * unknown fuel for the direct boundary. Biomass direct is 0 by the convention EIA states ("carbon
 * neutral"; biogenic CO2 sits outside the scopes). Solar is utility PV, marine the table's "Ocean".
 */
export const fuelFactors: Readonly<Record<Fuel, FuelFactor>> = {
  coal: { directGCo2ePerKwh: 760, lifecycleGCo2ePerKwh: 820 },
  gas: { directGCo2ePerKwh: 370, lifecycleGCo2ePerKwh: 490 },
  oil: { directGCo2ePerKwh: undefined, lifecycleGCo2ePerKwh: 650 },
  nuclear: { directGCo2ePerKwh: 0, lifecycleGCo2ePerKwh: 12 },
  hydro: { directGCo2ePerKwh: 0, lifecycleGCo2ePerKwh: 24 },
  "wind-onshore": { directGCo2ePerKwh: 0, lifecycleGCo2ePerKwh: 11 },
  "wind-offshore": { directGCo2ePerKwh: 0, lifecycleGCo2ePerKwh: 12 },
  solar: { directGCo2ePerKwh: 0, lifecycleGCo2ePerKwh: 48 },
  geothermal: { directGCo2ePerKwh: 0, lifecycleGCo2ePerKwh: 38 },
  biomass: { directGCo2ePerKwh: 0, lifecycleGCo2ePerKwh: 230 },
  marine: { directGCo2ePerKwh: 0, lifecycleGCo2ePerKwh: 17 },
};

/**
 * EIA-930 `fueltype` codes (the eight Electricity Maps' EIA parser reads). Any other code (OTH and
 * codes EIA adds later) has no factor: its generation counts as unknown.
 */
export const eiaFuelCodes: Readonly<Record<string, Fuel>> = {
  COL: "coal",
  NG: "gas",
  OIL: "oil",
  NUC: "nuclear",
  WAT: "hydro",
  SUN: "solar",
  // EIA-930 does not split wind; US wind generation is onshore.
  WND: "wind-onshore",
};

/**
 * ENTSO-E `psrType` codes (Transparency Platform API guide, A.5), grouped as Electricity Maps'
 * ENTSO-E parser groups them. B15 "Other renewable" and B20 "Other" have no factor (unknown).
 */
export const entsoePsrTypes: Readonly<Record<string, Fuel>> = {
  B01: "biomass",
  B17: "biomass", // Waste, grouped with biomass as Electricity Maps does
  B02: "coal", // Fossil Brown coal/Lignite
  B05: "coal", // Fossil Hard coal
  B07: "coal", // Fossil Oil shale
  B08: "coal", // Fossil Peat
  B03: "gas", // Fossil Coal-derived gas
  B04: "gas",
  B06: "oil",
  B09: "geothermal",
  B11: "hydro", // Run-of-river and poundage
  B12: "hydro", // Water reservoir
  B13: "marine",
  B14: "nuclear",
  B16: "solar",
  B18: "wind-offshore",
  B19: "wind-onshore",
};

/**
 * Storage is not generation: its output re-releases energy charged earlier (counted when it was
 * generated), so pumped storage (B10) and other storage (B25) are left out of the mix.
 */
export const entsoeStoragePsrTypes: ReadonlySet<string> = new Set(["B10", "B25"]);

export type MixIntensity = {
  gCo2ePerKwh: number;
  /** Share of the hour's generation whose fuel has no factor (0…1); > 0 makes the point estimated. */
  unknownFuelShare: number;
};

/**
 * Σ mwh × factor ÷ Σ mwh over the fuels with a factor for the boundary. Generation of unknown fuel
 * (key `null`, or a fuel with no factor for this boundary) is left out of the weighted mean, so the
 * known fuels' mean stands in for it, and its share is returned. Negative values (plants' own consumption) count as 0. No generation at all → undefined.
 */
export function mixIntensity(
  generationMwh: ReadonlyMap<Fuel | null, number>,
  boundary: GridBoundary,
): MixIntensity | undefined {
  let knownMwh = 0;
  let unknownMwh = 0;
  let gCo2eTimesMwh = 0;
  for (const [fuel, value] of generationMwh) {
    const mwh = Math.max(0, value);
    const factor =
      fuel === null
        ? undefined
        : boundary === "direct"
          ? fuelFactors[fuel].directGCo2ePerKwh
          : fuelFactors[fuel].lifecycleGCo2ePerKwh;
    if (factor === undefined) {
      unknownMwh += mwh;
      continue;
    }
    knownMwh += mwh;
    gCo2eTimesMwh += mwh * factor;
  }
  if (knownMwh <= 0) return undefined;
  return {
    gCo2ePerKwh: gCo2eTimesMwh / knownMwh,
    unknownFuelShare: unknownMwh / (knownMwh + unknownMwh),
  };
}
