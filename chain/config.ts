// Entry point of the node configuration (chain/config/): the --home layout, config.toml, client.toml
// and the node's key files.
export * from "./config/config.ts";
export * from "./config/node-keys.ts";
