export { startWorker, startWorkerFromEnv, type RunningWorker } from "./worker";
export { assertPortFree, listenOrExplain, PortInUseError } from "./listen";
