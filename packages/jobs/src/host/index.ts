// The worker host: job processors, schedules, health and metrics over HTTP. Run by `apps/worker`
// (the standalone worker) and by `pnpm start` (beside the web app).
export { startWorker, startWorkerFromEnv, type RunningWorker } from "./worker";
export { assertPortFree, listenOrExplain, PortInUseError } from "./listen";
