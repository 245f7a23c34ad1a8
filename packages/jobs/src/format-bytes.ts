/**
 * A size in binary units, as the import limits' messages put it: "10 GiB", "1.5 MiB", "500 bytes".
 * Dependency-free, so the web app's browser code uses the same one (`@canopy/jobs/format-bytes`).
 */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1).replace(/\.0$/, "")} ${units[unit]}`;
}
