export * from "./contract";
export { jobs, jobDefinition, parsePayload } from "./registry";
export { createInlineDriver } from "./drivers/inline";
export { createBullmqDriver } from "./drivers/bullmq";
export { createQueueDriver } from "./create-driver";
