// The --home folder, laid out as CometBFT / Cosmos SDK nodes lay theirs out.
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const HOME_ENV = "SENSORCHAIN_HOME";
export const DEFAULT_HOME_NAME = ".sensorchain";

export interface HomePaths {
  home: string;
  configDir: string;
  configFile: string;
  clientConfigFile: string;
  genesisFile: string;
  nodeKeyFile: string;
  privValidatorKeyFile: string;
  dataDir: string;
  privValidatorStateFile: string;
  /** LevelDB database of state, blocks and indexes. */
  dbPath: string;
  /** Encrypted keyring (`--keyring-backend file`). */
  keyringFileDir: string;
  /** Unencrypted keyring for development (`--keyring-backend test`), as in the Cosmos SDK. */
  keyringTestDir: string;
}

/** `--home` wins over $SENSORCHAIN_HOME, which wins over ~/.sensorchain. */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== "") return resolve(flag);
  const fromEnv = env[HOME_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(fromEnv);
  return join(homedir(), DEFAULT_HOME_NAME);
}

export function homePaths(home: string): HomePaths {
  const root = resolve(home);
  const configDir = join(root, "config");
  const dataDir = join(root, "data");
  return {
    home: root,
    configDir,
    configFile: join(configDir, "config.toml"),
    clientConfigFile: join(configDir, "client.toml"),
    genesisFile: join(configDir, "genesis.json"),
    nodeKeyFile: join(configDir, "node_key.json"),
    privValidatorKeyFile: join(configDir, "priv_validator_key.json"),
    dataDir,
    privValidatorStateFile: join(dataDir, "priv_validator_state.json"),
    dbPath: join(dataDir, "chain.db"),
    keyringFileDir: join(root, "keyring-file"),
    keyringTestDir: join(root, "keyring-test"),
  };
}
