export * from "./classify";
export * from "./files";
export * from "./grid/source";
