// `sensorchain light init|verify|query|serve`: the light client from the command line. `init` keeps
// the root of trust and node addresses in <home>/light/light.json and the trusted blocks in
// <home>/light/trusted-blocks.json (bounded); `serve` runs the verifying proxy.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { LightClient } from "../../light-client/client.ts";
import { LightClientError } from "../../light-client/errors.ts";
import {
  verifiedCommitment,
  verifiedDevice,
  verifiedEscrow,
  verifiedIdentityToken,
  verifiedIdentityTokenByOwner,
} from "../../light-client/module-queries.ts";
import { FileLightStore } from "../../light-client/node/file-store.ts";
import { startLightProxy } from "../../light-client/node/proxy.ts";
import { verifyEd25519Node } from "../../light-client/node/verify-signature.ts";
import { verifiedAccount, verifiedBalance, verifiedStoreGet } from "../../light-client/queries.ts";
import { RpcTransport } from "../../light-client/rpc-transport.ts";
import { heightOf, type TrustLevel } from "../../light-client/types.ts";
import { parseDurationNs } from "../config/duration.ts";
import { fromHex, toHex } from "../types/bytes.ts";
import { headerHash } from "../types/header.ts";
import { formatTimestamp, timestampFromDate } from "../types/time.ts";
import { commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { parseDay } from "./meter.ts";
import { printOutput } from "./output.ts";
import { nodeUrl } from "./rpc-client.ts";

const CONFIG_FILE = "light.json";
const STORE_FILE = "trusted-blocks.json";
const DEFAULT_TRUSTING_PERIOD = "336h";
const DEFAULT_LADDR = "tcp://127.0.0.1:8888";

export interface LightConfig {
  chainId: string;
  primary: string;
  witnesses: string[];
  trustedHeight: string;
  trustedHash: string;
  trustingPeriod: string;
  trustLevel: string;
  mode: "sequential" | "skipping";
}

export interface TrustFlags {
  primary?: string;
  witness?: string[];
  trustedHeight?: string;
  trustedHash?: string;
  trustingPeriod?: string;
  trustLevel?: string;
  sequential?: boolean;
}

const now = () => timestampFromDate(new Date());

function lightDir(command: Command): string {
  return join(commandContext(command).paths.home, "light");
}

function parseTrustLevel(text: string): TrustLevel {
  const match = /^([0-9]+)\/([0-9]+)$/.exec(text);
  if (match === null)
    throw new CliError(
      "invalid_flag",
      `--trust-level must be a fraction like 1/3, got ${JSON.stringify(text)}`,
    );
  return { numerator: BigInt(match[1]!), denominator: BigInt(match[2]!) };
}

export function addTrustFlags(command: Command): Command {
  return command
    .option("--primary <url>", "the primary node's RPC (tcp://host:port or http://…)")
    .option("--witness <url...>", "witness nodes cross-checked for forks")
    .option("--trusted-height <height>", "height of the root of trust (1 = genesis)")
    .option("--trusted-hash <hex>", "header hash at the trusted height, obtained out of band")
    .option("--trusting-period <duration>", `trusting period (default ${DEFAULT_TRUSTING_PERIOD})`)
    .option("--trust-level <fraction>", "trust level for skipping, within [1/3, 1] (default 1/3)")
    .option("--sequential", "verify every header instead of skipping");
}

async function loadConfig(command: Command): Promise<LightConfig | undefined> {
  try {
    return JSON.parse(await readFile(join(lightDir(command), CONFIG_FILE), "utf8")) as LightConfig;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Flags win over the saved config; a chain id comes from the primary's status when not saved. */
export async function resolveConfig(command: Command, flags: TrustFlags): Promise<LightConfig> {
  const saved = await loadConfig(command);
  const primary = flags.primary ?? saved?.primary;
  const trustedHeight = flags.trustedHeight ?? saved?.trustedHeight;
  const trustedHash = flags.trustedHash ?? saved?.trustedHash;
  if (primary === undefined || trustedHeight === undefined || trustedHash === undefined)
    throw new CliError(
      "light_not_initialized",
      "give --primary, --trusted-height and --trusted-hash (or run `light init`)",
    );
  if (!/^[1-9][0-9]{0,18}$/.test(trustedHeight))
    throw new CliError("invalid_flag", "--trusted-height must be a positive integer");
  if (!/^[0-9a-fA-F]{64}$/.test(trustedHash))
    throw new CliError("invalid_flag", "--trusted-hash must be 64 hex characters");
  const primaryUrl = nodeUrl(primary);
  const chainId =
    flags.primary === undefined && saved !== undefined
      ? saved.chainId
      : (await new RpcTransport(primaryUrl).status()).chainId;
  return {
    chainId,
    primary: primaryUrl,
    witnesses: (flags.witness ?? saved?.witnesses ?? []).map(nodeUrl),
    trustedHeight,
    trustedHash: trustedHash.toLowerCase(),
    trustingPeriod: flags.trustingPeriod ?? saved?.trustingPeriod ?? DEFAULT_TRUSTING_PERIOD,
    trustLevel: flags.trustLevel ?? saved?.trustLevel ?? "1/3",
    mode: flags.sequential === true ? "sequential" : (saved?.mode ?? "skipping"),
  };
}

/** The light config when a root of trust is configured (saved by `light init`, or given as flags);
 * undefined when neither, so the caller can fall back to plain queries and say so. */
export async function configuredTrust(command: Command, flags: TrustFlags): Promise<LightConfig | undefined> {
  const given = flags.trustedHeight !== undefined || flags.trustedHash !== undefined;
  if (!given && (await loadConfig(command)) === undefined) return undefined;
  return resolveConfig(command, flags);
}

function storePath(command: Command, config: LightConfig): string {
  return join(lightDir(command), `${config.chainId}-${STORE_FILE}`);
}

export async function openClient(command: Command, config: LightConfig): Promise<LightClient> {
  const store = await FileLightStore.open(storePath(command, config));
  return LightClient.create(
    {
      chainId: config.chainId,
      primary: new RpcTransport(config.primary),
      witnesses: config.witnesses.map((url) => new RpcTransport(url)),
      store,
      trust: {
        height: BigInt(config.trustedHeight),
        hash: fromHex(config.trustedHash),
        trustingPeriodNs: parseDurationNs(config.trustingPeriod),
        trustLevel: parseTrustLevel(config.trustLevel),
      },
      mode: config.mode,
      verifySignature: verifyEd25519Node,
    },
    now(),
  );
}

/** Light client refusals become CLI errors carrying the light client's code. */
export async function refusing<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof LightClientError)
      throw new CliError(`light_${error.code}`, `${error.code}: ${error.message}`);
    throw error;
  }
}

function parseHeightArgument(text: string | undefined): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,18}$/.test(text))
    throw new CliError("invalid_height", `height must be a positive integer, got ${JSON.stringify(text)}`);
  return BigInt(text);
}

export function registerLight(program: Command): void {
  const light = program
    .command("light")
    .description("light client: verify headers and state without trusting a node");

  addTrustFlags(
    light.command("init").description("set the root of trust and verify it against the primary"),
  ).action(async (flags: TrustFlags, command: Command) => {
    const config = await resolveConfig(command, flags);
    // A new root of trust replaces everything trusted before it.
    await rm(storePath(command, config), { force: true });
    const client = await refusing(() => openClient(command, config));
    await mkdir(lightDir(command), { recursive: true });
    await writeFile(join(lightDir(command), CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
    const root = await client.latestTrusted();
    printOutput(
      {
        chain_id: config.chainId,
        trusted_height: heightOf(root),
        trusted_hash: toHex(headerHash(root.signedHeader.header)).toUpperCase(),
      },
      commandContext(command).output,
    );
  });

  addTrustFlags(
    light.command("verify").description("light-verify the header at a height (default: the latest)"),
  )
    .argument("[height]", "height to verify")
    .action(async (heightText: string | undefined, flags: TrustFlags, command: Command) => {
      const height = parseHeightArgument(heightText);
      const client = await refusing(async () => openClient(command, await resolveConfig(command, flags)));
      const result = await refusing(() =>
        height === undefined ? client.update(now()) : client.verifyToHeight(height, now()),
      );
      const header = result.block.signedHeader.header;
      printOutput(
        {
          height: header.height,
          hash: toHex(headerHash(header)).toUpperCase(),
          app_hash: toHex(header.appHash).toUpperCase(),
          time: formatTimestamp(header.time),
          trace: result.trace.map(heightOf),
          witness_reports: result.reports.map((report) => ({ kind: report.kind, witness: report.witness })),
        },
        commandContext(command).output,
      );
    });

  const query = light
    .command("query")
    .description("verified state queries (proofs checked against light-verified app hashes)");
  addTrustFlags(query.command("balance").description("a verified bank balance"))
    .argument("<address>", "sensor1… address")
    .option("--denom <denom>", "denom", "usensor")
    .option("--height <height>", "state height (default: latest provable)")
    .action(
      async (address: string, flags: TrustFlags & { denom: string; height?: string }, command: Command) => {
        const client = await refusing(async () => openClient(command, await resolveConfig(command, flags)));
        const height = parseHeightArgument(flags.height);
        const result = await refusing(() =>
          verifiedBalance(client, address, flags.denom, now(), height === undefined ? {} : { height }),
        );
        printOutput(
          { address, denom: flags.denom, amount: result.amount, height: result.height, verified: true },
          commandContext(command).output,
        );
      },
    );
  addTrustFlags(query.command("account").description("a verified auth account"))
    .argument("<address>", "sensor1… address")
    .action(async (address: string, flags: TrustFlags, command: Command) => {
      const client = await refusing(async () => openClient(command, await resolveConfig(command, flags)));
      const result = await refusing(() => verifiedAccount(client, address, now()));
      const { anyJson } = await import("./sdk-json.ts");
      printOutput(
        {
          address,
          found: result.any !== undefined,
          account: result.any === undefined ? null : anyJson(result.any.typeUrl, result.any.value),
          height: result.height,
          verified: true,
        },
        commandContext(command).output,
      );
    });
  registerModuleQueries(query);
  addTrustFlags(query.command("store").description("a verified raw store value"))
    .argument("<store>", "store name (acc, bank, …)")
    .argument("<key>", "key, hex")
    .option("--height <height>", "state height (default: latest provable)")
    .action(
      async (store: string, keyHex: string, flags: TrustFlags & { height?: string }, command: Command) => {
        if (!/^([0-9a-fA-F]{2})+$/.test(keyHex))
          throw new CliError("invalid_key", "key must be non-empty hex");
        const client = await refusing(async () => openClient(command, await resolveConfig(command, flags)));
        const height = parseHeightArgument(flags.height);
        const result = await refusing(() =>
          verifiedStoreGet(client, store, fromHex(keyHex), now(), height === undefined ? {} : { height }),
        );
        printOutput(
          {
            store,
            key: keyHex,
            value: result.value ?? null,
            exists: result.value !== undefined,
            height: result.height,
            verified: true,
          },
          commandContext(command).output,
        );
      },
    );

  addTrustFlags(
    light.command("serve").description("a local CometBFT RPC that answers only with verified data"),
  )
    .option("--laddr <address>", `listen address (default ${DEFAULT_LADDR})`, DEFAULT_LADDR)
    .action(async (flags: TrustFlags & { laddr: string }, command: Command) => {
      const config = await resolveConfig(command, flags);
      const client = await refusing(() => openClient(command, config));
      const listen = new URL(nodeUrl(flags.laddr));
      const proxy = await startLightProxy({
        client,
        host: listen.hostname,
        port: Number(listen.port || 8888),
        onRefusal: (method, error) =>
          process.stderr.write(`refused ${method}: ${error.code}: ${error.message}\n`),
      });
      process.stdout.write(
        `verifying proxy for ${config.chainId} on ${proxy.url} (primary ${config.primary})\n`,
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      await proxy.close();
    });
}

/** `light query device|escrow|token|commitment`: typed module records, proven. */
function registerModuleQueries(query: Command): void {
  const run =
    <A extends unknown[]>(
      ask: (client: LightClient, ...args: A) => Promise<{ value: unknown; height: bigint }>,
    ) =>
    async (...args: [...A, TrustFlags, Command]) => {
      const command = args[args.length - 1] as Command;
      const flags = args[args.length - 2] as TrustFlags;
      const client = await refusing(async () => openClient(command, await resolveConfig(command, flags)));
      const result = await refusing(() => ask(client, ...(args.slice(0, -2) as A)));
      printOutput(
        {
          found: result.value !== undefined,
          value: result.value ?? null,
          height: result.height,
          verified: true,
        },
        commandContext(command).output,
      );
    };
  const id = (text: string, what: string) => {
    if (!/^[1-9][0-9]{0,19}$/.test(text))
      throw new CliError(
        "invalid_argument",
        `${what} must be a positive integer, got ${JSON.stringify(text)}`,
      );
    return BigInt(text);
  };
  addTrustFlags(query.command("device").description("a verified device record"))
    .argument("<device-id>", "SSSS_NNNN")
    .action(run((client, deviceId: string) => verifiedDevice(client, deviceId, now())));
  addTrustFlags(query.command("escrow").description("a verified escrow"))
    .argument("<escrow-id>", "escrow id")
    .action(run((client, text: string) => verifiedEscrow(client, id(text, "escrow id"), now())));
  addTrustFlags(query.command("token").description("a verified identity token, by id or owner address"))
    .argument("<token-id|owner>", "token id or sensor1… owner")
    .action(
      run((client, text: string) =>
        /^[0-9]+$/.test(text)
          ? verifiedIdentityToken(client, id(text, "token id"), now())
          : verifiedIdentityTokenByOwner(client, text, now()),
      ),
    );
  addTrustFlags(query.command("commitment").description("a verified final meter commitment of a device-day"))
    .argument("<device-id>", "SSSS_NNNN")
    .argument("<day>", "YYYY-MM-DD (UTC) or day number")
    .action(
      run((client, deviceId: string, day: string) =>
        verifiedCommitment(client, deviceId, BigInt(parseDay(day)), now()),
      ),
    );
}
