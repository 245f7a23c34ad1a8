export * from "./classify";
export * from "./files";
export * from "./grid/source";
export * from "./grid/configured";
