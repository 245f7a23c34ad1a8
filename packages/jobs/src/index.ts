export * from "./contract";
export { createRegistry, jobs, jobDefinition, parsePayload, type JobRegistry } from "./registry";
export { createInlineDriver } from "./drivers/inline";
export { createBullmqDriver } from "./drivers/bullmq";
export { createQueueDriver } from "./create-driver";
export { PermanentJobError } from "./errors";
export * from "./estimation";
export { windowPayload, type WindowPayload } from "./window-payload";
