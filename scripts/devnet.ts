// `npm run devnet -- --validators 4 [--dir ./.devnet] [--full-nodes 0] [--block-time 1s] [--timeout-commit 200ms]`:
// a local multi-validator chain. Writes N validator homes (and optional full nodes) under --dir
// with one genesis (N validators of power 10, a funded faucet), loopback ports RPC 26657+10i and
// P2P 26656+10i, every node a persistent peer of every other; then starts one `sensorchain start`
// process per home and stops them all (by pid) on Ctrl-C. `createDevnet` is what tests and the
// benchmark use, with ports of their choosing.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import nodeSettings from "../bin/node-settings.json" with { type: "json" };
import { installOperatorKey } from "../bridge-mqtt/commitments/operator-key.ts";
import { initHome } from "../chain/cli/init.ts";
import { writeFileAtomic } from "../chain/config/files.ts";
import { homePaths } from "../chain/config/home.ts";
import { loadNodeKey, loadPrivValidatorKey } from "../chain/config/node-keys.ts";
import { parseToml, renderConfigToml } from "../chain/config/toml-file.ts";
import { peerIdOfNodeKey } from "../chain/p2p/host.ts";
import {
  addGenesisAccount,
  addPoaValidator,
  buildGenesis,
  saveGenesis,
  timestampFromDate,
} from "../genesis/genesis.ts";

export const REPO_ROOT = resolve(import.meta.dirname, "..");
const NODE_BINARY = join(REPO_ROOT, "node_modules/.bin/node");
const CLI = join(REPO_ROOT, "chain/cli.ts");
export const DEVNET_CHAIN_ID = "sensorchain-devnet-1";
export const DEVNET_DENOM = "usensor";
/** Faucet balance: 10^15 usensor, enough for any load test. */
const FAUCET_BALANCE = 1_000_000_000_000_000n;
/** Each validator operator's balance: fees for years of governance txs on a devnet. */
const OPERATOR_BALANCE = 1_000_000_000_000n;

export interface DevnetNodeSpec {
  home: string;
  moniker: string;
  validator: boolean;
  rpcPort: number;
  p2pPort: number;
  peerId: string;
  /** The poa operator account of a validator (signs its governance txs); undefined for full nodes. */
  operator?: { address: string; mnemonic: string };
  /** ed25519 consensus public key (priv_validator_key.json). */
  consensusPubKey: Uint8Array;
}

export interface DevnetOptions {
  dir: string;
  validators: number;
  fullNodes?: number;
  chainId?: string;
  /** Ports of node i; default RPC 26657+10i, P2P 26656+10i. */
  ports?: (index: number) => { rpc: number; p2p: number };
  /** Faucet mnemonic; a new one is generated when absent. */
  faucetMnemonic?: string;
  /** Extra funded accounts. */
  accounts?: { address: string; amount: bigint }[];
  timeoutCommit?: string;
  /** consensus.block_interval of every node (heights paced to it; absent: not set, i.e. off). */
  blockInterval?: string;
  /** consensus.max_block_txs of every node (absent: not set, i.e. the default). */
  maxBlockTxs?: number;
  /** Extra [mqtt] settings of every node (e.g. commit_grace for tests). */
  mqtt?: Record<string, string | number | boolean>;
  /** Full nodes get no persistent peers of their own but are dialed by nobody: they dial validators. */
}

export interface Devnet {
  nodes: DevnetNodeSpec[];
  chainId: string;
  faucetMnemonic: string;
  faucetAddress: string;
}

export async function createDevnet(options: DevnetOptions): Promise<Devnet> {
  const chainId = options.chainId ?? DEVNET_CHAIN_ID;
  const total = options.validators + (options.fullNodes ?? 0);
  const ports = options.ports ?? ((i: number) => ({ rpc: 26657 + 10 * i, p2p: 26656 + 10 * i }));
  rmSync(options.dir, { recursive: true, force: true });
  const nodes: DevnetNodeSpec[] = [];
  for (let i = 0; i < total; i++) {
    const validator = i < options.validators;
    const moniker = validator ? `validator${i}` : `full${i - options.validators}`;
    const home = resolve(options.dir, moniker);
    initHome({ home, moniker, chainId, denom: DEVNET_DENOM, overwrite: true, keyringBackend: "test" });
    const { rpc, p2p } = ports(i);
    const peerId = await peerIdOfNodeKey(loadNodeKey(homePaths(home).nodeKeyFile).seed);
    const consensusPubKey = loadPrivValidatorKey(homePaths(home).privValidatorKeyFile).publicKey;
    const spec: DevnetNodeSpec = {
      home,
      moniker,
      validator,
      rpcPort: rpc,
      p2pPort: p2p,
      peerId,
      consensusPubKey,
    };
    if (validator) {
      const wallet = await DirectSecp256k1HdWallet.generate(24, { prefix: "sensor" });
      spec.operator = { address: (await wallet.getAccounts())[0]!.address, mnemonic: wallet.mnemonic };
    }
    nodes.push(spec);
  }
  const faucetMnemonic =
    options.faucetMnemonic ?? (await DirectSecp256k1HdWallet.generate(24, { prefix: "sensor" })).mnemonic;
  const faucet = await DirectSecp256k1HdWallet.fromMnemonic(faucetMnemonic, { prefix: "sensor" });
  const faucetAddress = (await faucet.getAccounts())[0]!.address;
  let genesis = buildGenesis({
    chainId,
    genesisTime: timestampFromDate(new Date()),
    validators: nodes
      .filter((node) => node.validator)
      .map((node) => ({
        publicKey: loadPrivValidatorKey(homePaths(node.home).privValidatorKeyFile).publicKey,
        name: node.moniker,
      })),
    nativeDenom: DEVNET_DENOM,
  });
  genesis = addGenesisAccount(genesis, faucetAddress, [{ denom: DEVNET_DENOM, amount: FAUCET_BALANCE }]);
  // Account numbers follow this order: faucet 0, the extra accounts 1..n (the benchmark relies on
  // it), then the validator operators.
  for (const account of options.accounts ?? [])
    genesis = addGenesisAccount(genesis, account.address, [{ denom: DEVNET_DENOM, amount: account.amount }]);
  // app_state.poa: every validator with a funded operator and its node id, so that governance
  // (adding, removing validators) works and nodes learn each other's libp2p ids from the chain.
  // (Accounts first: addGenesisAccount checks the document, and poa must list all validators or none.)
  for (const node of nodes)
    if (node.operator !== undefined)
      genesis = addGenesisAccount(genesis, node.operator.address, [
        { denom: DEVNET_DENOM, amount: OPERATOR_BALANCE },
      ]);
  for (const node of nodes) {
    if (node.operator === undefined) continue;
    genesis = addPoaValidator(genesis, {
      publicKey: node.consensusPubKey,
      operator: node.operator.address,
      nodeId: node.peerId,
      moniker: node.moniker,
    });
  }
  // Development keys only: the operators' mnemonics, for the CLI or cosmjs (README, Devnet).
  writeFileAtomic(
    join(resolve(options.dir), "operators.json"),
    `${JSON.stringify(
      nodes
        .filter((n) => n.operator !== undefined)
        .map((n) => ({ moniker: n.moniker, address: n.operator!.address, mnemonic: n.operator!.mnemonic })),
      null,
      2,
    )}\n`,
    0o600,
  );
  for (const node of nodes) {
    const paths = homePaths(node.home);
    saveGenesis(paths.genesisFile, genesis);
    const document = parseToml(readFileSync(paths.configFile, "utf8"), paths.configFile);
    const peers = nodes
      .filter((n) => n.validator && n !== node)
      .map((n) => `${n.peerId}@/ip4/127.0.0.1/tcp/${n.p2pPort}`);
    document["rpc"] = { ...(document["rpc"] as object), laddr: `tcp://127.0.0.1:${node.rpcPort}` };
    document["p2p"] = {
      laddr: `tcp://127.0.0.1:${node.p2pPort}`,
      persistent_peers: peers.join(","),
      // No validator_peers: nodes read the validators' node ids from app_state.poa / the poa module.
    };
    document["consensus"] = {
      timeout_commit: options.timeoutCommit ?? "1s",
      ...(options.blockInterval === undefined ? {} : { block_interval: options.blockInterval }),
      ...(options.maxBlockTxs === undefined ? {} : { max_block_txs: options.maxBlockTxs }),
    };
    // Several nodes on one host cannot all have 1883: the OS chooses each broker's port (logged).
    document["mqtt"] = { enabled: true, laddr: "tcp://127.0.0.1:0", ...options.mqtt };
    writeFileAtomic(paths.configFile, renderConfigToml(document));
    // Each validator's bridge signs daily commitments with its operator key (development keys only).
    if (node.operator !== undefined) installOperatorKey(node.home, node.operator.mnemonic);
  }
  return { nodes, chainId, faucetMnemonic, faucetAddress };
}

/** Node.js flags of every devnet node: bin/node-settings.json's, which bin/sensorchain.js gives
 * `start` (the reason for each is there). A later flag in `nodeFlags` overrides one of them. */
export const VALIDATOR_NODE_FLAGS: string[] = nodeSettings.flags.map((entry) => entry.flag);
/** The environment bin/sensorchain.js gives `start`, from the same file; one set in the caller's
 * environment wins. */
export const VALIDATOR_NODE_ENV: Record<string, string> = Object.fromEntries(
  nodeSettings.env.map((entry) => [entry.name, entry.value]),
);

/** `logFd`: an open file the node writes its output to instead of pipes (a pipe nobody drains fills
 * and blocks the node's synchronous logger, e.g. while a benchmark signs its load). `nodeFlags`: flags
 * of the node binary itself (`--cpu-prof`, heap limits), before the CLI. */
export function startDevnetNode(
  node: DevnetNodeSpec,
  extraArgs: string[] = [],
  logFd?: number,
  nodeFlags: string[] = [],
): ChildProcess {
  return spawn(
    NODE_BINARY,
    [...VALIDATOR_NODE_FLAGS, ...nodeFlags, CLI, "start", "--home", node.home, ...extraArgs],
    {
      cwd: REPO_ROOT,
      env: { ...VALIDATOR_NODE_ENV, ...process.env },
      stdio: logFd === undefined ? ["ignore", "pipe", "pipe"] : ["ignore", logFd, logFd],
    },
  );
}

const USAGE = `usage: npm run devnet -- [options]
  --validators N      validators, 1..20 (default 4)
  --full-nodes N      full nodes following by block sync (default 0)
  --dir DIR           where the homes go (default .devnet; recreated)
  --block-time T      consensus.block_interval: blocks T apart (default 1s)
  --timeout-commit T  least wait after a decision, for late precommits (default 200ms)
  --help              this text
Ctrl-C stops every node.
`;

/** SIGINT to every node process still running (one that exited between the check and the signal is
 * skipped, so a dead node never leaves the others running). */
export function signalDevnetNodes(children: ChildProcess[]): void {
  for (const child of children) {
    if (child.exitCode !== null || child.pid === undefined) continue;
    try {
      process.kill(child.pid, "SIGINT");
    } catch {
      // already gone
    }
  }
}

/** Resolves when every node process has exited. */
export async function devnetNodesExited(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((child) => new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)))),
  );
}

/** A flag the user got wrong: reported with the usage, without a stack. */
class DevnetUsageError extends Error {}

function parseDevnetArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      validators: { type: "string", default: "4" },
      "full-nodes": { type: "string", default: "0" },
      dir: { type: "string", default: ".devnet" },
      "block-time": { type: "string", default: "1s" },
      "timeout-commit": { type: "string", default: "200ms" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const validators = Number(values.validators);
  const fullNodes = Number(values["full-nodes"]);
  if (!Number.isInteger(validators) || validators < 1 || validators > 20)
    throw new DevnetUsageError("--validators must be 1..20");
  if (!Number.isInteger(fullNodes) || fullNodes < 0)
    throw new DevnetUsageError("--full-nodes must be 0 or more");
  return { ...values, validators, fullNodes };
}

async function main(): Promise<void> {
  const args = parseDevnetArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const { validators, fullNodes } = args;
  const dir = resolve(args.dir);
  const devnet = await createDevnet({
    dir,
    validators,
    fullNodes,
    // Blocks --block-time apart (consensus.block_interval), each at least --timeout-commit after its
    // decision for late precommits: what the devnet bench measures as "1 s blocks".
    blockInterval: args["block-time"],
    timeoutCommit: args["timeout-commit"],
  });
  const children: ChildProcess[] = [];
  for (const node of devnet.nodes) {
    const child = startDevnetNode(node);
    const prefix = `[${node.moniker}] `;
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n"))
        if (line !== "") process.stdout.write(`${prefix}${line}\n`);
    };
    child.stdout?.on("data", forward);
    child.stderr?.on("data", forward);
    children.push(child);
  }
  const rule = "-".repeat(78);
  process.stdout.write(
    `${rule}\nsensorchain devnet: ${validators} validators${fullNodes > 0 ? `, ${fullNodes} full nodes` : ""}, chain id ${devnet.chainId}, homes in ${dir}\n` +
      devnet.nodes
        .map(
          (n) =>
            `  ${n.moniker.padEnd(11)} RPC http://127.0.0.1:${n.rpcPort}  P2P /ip4/127.0.0.1/tcp/${n.p2pPort}/p2p/${n.peerId}`,
        )
        .join("\n") +
      `\nfaucet ${devnet.faucetAddress} (10^15 ${DEVNET_DENOM}); its mnemonic (development only):\n${devnet.faucetMnemonic}\n` +
      `validator operators (poa governance; mnemonics in ${join(dir, "operators.json")}):\n` +
      devnet.nodes
        .filter((n) => n.operator !== undefined)
        .map((n) => `  ${n.moniker.padEnd(11)} ${n.operator!.address}`)
        .join("\n") +
      "\n" +
      `Ctrl-C stops every node.\n${rule}\n`,
  );
  const stop = () => signalDevnetNodes(children);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  process.once("SIGHUP", stop);
  // Output piped into a reader that went away (`| head`): the nodes must not outlive this script.
  process.stdout.on("error", stop);
  process.once("exit", stop);
  await devnetNodesExited(children);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    // A bad flag is the user's mistake: its message and the usage, not a stack.
    const usageError =
      error instanceof DevnetUsageError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
    process.stderr.write(
      usageError
        ? `devnet: ${(error as Error).message}\n${USAGE}`
        : `devnet: ${(error as Error).stack ?? String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
