import {
  spreadRule,
  type AccountWindow,
  type GridBoundary,
  type HourlyIntensities,
  type UsageRow,
} from "@canopy/db";
import {
  createEstimator,
  figureBases,
  regionFactors,
  type Estimator,
  type MethodologyProfile,
} from "@canopy/methodology";

/**
 * Hourly grid intensity in estimation (docs/methodology.md section 4, hourly): which boundary a
 * profile reads from grid_intensity_hourly, which zone a usage row's region is in, and how a row
 * billed for a longer period is spread over its hours.
 */

/**
 * The boundary of the profile's location-based factors when it is one series (canopy: lifecycle);
 * null for the ccf profile, whose factors mix boundaries and sources by region, so hourly values
 * never replace them.
 */
export function hourlyGridBoundary(profile: MethodologyProfile = "canopy"): GridBoundary | null {
  const boundary = figureBases(profile).location.boundary;
  return boundary === "direct" || boundary === "lifecycle" ? boundary : null;
}

/** The data pack's grid zone of a provider region in a year (null: none, e.g. a multi-region). */
export function createZoneLookup(profile: MethodologyProfile = "canopy") {
  const cache = new Map<string, string | null>();
  return (provider: UsageRow["provider"], region: string, year: number): string | null => {
    const key = `${provider}|${region}|${year}`;
    let zone = cache.get(key);
    if (zone === undefined) {
      zone = regionFactors(provider, region, { year, profile }).gridZone;
      cache.set(key, zone);
    }
    return zone;
  };
}

/**
 * Estimators that return the same constant intensity for every zone and hour: the shape factors are
 * read at g = 0 and g = 1000 (and checked at 500), since every figure is affine in g.
 */
export const hourlyProbeIntensities = [0, 500, 1000] as const;

export function probeEstimators(profile: MethodologyProfile = "canopy"): Estimator[] {
  return hourlyProbeIntensities.map((g) =>
    createEstimator({ profile, hourlyGridIntensity: () => g }),
  );
}

/** An estimator whose hourly source is the intensities read for a window. */
export function estimatorWithHourly(
  profile: MethodologyProfile,
  intensities: HourlyIntensities,
): Estimator {
  return createEstimator({
    profile,
    hourlyGridIntensity: (zone, hourStartMs) => intensities.get(zone)?.get(hourStartMs),
  });
}

const hourMs = 3_600_000;

/**
 * The hours a usage row is spread over (spreadRule), cut at the window's end; a single entry, the
 * row's own start, when it is not spread. Same rule as the set-based SQL in @canopy/db emissions.ts.
 */
export function spreadHoursOf(
  row: Pick<UsageRow, "hour" | "periodHours">,
  window: AccountWindow,
  hasEnergy: boolean,
  zoneHasHourly: boolean,
): { hours: Date[]; spread: boolean } {
  const spread =
    hasEnergy &&
    row.periodHours > 1 &&
    row.periodHours <= spreadRule.maxSpreadHours &&
    (row.periodHours <= spreadRule.alwaysUpToHours || zoneHasHourly);
  if (!spread) return { hours: [row.hour], spread: false };
  const start = row.hour.getTime();
  const n = Math.min(
    Math.ceil(row.periodHours),
    Math.ceil((window.end.getTime() - start) / hourMs),
  );
  return { hours: Array.from({ length: n }, (_, k) => new Date(start + k * hourMs)), spread: true };
}

const costScale = 100_000_000n;

function toUnits(amount: string): bigint {
  const negative = amount.trim().startsWith("-");
  const [whole = "0", fraction = ""] = amount.trim().replace(/^[-+]/, "").split(".");
  const units = BigInt(whole || "0") * costScale + BigInt((fraction + "00000000").slice(0, 8));
  return negative ? -units : units;
}

function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const fraction = (abs % costScale).toString().padStart(8, "0");
  return `${negative ? "-" : ""}${abs / costScale}.${fraction}`;
}

/** round(units × k ÷ n) half away from zero, as PostgreSQL rounds numeric. */
function roundedShare(units: bigint, k: number, n: number): bigint {
  const numerator = units * BigInt(k);
  const denominator = BigInt(n);
  const abs = numerator < 0n ? -numerator : numerator;
  const rounded = (2n * abs + denominator) / (2n * denominator);
  return numerator < 0n ? -rounded : rounded;
}

/**
 * A cost (numeric(20,8) as a string) split into n hourly parts by cumulative rounding:
 * part k = round(c·(k+1)/n, 8) − round(c·k/n, 8), so the parts sum to the cost exactly (the SQL
 * path computes the same parts).
 */
export function costParts(cost: string | null, n: number): (string | null)[] {
  if (cost === null) return Array.from({ length: n }, () => null);
  const units = toUnits(cost);
  return Array.from({ length: n }, (_, k) =>
    fromUnits(roundedShare(units, k + 1, n) - roundedShare(units, k, n)),
  );
}
