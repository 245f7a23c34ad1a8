import type { MethodologyProfile } from "./estimate-types";
import { resolveDataPack } from "./pack";
import type { DataPack, GridBoundary } from "./pack-types";

/** Label for every market-based figure: it is an estimate, not the provider's own number. */
export const marketBasedLabel =
  "Scope 2 market-based (estimated: contractual coverage + residual mix)";

/** Which basis and boundary a figure uses, for labels and report notes. */
export type FigureBasis = {
  readonly label: string;
  /** Boundary of the factor: direct combustion, lifecycle, mixed across regions, or not stated. */
  readonly boundary: GridBoundary | "mixed";
  readonly source: string;
  readonly note: string;
};

export type FigureBases = {
  readonly profile: MethodologyProfile;
  readonly location: FigureBasis;
  readonly market: FigureBasis;
};

function locationBasis(profile: MethodologyProfile, pack: DataPack): FigureBasis {
  if (profile === "ccf") {
    return {
      label: "Scope 2 location-based (CCF grid factors: mixed boundaries)",
      boundary: "mixed",
      source:
        "Cloud Carbon Footprint grid_emission_factors.csv: EPA eGRID2020 NERC-region factors for US AWS and Azure regions, carbonfootprint.com / EEA country factors elsewhere, Google's figures for GCP",
      note: "eGRID factors are direct (combustion); CCF does not state the boundary of the other factors. The boundary of each region's factor is in regionFactors().gridBoundary.",
    };
  }
  const grid = pack.scope2?.canopyGrid ?? {
    boundary: "lifecycle" as const,
    source: "Electricity Maps yearly zone averages (lifecycle), via CO2.js",
  };
  return {
    label: `Scope 2 location-based (${grid.boundary} factors: Electricity Maps annual)`,
    boundary: grid.boundary,
    source: grid.source,
    note:
      grid.boundary === "lifecycle"
        ? "Lifecycle factors include the upstream part (fuel supply, plant construction) that the GHG Protocol counts in Scope 3 Cat. 3; no openly licensed direct factors per zone are in the pack yet, so that part cannot be split out."
        : "",
  };
}

function marketBasis(profile: MethodologyProfile, pack: DataPack): FigureBasis {
  const residualMixes = pack.scope2?.residualMixes.size ?? 0;
  const fallback = profile === "ccf" ? "CCF's grid factor" : "the location-based factor";
  if (pack.scope2 === null) {
    return {
      label: "Scope 2 market-based (legacy proxy: location × (1 − provider CFE share))",
      boundary: locationBasis(profile, pack).boundary,
      source: `pack ${pack.name} has no contractual-coverage or residual-mix tables`,
      note: "Counts the grid's carbon-free share twice for GCP and uses no residual mix; kept only so history estimated with this pack reproduces.",
    };
  }
  return {
    label: marketBasedLabel,
    boundary: residualMixes === 0 ? locationBasis(profile, pack).boundary : "mixed",
    source:
      "contractual coverage: the provider's published contractual carbon-free share per region and year (GSF table for AWS and Azure; derived from Google CFE for GCP); uncovered share: AIB European Residual Mixes / Green-e Residual Mix Emissions Rates",
    note:
      residualMixes === 0
        ? `No residual-mix table values are in pack ${pack.name}: the uncovered share is valued at ${fallback}, flagged on every estimate (quality.market).`
        : `Residual mixes are direct CO2 (AIB); where an area has none the uncovered share is valued at ${fallback}, flagged on the estimate (quality.market).`,
  };
}

/** The basis and boundary of the location- and market-based figures of a profile and pack. */
export function figureBases(
  profile: MethodologyProfile = "canopy",
  pack?: string | DataPack,
): FigureBases {
  const resolved = resolveDataPack(pack);
  return Object.freeze({
    profile,
    location: Object.freeze(locationBasis(profile, resolved)),
    market: Object.freeze(marketBasis(profile, resolved)),
  });
}
