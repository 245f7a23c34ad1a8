export * from "./classify";
export * from "./files";
