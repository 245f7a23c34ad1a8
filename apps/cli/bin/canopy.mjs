#!/usr/bin/env node
// `pnpm canopy …`: the compiled CLI (scripts/node-bundle.mjs), rebuilt first when a source changed.
import { runBundled } from "../../../scripts/node-bundle.mjs";

await runBundled("cli", "canopy");
