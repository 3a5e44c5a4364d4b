// `sensorchain start [--dev]`: runs a node from its home until SIGINT/SIGTERM. With --dev and no
// config in the home, first makes a development home: init, a fresh dev key in the test keyring
// funded in genesis, its mnemonic printed once.

import { existsSync } from "node:fs";
import type { Command } from "commander";
import { installOperatorKey } from "../../bridge-mqtt/commitments/operator-key.ts";
import {
  addGenesisAccount,
  addPoaValidator,
  DEV_ACCOUNT_BALANCE,
  DEV_CHAIN_ID,
  loadGenesis,
  NATIVE_DENOM,
  saveGenesis,
} from "../../genesis/genesis.ts";
import { type ConfigOverrides, homePaths, loadConfig, loadNodeKey, loadPrivValidatorKey } from "../config.ts";
import { CLOCK_OFFSET_ENV, type Clock, offsetClock, systemClock } from "../consensus/engine.ts";
import { Ed25519Signer } from "../crypto/ed25519.ts";
import { bytesEqual } from "../crypto/hash.ts";
import { generateMnemonic, Keyring } from "../crypto/keyring.ts";
import { commandContext } from "./context.ts";
import { initHome, nodeIdOf } from "./init.ts";
import { createLogger } from "./logger.ts";

export const DEV_KEY_NAME = "dev";
export const DEV_MONIKER = "dev-node";

interface StartFlags {
  dev: boolean;
  moniker?: string;
  "rpc.laddr"?: string;
  "p2p.laddr"?: string;
  "consensus.timeout_commit"?: string;
  minimumGasPrices?: string;
  pruning?: string;
  log_level?: string;
  log_format?: string;
  "mqtt.laddr"?: string;
}

function overridesFrom(flags: StartFlags): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  if (flags.moniker !== undefined) overrides.moniker = flags.moniker;
  if (flags["rpc.laddr"] !== undefined) overrides.rpcLaddr = flags["rpc.laddr"];
  if (flags["p2p.laddr"] !== undefined) overrides.p2pLaddr = flags["p2p.laddr"];
  if (flags["consensus.timeout_commit"] !== undefined)
    overrides.timeoutCommit = flags["consensus.timeout_commit"];
  if (flags.minimumGasPrices !== undefined) overrides.minimumGasPrices = flags.minimumGasPrices;
  if (flags.pruning !== undefined) overrides.pruning = flags.pruning;
  if (flags.log_level !== undefined) overrides.logLevel = flags.log_level;
  if (flags.log_format !== undefined) overrides.logFormat = flags.log_format;
  if (flags["mqtt.laddr"] !== undefined) overrides.mqttLaddr = flags["mqtt.laddr"];
  return overrides;
}

/** Makes a development home: one validator, a `dev` key (test keyring) funded in genesis, operating
 * the validator and written as the bridge's operator key (mqtt.operator_key_file). */
export async function createDevHome(home: string): Promise<{ mnemonic: string; address: string }> {
  const mnemonic = generateMnemonic();
  const init = initHome({
    home,
    moniker: DEV_MONIKER,
    chainId: DEV_CHAIN_ID,
    denom: NATIVE_DENOM,
    overwrite: false,
    keyringBackend: "test",
  });
  const keyring = new Keyring({ backend: "test", dir: homePaths(init.home).keyringTestDir });
  const existing = keyring.has(DEV_KEY_NAME);
  const key = existing ? keyring.get(DEV_KEY_NAME) : await keyring.addFromMnemonic(DEV_KEY_NAME, mnemonic);
  // The dev key operates the single validator, so its bridge submits each day's commitments.
  if (!existing) installOperatorKey(init.home, mnemonic);
  const genesis = loadGenesis(init.genesis_file);
  const funded = addGenesisAccount(genesis.json, key.address, [
    { denom: NATIVE_DENOM, amount: DEV_ACCOUNT_BALANCE },
  ]);
  saveGenesis(
    init.genesis_file,
    addPoaValidator(funded, {
      publicKey: Buffer.from(init.validator.pub_key.value, "base64"),
      operator: key.address,
      nodeId: init.node_id,
    }),
  );
  return { mnemonic, address: key.address };
}

function printDevBanner(home: string, address: string, mnemonic: string): void {
  const rule = "=".repeat(78);
  process.stdout.write(
    `${rule}\n` +
      `Created a development home in ${home}\n` +
      `  chain id: ${DEV_CHAIN_ID}   dev account (key "${DEV_KEY_NAME}", test keyring): ${address}\n` +
      `  balance: ${DEV_ACCOUNT_BALANCE}${NATIVE_DENOM}\n\n` +
      "WARNING: the mnemonic below controls the dev account. It is shown ONCE and stored\n" +
      "UNENCRYPTED in keyring-test/. Use it for development only, never for real funds.\n\n" +
      `${mnemonic}\n` +
      `${rule}\n`,
  );
}

export function registerStart(program: Command): void {
  program
    .command("start")
    .description("run the node (with --dev: create a development home first if there is none)")
    .option("--dev", "create a dev home (one validator, funded dev key) when the home has no config", false)
    .option("--moniker <name>", "override config moniker")
    .option("--rpc.laddr <address>", "RPC listen address, e.g. tcp://127.0.0.1:26657")
    .option("--p2p.laddr <address>", "P2P listen address, e.g. tcp://0.0.0.0:26656")
    .option(
      "--consensus.timeout_commit <duration>",
      'wait after a block is decided before the next height (CometBFT timeout_commit; config.toml [consensus] block_interval paces heights), e.g. "1s"',
    )
    .option("--minimum-gas-prices <prices>", 'minimum gas prices, e.g. "0.025usensor"')
    .option("--pruning <strategy>", "default, nothing, everything or custom")
    .option("--log_level <level>", "trace, debug, info, warn, error, fatal or silent")
    .option("--log_format <format>", "plain or json")
    .option("--mqtt.laddr <address>", "MQTT broker listen address, e.g. tcp://127.0.0.1:1883")
    .action(async (flags: StartFlags, command: Command) => {
      const context = commandContext(command);
      const { paths } = context;
      const overrides = overridesFrom(flags);
      if (flags.dev && !existsSync(paths.configFile)) {
        const dev = await createDevHome(paths.home);
        printDevBanner(paths.home, dev.address, dev.mnemonic);
      }
      const config = loadConfig(paths.home, overrides);
      const genesis = loadGenesis(paths.genesisFile);
      const validatorKey = loadPrivValidatorKey(paths.privValidatorKeyFile);
      const nodeKey = loadNodeKey(paths.nodeKeyFile);
      const logger = createLogger(config.log);
      if (!genesis.validators.some((validator) => bytesEqual(validator.pubKey, validatorKey.publicKey))) {
        logger.warn(
          { validator: Buffer.from(validatorKey.address).toString("hex") },
          "this node's key is not in the genesis validator set",
        );
      }
      const { createNode } = await import("../node.ts");
      const node = await createNode({
        home: paths.home,
        config,
        genesis,
        genesisJson: genesis.json,
        signer: new Ed25519Signer(validatorKey.seed),
        nodeId: nodeIdOf(nodeKey),
        logger,
        clock: clockFromEnvironment(logger),
      });
      logger.info(
        { rpc: node.rpcAddress, home: paths.home, chain_id: genesis.chainId },
        "node running; Ctrl-C stops it",
      );
      const outcome = await new Promise<{ signal: string } | { halted: unknown }>((resolve) => {
        process.once("SIGINT", () => resolve({ signal: "SIGINT" }));
        process.once("SIGTERM", () => resolve({ signal: "SIGTERM" }));
        node.halted.then((reason) => resolve({ halted: reason }));
      });
      if ("signal" in outcome) logger.info({ signal: outcome.signal }, "stopping");
      await node.stop();
      if ("halted" in outcome) {
        logger.error({ reason: String(outcome.halted) }, "node halted");
        process.exitCode = 1;
      }
    });
}

/** The node's clock: the system clock, shifted when the test-only CLOCK_OFFSET_ENV is set. */
function clockFromEnvironment(logger: { warn(object: object, message: string): void }): Clock {
  const text = process.env[CLOCK_OFFSET_ENV];
  if (text === undefined || text === "") return systemClock;
  const offsetMs = Number(text);
  if (!Number.isSafeInteger(offsetMs)) throw new Error(`${CLOCK_OFFSET_ENV} must be an integer, got ${text}`);
  logger.warn({ offsetMs }, `${CLOCK_OFFSET_ENV} shifts this node's clock: for tests only`);
  return offsetClock(offsetMs);
}
