// Starts real `sensorchain` node processes for end-to-end tests: a temp home made with the CLI,
// a funded test account, loopback ports claimed by free-port.ts. Every process is stopped by its pid.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { DirectSecp256k1HdWallet, type OfflineSigner } from "@cosmjs/proto-signing";
import { SigningStargateClient, type SigningStargateClientOptions } from "@cosmjs/stargate";
import type { ExecutionContext, TestFn } from "ava";
import { freePort } from "./free-port.ts";

export { freePort };

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const NODE_BINARY = join(REPO_ROOT, "node_modules/.bin/node");
export const CLI = join(REPO_ROOT, "chain/cli.ts");
export const CHAIN_ID = "sensorchain-test-1";
export const DENOM = "usensor";
/** A fixed test mnemonic (never funded anywhere real); its first account is the faucet of a test chain. */
export const FAUCET_MNEMONIC =
  "surround miss nominee dream gap cross assault thank captain prosper drop duty group candy wealth weather scale put";

const run = promisify(execFile);

export async function cli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child = run(NODE_BINARY, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...options.env } });
  if (options.input !== undefined) {
    child.child.stdin?.end(options.input);
  }
  return child;
}

/** What a CLI call ended with: its exit code (0 for success) and its output. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `sensorchain <args> --home <home> --keyring-backend test` with `input` on stdin and `env` added to
 * the environment: its exit code and output, a failure included. */
export async function cliIn(home: string, args: string[], input = "", env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await cli([...args, "--home", home, "--keyring-backend", "test"], {
      input,
      env,
    });
    return { code: 0, stdout, stderr } satisfies CliResult;
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number" || failed.stderr === undefined) throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr } satisfies CliResult;
  }
}

/** cliIn's JSON output; a non-zero exit throws with the command line and its stderr. */
// biome-ignore lint/suspicious/noExplicitAny: CLI JSON output, which tests read field by field
export async function cliJson(home: string, args: string[], input = ""): Promise<any> {
  const result = await cliIn(home, args, input);
  if (result.code !== 0)
    throw new Error(`sensorchain ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

export async function faucetWallet(): Promise<{ wallet: DirectSecp256k1HdWallet; address: string }> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(FAUCET_MNEMONIC, { prefix: "sensor" });
  const [account] = await wallet.getAccounts();
  return { wallet, address: account!.address };
}

/** The address of a new random account: a recipient, or an account the chain has never seen. */
export async function freshAddress(): Promise<string> {
  const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  return (await wallet.getAccounts())[0]!.address;
}

export interface TestHome {
  home: string;
  faucetAddress: string;
  remove(): Promise<void>;
}

export interface TestHomeOptions {
  /** The faucet operates the validator (`init --operator`, app_state.poa): it may submit the day
   * commitments of the meter module. */
  faucetOperates?: boolean;
}

/** A fresh home: `init`, then the faucet funded in genesis. */
export async function createTestHome(
  extraAccounts: { address: string; coins: string }[] = [],
  options: TestHomeOptions = {},
): Promise<TestHome> {
  const home = await mkdtemp(join(tmpdir(), "sensorchain-e2e-"));
  const { address } = await faucetWallet();
  const operator = options.faucetOperates === true ? ["--operator", address] : [];
  await cli(["init", "test-node", "--chain-id", CHAIN_ID, "--home", home, ...operator]);
  await cli(["genesis", "add-account", address, `1000000000000${DENOM}`, "--home", home]);
  for (const account of extraAccounts) {
    await cli(["genesis", "add-account", account.address, account.coins, "--home", home]);
  }
  return { home, faucetAddress: address, remove: () => rm(home, { recursive: true, force: true }) };
}

export interface NodeProcess {
  child: ChildProcess;
  rpcUrl: string;
  /** The embedded MQTT broker (bridge-mqtt), on its own free port so parallel tests do not share 1883. */
  mqttUrl: string;
  output(): string;
  /** SIGKILL by pid, no cleanup: the crash case. */
  kill9(): Promise<void>;
  /** SIGINT and wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** How long a started node may take to commit its first block, ms: a few seconds alone, but a
 * loaded 2-core machine (other test files' nodes starting too) has taken over 30 s. */
export const FIRST_BLOCK_TIMEOUT_MS = 90_000;
/** What chain/node.ts logs when everything listens (RPC, then the MQTT bridge) and consensus starts. */
const NODE_STARTED_LOG = "node started";

/** A child process a test started: its stdout and stderr as one string, and signals sent by its pid
 * (with `group`, to its process group, as a terminal's Ctrl-C reaches a detached child and its own
 * children). */
export interface WatchedProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when it has exited, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** Sends `signal` unless it has exited already; resolves when it has exited. */
  signal(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function watchProcess(child: ChildProcess, options: { group?: boolean } = {}): WatchedProcess {
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once("exit", (code, signal) => resolveExit({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output: () => output,
    exited,
    running,
    async signal(signal) {
      if (running() && child.pid !== undefined) {
        try {
          process.kill(options.group === true ? -child.pid : child.pid, signal);
        } catch (error) {
          // It exited between the check and the kill.
          if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
        }
      }
      return exited;
    },
  };
}

/** `node <args>` in the repository, watched; started with `detached` (its own process group) when the
 * caller will signal its group. */
export function spawnNode(args: string[], options: { group?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(NODE_BINARY, args, {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.group === true ? { detached: true } : {}),
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
  });
  return watchProcess(child, options.group === undefined ? {} : { group: options.group });
}

/** Waits until `watched` has printed `text`; throws with its output if it exits first or `timeoutMs`
 * passes. */
export async function waitForOutput(watched: WatchedProcess, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!watched.output().includes(text)) {
    if (!watched.running()) throw new Error(`exited before printing "${text}":\n${watched.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${watched.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startNodeProcess(
  home: string,
  options: { blockInterval?: string; rpcPort?: number; extraArgs?: string[] } = {},
): Promise<NodeProcess> {
  const rpcPort = options.rpcPort ?? (await freePort());
  const p2pPort = await freePort();
  const mqttPort = await freePort();
  const watched = spawnNode([
    CLI,
    "start",
    "--home",
    home,
    "--rpc.laddr",
    `tcp://127.0.0.1:${rpcPort}`,
    "--p2p.laddr",
    `tcp://127.0.0.1:${p2pPort}`,
    "--consensus.timeout_commit",
    options.blockInterval ?? "200ms",
    "--mqtt.laddr",
    `tcp://127.0.0.1:${mqttPort}`,
    ...(options.extraArgs ?? []),
  ]);
  const rpcUrl = `http://127.0.0.1:${rpcPort}`;
  const node: NodeProcess = {
    child: watched.child,
    rpcUrl,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    output: watched.output,
    async kill9() {
      await watched.signal("SIGKILL");
    },
    async stop() {
      return (await watched.signal("SIGINT")).code;
    },
  };
  const started = Date.now();
  try {
    await waitForHeight(rpcUrl, 1n, FIRST_BLOCK_TIMEOUT_MS, () => !watched.running(), watched.output);
    // A restarted node answers RPC with its saved height before its MQTT bridge listens (the RPC
    // server starts first): a test that connects a device then was refused on a loaded machine.
    // The node logs this line once the bridge listens, as its engine starts.
    await waitForOutput(watched, NODE_STARTED_LOG, FIRST_BLOCK_TIMEOUT_MS - (Date.now() - started));
  } catch (error) {
    // The caller never gets the node to stop: left running, its pipes would keep the ava worker, and
    // so the whole run, waiting for ever.
    await node.kill9();
    throw error;
  }
  return node;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC results, read field by field by the caller
export async function rpc(url: string, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const request = () =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
  let response: Response;
  try {
    response = await request();
  } catch {
    // A pooled keep-alive connection the server closed as it was reused: once more, on a new one.
    response = await request();
  }
  return response.json();
}

/** A query through the node's abci_query as the bridge's registry asks it (bridge-mqtt/registry.ts,
 * QueryFunction): a bridge outside the node process reads the chain this way. */
export async function abciQuery(url: string, path: string, data: Uint8Array) {
  const response = await rpc(url, "abci_query", { path, data: Buffer.from(data).toString("hex") });
  const result = response.result.response;
  return {
    code: Number(result.code ?? 0),
    value: Buffer.from(result.value ?? "", "base64"),
    log: String(result.log ?? ""),
  };
}

/** abciQuery's answer decoded with `type`; a failed query throws with its path and log. */
export async function abciQueryDecoded<T>(
  url: string,
  path: string,
  request: Uint8Array,
  type: { decode(bytes: Uint8Array): T },
): Promise<T> {
  const { code, value, log } = await abciQuery(url, path, request);
  if (code !== 0) throw new Error(`${path}: ${log}`);
  return type.decode(value);
}

export async function waitForHeight(
  url: string,
  height: bigint,
  timeoutMs = 30_000,
  failed: () => boolean = () => false,
  output: () => string = () => "",
): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (failed()) throw new Error(`node exited before reaching height ${height}:\n${output()}`);
    try {
      const status = await rpc(url, "status");
      const latest = BigInt(status.result.sync_info.latest_block_height);
      if (latest >= height) return latest;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for height ${height}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface NodePerFileOptions extends TestHomeOptions {
  /** Extra genesis accounts (called in the before hook, so the file may make their keys there). */
  accounts?: () => Promise<{ address: string; coins: string }[]>;
  /** Edits the home (genesis, config) before the node starts. */
  prepare?: (home: TestHome) => Promise<void>;
  /** startNodeProcess's block interval. */
  blockInterval?: string;
}

/** One node process for all the tests of a file, on a fresh home (createTestHome): started in a serial
 * before hook, stopped by its pid and its home removed in test.after.always. Its fields are set once
 * the tests run; a file's own setup that needs the node goes in a later `test.serial.before` (ava
 * runs plain before hooks concurrently). */
export function nodePerFile(
  test: TestFn,
  options: NodePerFileOptions = {},
): { home: TestHome; node: NodeProcess } {
  const chain = {} as { home: TestHome; node: NodeProcess };
  test.serial.before(async () => {
    chain.home = await createTestHome((await options.accounts?.()) ?? [], options);
    await options.prepare?.(chain.home);
    chain.node = await startNodeProcess(
      chain.home.home,
      options.blockInterval === undefined ? {} : { blockInterval: options.blockInterval },
    );
  });
  test.after.always(async () => {
    await chain.node?.stop();
    await chain.home?.remove();
  });
  return chain;
}

/** Connects SigningStargateClients to `rpcUrl` with `options`; all of them disconnect when the test
 * ends. */
export function signingClients(t: ExecutionContext, rpcUrl: string, options: SigningStargateClientOptions) {
  const clients: SigningStargateClient[] = [];
  t.teardown(() => {
    for (const client of clients) client.disconnect();
  });
  return async (signer: OfflineSigner): Promise<SigningStargateClient> => {
    const client = await SigningStargateClient.connectWithSigner(rpcUrl, signer, options);
    clients.push(client);
    return client;
  };
}
