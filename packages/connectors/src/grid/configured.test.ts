import { describe, expect, it } from "vitest";
import { configuredGridSources, defaultGridSourcePacing, gridSourcePacing } from "./configured";

const names = (config: Parameters<typeof configuredGridSources>[0]) =>
  configuredGridSources(config).map(({ source }) => source.name);

describe("configuredGridSources", () => {
  it("is empty without keys when NESO is turned off, and NESO needs no key", () => {
    expect(names({ neso: false })).toEqual([]);
    expect(names({})).toEqual(["neso-carbon-intensity"]);
  });

  it("adds each keyed source when its key is set, in precedence order, with its pacing", () => {
    const configured = configuredGridSources({
      electricityMapsApiKey: "em",
      entsoeSecurityToken: "en",
      eiaApiKey: "eia",
    });
    expect(configured.map(({ source }) => source.name)).toEqual([
      "electricitymaps-api",
      "entsoe-generation",
      "eia-930",
      "neso-carbon-intensity",
    ]);
    for (const { source, pacing } of configured) {
      expect(pacing).toBe(gridSourcePacing[source.name]);
      expect(pacing).not.toBe(defaultGridSourcePacing);
    }
    expect(names({ electricityMapsApiKey: "", neso: false })).toEqual([]);
  });
});
