export * from "./usage-record";
export * from "./estimate-types";
