// sensorchain light client: browser-pure core (no node: imports). Node-only pieces (file store,
// verifying proxy, node:crypto verifier) live in light-client/node/.
export * from "./bisection.ts";
export * from "./client.ts";
export * from "./detector.ts";
export * from "./errors.ts";
export * from "./evidence.ts";
export { decodeLightBlock, encodeLightBlock } from "./json.ts";
export * from "./keys.ts";
export * from "./module-queries.ts";
export * from "./queries.ts";
export * from "./reading-inclusion.ts";
export * from "./rpc-transport.ts";
export * from "./store.ts";
export type * from "./transport.ts";
export * from "./types.ts";
export * from "./verified-reading.ts";
export * from "./verifier.ts";
