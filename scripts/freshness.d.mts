export declare const repoRoot: string;
export declare function newerThan(dir: string, timeMs: number): boolean;
export declare function buildState(
  stamp: string,
  sources: readonly string[],
): "missing" | "stale" | "fresh";
export declare function webBuildState(): "missing" | "stale" | "fresh";
