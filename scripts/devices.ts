// `npm run devices -- --count N --rate R`: the device simulator. Generates N ed25519 device keys
// (or reuses those in --keys FILE), registers the devices on chain with real txs paid by the dev key
// (many MsgRegisterDevice per tx), then runs them as real MQTT clients publishing signed readings at
// R per second each, QoS 1, printing per-second figures. README.md, "Device simulator".
import { existsSync } from "node:fs";
import { DirectSecp256k1HdWallet, type OfflineDirectSigner } from "@cosmjs/proto-signing";
import { Command, InvalidArgumentError } from "commander";
import { DEV_KEY_NAME } from "../chain/cli/start.ts";
import { homePaths, resolveHome } from "../chain/config/home.ts";
import { Keyring } from "../chain/crypto/keyring.ts";
import { SECTOR_CODE_PATTERN } from "../modules/device/keys.ts";
import { DEFAULT_CONNECT_CONCURRENCY, type FleetSummary, runFleet } from "./devices/fleet.ts";
import { generateDevices, loadKeysFile, saveKeysFile } from "./devices/keys-file.ts";
import { formatLatency } from "./devices/latency.ts";
import { type RegistrationResult, registerDevices } from "./devices/register.ts";

/** Devices one simulator process runs: past ~10-20k sockets one event loop is the bottleneck (run
 * several processes with separate key files instead). */
export const MAX_SIMULATED_DEVICES = 50_000;
/** Readings per second per device: the bridge's sequences start at ms × 1,000 (fleet.ts). */
const MAX_RATE_PER_DEVICE = 1000;

export interface DevicesCliOptions {
  count: number;
  rate: number;
  rpc: string;
  mqtt: string;
  mnemonic?: string;
  keyFrom: string;
  home?: string;
  sector: string;
  duration: number;
  keys: string;
  maxInflight: number;
  connectConcurrency: number;
  gasPrices: string;
  presign: boolean;
  /** false (--no-register): skip the chain entirely, for a plain broker that takes any login. */
  register: boolean;
  chainId?: string;
  json: boolean;
}

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) throw new InvalidArgumentError(`"${text}" is not a duration (e.g. 30s, 2m, 500ms)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

function integer(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max)
      throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return value;
  };
}

function positiveRate(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > MAX_RATE_PER_DEVICE)
    throw new InvalidArgumentError(`must be a number above 0 and at most ${MAX_RATE_PER_DEVICE}`);
  return value;
}

function sector(text: string): string {
  if (!SECTOR_CODE_PATTERN.test(text))
    throw new InvalidArgumentError("must be 4 characters A-Z0-9, e.g. D035");
  return text;
}

export function devicesProgram(run: (options: DevicesCliOptions) => Promise<void>): Command {
  return new Command("devices")
    .description("register simulated devices on chain and run them as MQTT clients sending signed readings")
    .requiredOption("--count <n>", "number of devices", integer(1, MAX_SIMULATED_DEVICES))
    .requiredOption("--rate <r>", "readings per second per device (e.g. 1, 0.2, 50)", positiveRate)
    .option("--rpc <url>", "node RPC endpoint", "http://127.0.0.1:26657")
    .option("--mqtt <url>", "the bridge's MQTT broker", "mqtt://127.0.0.1:1883")
    .option("--mnemonic <words>", "payer and owner of the devices (default: the dev key of --home)")
    .option("--key-from <name>", "payer key in the test keyring of --home", DEV_KEY_NAME)
    .option("--home <dir>", "node home holding keyring-test/ (default $SENSORCHAIN_HOME or ~/.sensorchain)")
    .option("--sector <code>", "sector of new device ids", sector, "D035")
    .option("--duration <time>", "how long to send (e.g. 60s, 5m)", parseDuration, 60_000)
    .option(
      "--keys <file>",
      "device keys file: reused when it exists, created (mode 0600) when not",
      "devices.keys.json",
    )
    .option(
      "--max-inflight <n>",
      "readings a device may have waiting for PUBACK; more are skipped",
      integer(1, 10_000),
      100,
    )
    .option(
      "--connect-concurrency <n>",
      "logins in flight at once",
      integer(1, 10_000),
      DEFAULT_CONNECT_CONCURRENCY,
    )
    .option("--gas-prices <price>", "gas price of the registration txs", "0.025usensor")
    .option(
      "--no-register",
      "do not touch the chain (no registration): drive a plain MQTT broker as a baseline",
    )
    .option("--chain-id <id>", "chain id in the login messages (default: the node's, from --rpc)")
    .option(
      "--presign",
      "sign all readings of the run before sending (timestamps at their planned send times; at most 1,000,000)",
      false,
    )
    .option(
      "--json",
      "print the final summary as one JSON line on stdout (per-second lines go to stderr)",
      false,
    )
    .action(async (flags: DevicesCliOptions) => run(flags));
}

async function payer(options: DevicesCliOptions): Promise<{ signer: OfflineDirectSigner; address: string }> {
  if (options.mnemonic !== undefined) {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(options.mnemonic.trim(), { prefix: "sensor" });
    return { signer: wallet, address: (await wallet.getAccounts())[0]!.address };
  }
  const dir = homePaths(resolveHome(options.home)).keyringTestDir;
  const keyring = new Keyring({ backend: "test", dir });
  if (!existsSync(dir) || !keyring.has(options.keyFrom))
    throw new Error(
      `no key "${options.keyFrom}" in ${dir}: start a dev node first (npm start) or pass --mnemonic / --home`,
    );
  const wallet = await keyring.wallet(options.keyFrom);
  return { signer: wallet, address: (await wallet.getAccounts())[0]!.address };
}

async function chainIdOf(rpcUrl: string): Promise<string> {
  const response = await fetch(`${rpcUrl.replace(/\/$/, "")}/status`);
  // biome-ignore lint/suspicious/noExplicitAny: JSON-RPC answer, read field by field
  const body: any = await response.json();
  const network = body?.result?.node_info?.network;
  if (typeof network !== "string") throw new Error(`${rpcUrl}/status has no node_info.network`);
  return network;
}

export async function runDevices(
  options: DevicesCliOptions,
  out: { line: (text: string) => void } = { line: (text) => process.stderr.write(`${text}\n`) },
): Promise<{ registration: RegistrationResult; fleet: FleetSummary }> {
  const chainId = options.chainId ?? (options.register ? await chainIdOf(options.rpc) : "none");
  const known = loadKeysFile(options.keys);
  const devices = known.slice(0, options.count);
  if (devices.length < options.count) {
    devices.push(...generateDevices(options.sector, options.count - devices.length));
    saveKeysFile(options.keys, [...devices, ...known.slice(options.count)]);
    out.line(`keys of ${options.count - known.length} new devices saved in ${options.keys}`);
  }
  let registration: RegistrationResult = { registered: 0, alreadyRegistered: 0, txs: 0, seconds: 0 };
  if (options.register) {
    const { signer, address } = await payer(options);
    registration = await registerDevices({
      rpcUrl: options.rpc,
      signer,
      owner: address,
      gasPrice: options.gasPrices,
      devices,
      log: out.line,
    });
    out.line(
      `owner ${address}: ${registration.registered} registered in ${registration.txs} txs ` +
        `(${registration.seconds.toFixed(1)} s), ${registration.alreadyRegistered} already were`,
    );
  }
  out.line("second  connected      sent     acked  rejected   skipped   p50 ms   p99 ms");
  const fleet = await runFleet({
    mqttUrl: options.mqtt,
    chainId,
    devices,
    rate: options.rate,
    durationMs: options.duration,
    maxInflight: options.maxInflight,
    connectConcurrency: options.connectConcurrency,
    presign: options.presign,
    log: out.line,
    onSecond: (s) =>
      out.line(
        `${String(s.second).padStart(6)} ${String(s.connected).padStart(10)} ${String(s.sent).padStart(9)} ` +
          `${String(s.acked).padStart(9)} ${String(s.rejected).padStart(9)} ${String(s.skipped).padStart(9)} ` +
          `${formatLatency(s.p50Ms).padStart(8)} ${formatLatency(s.p99Ms).padStart(8)}`,
      ),
  });
  out.line(
    `total: ${fleet.sent} sent, ${fleet.acked} PUBACKed (${fleet.ackedPerSecond.toFixed(0)}/s), ` +
      `${fleet.rejected} rejected ${JSON.stringify(fleet.rejectedByCode)}, ${fleet.skipped} skipped, ` +
      `${fleet.unacked} never acknowledged, ${fleet.failed} failed; PUBACK p50 ${formatLatency(fleet.p50Ms)} ms, ` +
      `p99 ${formatLatency(fleet.p99Ms)} ms, max ${fleet.maxMs.toFixed(1)} ms; ${fleet.disconnects} disconnects; ` +
      `logins refused ${JSON.stringify(fleet.connectFailures)}`,
  );
  return { registration, fleet };
}

if (import.meta.main) {
  await devicesProgram(async (options) => {
    try {
      const result = await runDevices(options);
      if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    } catch (error) {
      process.stderr.write(`devices: ${(error as Error).message}\n`);
      process.exitCode = 1;
    }
  }).parseAsync(process.argv);
}
