// `sensorchain init <moniker>`: a new home with config, node keys and a genesis naming this node
// as the single validator (CometBFT `init` + Cosmos `init`). Nothing is written until all inputs
// are checked; existing keys are kept, as CometBFT keeps them.
import { existsSync } from "node:fs";
import type { Command } from "commander";
import {
  addPoaValidator,
  buildGenesis,
  DEV_CHAIN_ID,
  type GenesisJson,
  MAX_CHAIN_ID_LENGTH,
  NATIVE_DENOM,
  saveGenesis,
  timestampFromDate,
} from "../../genesis/genesis.ts";
import {
  type ConfigOverrides,
  DEFAULT_CLIENT_CONFIG,
  defaultConfigDocument,
  type Ed25519KeyPair,
  encodeNodeKey,
  encodePrivValidatorKey,
  ensureHomeFolders,
  generateEd25519KeyPair,
  HomeError,
  homePaths,
  INITIAL_PRIV_VALIDATOR_STATE,
  type KeyringBackendName,
  loadNodeKey,
  loadPrivValidatorKey,
  parseConfigDocument,
  saveClientConfig,
  saveJsonSecret,
  writeDefaultConfig,
} from "../config.ts";
import { sha256, toBase64, toHex } from "../crypto/hash.ts";
import { peerIdOfPublicKey } from "../p2p/peer-id.ts";
import { validateDenom } from "../types/coin.ts";
import { commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { printOutput } from "./output.ts";

export interface InitOptions {
  home: string;
  moniker: string;
  chainId: string;
  denom: string;
  overwrite: boolean;
  keyringBackend: KeyringBackendName;
  /** Applied to the written config.toml (e.g. --rpc.laddr at `start --dev`). */
  overrides?: ConfigOverrides;
  /** bech32 account operating this node's validator: app_state.poa lists it (governance works). */
  operator?: string;
  /** Edits the genesis before it is written (the dev account of `start --dev`). */
  editGenesis?: (genesis: GenesisJson) => GenesisJson;
}

export interface InitResult {
  moniker: string;
  chain_id: string;
  node_id: string;
  validator: { address: string; pub_key: { type: string; value: string } };
  home: string;
  genesis_file: string;
}

/** CometBFT node id: hex of the first 20 bytes of sha256(node public key). */
export function nodeIdOf(nodeKey: Ed25519KeyPair): string {
  return toHex(sha256(nodeKey.publicKey).subarray(0, 20));
}

export function initHome(options: InitOptions): InitResult {
  const paths = homePaths(options.home);
  if (options.chainId.trim() === "" || options.chainId.length > MAX_CHAIN_ID_LENGTH) {
    throw new CliError("invalid_chain_id", `--chain-id must be 1..${MAX_CHAIN_ID_LENGTH} characters`);
  }
  validateDenom(options.denom, "--default-denom");
  for (const file of [paths.configFile, paths.genesisFile]) {
    if (existsSync(file) && !options.overwrite) {
      throw new HomeError(
        `${file} already exists: this home is initialized (use --overwrite to replace config and genesis)`,
      );
    }
  }
  // Check the config before anything touches the disk.
  parseConfigDocument(defaultConfigDocument(options.moniker), paths);
  const validatorKey = existsSync(paths.privValidatorKeyFile)
    ? loadPrivValidatorKey(paths.privValidatorKeyFile)
    : generateEd25519KeyPair();
  const nodeKey = existsSync(paths.nodeKeyFile) ? loadNodeKey(paths.nodeKeyFile) : generateEd25519KeyPair();
  let genesis = buildGenesis({
    chainId: options.chainId,
    genesisTime: timestampFromDate(new Date()),
    validators: [{ publicKey: validatorKey.publicKey, name: options.moniker }],
    nativeDenom: options.denom,
  });
  if (options.operator !== undefined) {
    try {
      genesis = addPoaValidator(genesis, {
        publicKey: validatorKey.publicKey,
        operator: options.operator,
        nodeId: peerIdOfPublicKey(nodeKey.publicKey),
        moniker: options.moniker,
      });
    } catch (error) {
      throw new CliError("invalid_operator", `--operator: ${(error as Error).message}`);
    }
  }
  if (options.editGenesis !== undefined) genesis = options.editGenesis(genesis);

  ensureHomeFolders(options.home);
  writeDefaultConfig(options.home, {
    moniker: options.moniker,
    overrides: options.overrides ?? {},
    overwrite: true,
  });
  saveClientConfig(paths.clientConfigFile, {
    ...DEFAULT_CLIENT_CONFIG,
    chainId: options.chainId,
    keyringBackend: options.keyringBackend,
  });
  if (!existsSync(paths.privValidatorKeyFile))
    saveJsonSecret(paths.privValidatorKeyFile, encodePrivValidatorKey(validatorKey));
  if (!existsSync(paths.nodeKeyFile)) saveJsonSecret(paths.nodeKeyFile, encodeNodeKey(nodeKey));
  if (!existsSync(paths.privValidatorStateFile))
    saveJsonSecret(paths.privValidatorStateFile, INITIAL_PRIV_VALIDATOR_STATE);
  saveGenesis(paths.genesisFile, genesis);
  return {
    moniker: options.moniker,
    chain_id: options.chainId,
    node_id: nodeIdOf(nodeKey),
    validator: {
      address: toHex(validatorKey.address).toUpperCase(),
      pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(validatorKey.publicKey) },
    },
    home: paths.home,
    genesis_file: paths.genesisFile,
  };
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description(
      "create a node home: config.toml, node and validator keys, genesis with this node as the validator",
    )
    .argument("<moniker>", "human-readable name of this node")
    .option("--chain-id <id>", "chain id of the new genesis", DEV_CHAIN_ID)
    .option("--default-denom <denom>", "native denom of the new chain", NATIVE_DENOM)
    .option("--overwrite", "replace an existing config.toml and genesis.json (keys are kept)", false)
    .option("--operator <address>", "sensor1… account operating this validator (writes app_state.poa)")
    .action(
      (
        moniker: string,
        options: { chainId: string; defaultDenom: string; overwrite: boolean; operator?: string },
        command: Command,
      ) => {
        const context = commandContext(command);
        const result = initHome({
          home: context.paths.home,
          moniker,
          chainId: options.chainId,
          denom: options.defaultDenom,
          overwrite: options.overwrite,
          keyringBackend: context.keyringBackend,
          ...(options.operator === undefined ? {} : { operator: options.operator }),
        });
        printOutput(result, context.output);
      },
    );
}
