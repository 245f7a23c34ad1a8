/**
 * Writes src/grid/watttime-regions.json, the WattTime region of each cloud region, from the Green
 * Software Foundation's Cloud Region Metadata (`wt-region-id`, latest year per region; licence and
 * source in /work/shared/reference/region-metadata/README.md):
 *
 *   pnpm --filter @canopy/connectors exec tsx scripts/build-watttime-regions.ts [--reference /work/shared/reference]
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { reference: { type: "string", default: "/work/shared/reference" } },
});
const file = path.join(values.reference!, "region-metadata", "Cloud_Region_Metadata.csv");
const providers: Record<string, string> = {
  "Amazon Web Services": "aws",
  "Microsoft Azure": "azure",
  "Google Cloud": "gcp",
};

/** RFC 4180 fields of one line (the file quotes fields with commas, e.g. geolocation). */
function fields(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ",") {
      out.push(field);
      field = "";
    } else {
      field += c;
    }
  }
  out.push(field);
  return out;
}

const [header, ...lines] = readFileSync(file, "utf8").split(/\r?\n/).filter(Boolean);
const column = (name: string) => {
  const index = fields(header!).indexOf(name);
  if (index < 0) throw new Error(`${file} has no column ${name}`);
  return index;
};
const [yearAt, providerAt, regionAt, wtAt] = [
  "year",
  "cloud-provider",
  "cloud-region",
  "wt-region-id",
].map(column);
const latest = new Map<string, { year: number; wt: string }>();
for (const line of lines) {
  const row = fields(line);
  const provider = providers[row[providerAt!]!.trim()];
  const wt = row[wtAt!]!.trim();
  if (!provider || !wt) continue;
  const key = `${provider}:${row[regionAt!]!.trim()}`;
  const year = Number(row[yearAt!]);
  if ((latest.get(key)?.year ?? -1) < year) latest.set(key, { year, wt });
}
const regions = Object.fromEntries(
  [...latest.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, { wt }]) => [key, wt]),
);
const out = path.join(import.meta.dirname, "..", "src", "grid", "watttime-regions.json");
writeFileSync(
  out,
  JSON.stringify(
    {
      source:
        "Green Software Foundation, Cloud Region Metadata (Cloud_Region_Metadata.csv, wt-region-id)",
      regions,
    },
    null,
    2,
  ) + "\n",
);
process.stdout.write(`${Object.keys(regions).length} cloud regions → ${out}\n`);
