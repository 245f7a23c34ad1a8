import { ListObjectsV2Command, type ListObjectsV2CommandOutput } from "@aws-sdk/client-s3";
import { ConnectorError } from "../live/errors";
import { callAws, type AwsClients } from "./clients";

/**
 * Whether AWS is rewriting a CUR 2.0 billing period while Canopy reads it. Data Exports delivers
 * `s3://<bucket>/<prefix>/<export-name>/data/BILLING_PERIOD=YYYY-MM/` and, per period,
 * `metadata/BILLING_PERIOD=YYYY-MM/<export-name>-Manifest.json`, which "is updated each time the
 * export is refreshed" and "is only delivered after all export data files are delivered to S3"
 * (https://docs.aws.amazon.com/cur/latest/userguide/dataexports-export-delivery.html). So:
 * - before the query, a data file newer than the period's manifest means a refresh has started and
 *   not finished (with OVERWRITE_REPORT the files are replaced in place), and so does a period with
 *   data files but no manifest yet;
 * - after the query, a manifest that changed (ETag or LastModified) means a refresh completed while
 *   Athena was reading: the result may mix old and new files.
 * Either way the read is refused with a retryable error, so the stored window is not replaced.
 */
export type ManifestState = { etag: string | undefined; lastModified: number | undefined };

export function exportRootOf(location: string): { bucket: string; root: string; name: string } {
  const m = /^s3:\/\/([^/]+)\/((?:.*\/)?([^/]+?))\/?$/.exec(location.trim());
  if (!m)
    throw new ConnectorError(
      "query",
      `Not a Data Exports location: ${location} (expected s3://bucket/prefix/export-name)`,
    );
  return { bucket: m[1]!, root: m[2]!, name: m[3]! };
}

async function listAll(clients: AwsClients, bucket: string, prefix: string) {
  const objects: { key: string; etag: string | undefined; lastModified: number | undefined }[] = [];
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await callAws(clients, "s3:ListBucket", () =>
      clients.s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      ),
    );
    for (const o of page.Contents ?? [])
      if (o.Key)
        objects.push({ key: o.Key, etag: o.ETag, lastModified: o.LastModified?.getTime() });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

async function manifestOf(
  clients: AwsClients,
  location: string,
  period: string,
): Promise<ManifestState | undefined> {
  const { bucket, root, name } = exportRootOf(location);
  const key = `${root}/metadata/BILLING_PERIOD=${period}/${name}-Manifest.json`;
  const found = (await listAll(clients, bucket, key)).find((o) => o.key === key);
  return found ? { etag: found.etag, lastModified: found.lastModified } : undefined;
}

const refreshing = (period: string, why: string) =>
  new ConnectorError(
    "transient",
    `AWS is refreshing the CUR 2.0 export for ${period} (${why}); the stored usage for the window is kept and the sync is tried again later.`,
  );

/** Before the query: each period's manifest, or a `transient` error if a refresh is under way. */
export async function manifestsBeforeRead(
  clients: AwsClients,
  location: string,
  periods: string[],
): Promise<Map<string, ManifestState | undefined>> {
  const { bucket, root } = exportRootOf(location);
  const states = new Map<string, ManifestState | undefined>();
  for (const period of periods) {
    const manifest = await manifestOf(clients, location, period);
    const data = await listAll(clients, bucket, `${root}/data/BILLING_PERIOD=${period}/`);
    const newest = Math.max(...data.map((o) => o.lastModified ?? 0));
    if (data.length > 0 && !manifest)
      throw refreshing(period, "data files but no Manifest.json yet");
    if (manifest?.lastModified !== undefined && newest > manifest.lastModified)
      throw refreshing(period, "data files newer than its Manifest.json");
    states.set(period, manifest);
  }
  return states;
}

/** After the query: refuses the result if a period's manifest changed while Athena read it. */
export async function checkManifestsAfterRead(
  clients: AwsClients,
  location: string,
  before: Map<string, ManifestState | undefined>,
): Promise<void> {
  for (const [period, earlier] of before) {
    const now = await manifestOf(clients, location, period);
    if (now?.etag !== earlier?.etag || now?.lastModified !== earlier?.lastModified)
      throw refreshing(period, "its Manifest.json changed while the query ran");
  }
}
