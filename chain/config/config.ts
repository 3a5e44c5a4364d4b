// Node configuration: the --home folder and its config/config.toml, read into a typed NodeConfig
// with command-line overrides applied. Schema and defaults: schema.ts; layout: home.ts.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { ConfigError, HomeError } from "./errors.ts";
import { writeFileAtomic } from "./files.ts";
import { homePaths } from "./home.ts";
import {
  applyOverrides,
  type ConfigOverrides,
  defaultConfigDocument,
  type NodeConfig,
  parseConfigDocument,
} from "./schema.ts";
import { parseToml, renderConfigToml } from "./toml-file.ts";

export type { ClientConfig, KeyringBackendName, OutputFormat } from "./client.ts";
export { DEFAULT_CLIENT_CONFIG, loadClientConfig, saveClientConfig } from "./client.ts";
export { formatDurationMs, parseDurationMs, parseDurationNs } from "./duration.ts";
export { ConfigError, HomeError } from "./errors.ts";
export { type HomePaths, homePaths, resolveHome } from "./home.ts";
export type {
  ConfigOverrides,
  ListenAddress,
  LogFormat,
  LogLevel,
  NodeConfig,
  PruningStrategy,
} from "./schema.ts";
export { defaultConfigDocument, parseConfigDocument, parseListenAddress } from "./schema.ts";

/** Reads <home>/config/config.toml, applies the flag overrides and validates every value. */
export function loadConfig(home: string, overrides: ConfigOverrides = {}): NodeConfig {
  const paths = homePaths(home);
  if (!existsSync(paths.configFile)) {
    throw new HomeError(
      `no config at ${paths.configFile}: run \`sensorchain init <moniker> --home ${paths.home}\``,
    );
  }
  const document = parseToml(readFileSync(paths.configFile, "utf8"), paths.configFile);
  return parseConfigDocument(applyOverrides(document, overrides), paths);
}

/** Creates the home folders (config/, data/, keyring-file/) with owner-only access to secrets. */
export function ensureHomeFolders(home: string): void {
  const paths = homePaths(home);
  mkdirSync(paths.configDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.keyringFileDir, { recursive: true, mode: 0o700 });
}

/**
 * Writes a default config.toml for `moniker` (with any overrides folded in) and returns it parsed.
 * Refuses to replace an existing file unless `overwrite` is set.
 */
export function writeDefaultConfig(
  home: string,
  options: { moniker: string; overrides?: ConfigOverrides; overwrite?: boolean },
): NodeConfig {
  const paths = homePaths(home);
  if (existsSync(paths.configFile) && options.overwrite !== true) {
    throw new HomeError(`${paths.configFile} already exists`);
  }
  const document = applyOverrides(defaultConfigDocument(options.moniker), options.overrides ?? {});
  const config = parseConfigDocument(document, paths);
  ensureHomeFolders(home);
  writeFileAtomic(paths.configFile, renderConfigToml(document));
  const reread = parseToml(readFileSync(paths.configFile, "utf8"), paths.configFile);
  // A rendering bug must not leave a config that reads back differently from what was validated.
  if (
    JSON.stringify(parseConfigDocument(reread, paths), bigintReplacer) !==
    JSON.stringify(config, bigintReplacer)
  ) {
    throw new ConfigError(paths.configFile, "written config does not read back identically");
  }
  return config;
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
