#!/usr/bin/env node
// `pnpm start`: the compiled start command (scripts/node-bundle.mjs), rebuilt first when a source changed.
import { runBundled } from "../../../scripts/node-bundle.mjs";

await runBundled("cli", "start");
