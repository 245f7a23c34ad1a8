import { connect, rotateCredentials } from "@canopy/db";
import { openRuntime, log } from "../runtime";

/**
 * `canopy rotate-key`: re-encrypts every stored credential under CANOPY_ENCRYPTION_KEY. Put the old key
 * in CANOPY_PREVIOUS_ENCRYPTION_KEYS first; remove it once this has run.
 */
export async function run(): Promise<number> {
  const { database, keyring } = await openRuntime();
  const owner = connect(database.urls.owner, { max: 1, applicationName: "canopy-rotate-key" });
  try {
    const { rotated, alreadyCurrent } = await rotateCredentials(owner, keyring);
    log(
      `Re-encrypted ${rotated} credential(s) with key ${keyring.current.id}; ${alreadyCurrent} already used it.`,
    );
    return 0;
  } finally {
    await owner.close();
    await database.embedded?.stop();
  }
}
