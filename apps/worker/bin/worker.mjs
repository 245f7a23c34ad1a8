#!/usr/bin/env node
// `pnpm --filter @canopy/worker start`: the compiled worker (scripts/node-bundle.mjs), rebuilt first
// when a source changed.
import { runBundled } from "../../../scripts/node-bundle.mjs";

await runBundled("worker", "worker");
