export { startWorker, type RunningWorker } from "./worker";
export { assertPortFree, listenOrExplain, PortInUseError } from "./listen";
