// `sensorchain tx escrow open|top-up|release|close|refund|withdraw` and
// `sensorchain query escrow show|by-consumer|by-device|earnings|params`: the escrow module through
// cosmjs with the project's client registry (module-tx.ts: fees, confirmation, broadcast).
import type { Command } from "commander";
import {
  EscrowMode,
  MSG_CLOSE_ESCROW,
  MSG_OPEN_ESCROW,
  MSG_REFUND_ESCROW,
  MSG_RELEASE_ESCROW,
  MSG_TOP_UP_ESCROW,
  MSG_WITHDRAW_EARNINGS,
  escrow as pb,
  QUERY_ACTIVE_COMMANDS,
  QUERY_EARNINGS,
  QUERY_ESCROW,
  QUERY_ESCROW_PARAMS,
  QUERY_ESCROWS_BY_CONSUMER,
  QUERY_ESCROWS_BY_DEVICE,
} from "../../client/escrow.ts";
import { MAX_COMMAND_DURATION_SECONDS, MAX_COMMAND_PAYLOAD_BYTES } from "../../modules/escrow/keys.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { parseCoins } from "../types/coin.ts";
import { CliError } from "./errors.ts";
import {
  addModuleVerbs,
  broadcastMsgs,
  checkDeviceId,
  MAX_UINT64,
  NODE_OPTION,
  pagedQuery,
  queryAction,
  type TxFlags,
  txOptions,
} from "./module-tx.ts";
import { checkAddress } from "./query.ts";

function escrowId(text: string): bigint {
  if (!/^[1-9][0-9]{0,19}$/.test(text) || BigInt(text) > MAX_UINT64)
    throw new CliError(
      "invalid_argument",
      `escrow id ${JSON.stringify(text)} is not a positive integer of at most ${MAX_UINT64}`,
    );
  return BigInt(text);
}

/** One coin, e.g. "1000usensor". */
function oneCoin(text: string, field: string): { denom: string; amount: string } {
  let coins: ReturnType<typeof parseCoins>;
  try {
    coins = parseCoins(text, field);
  } catch (error) {
    throw new CliError("invalid_coins", (error as Error).message);
  }
  if (coins.length !== 1)
    throw new CliError("invalid_coins", `${field}: give exactly one coin, e.g. 1000usensor`);
  return { denom: coins[0]!.denom, amount: coins[0]!.amount.toString() };
}

/** --expiry: Unix seconds, or +<n>(s|m|h|d) from now (the node compares it with block time). */
export function parseExpiry(text: string, nowSeconds = BigInt(Math.floor(Date.now() / 1000))): bigint {
  const relative = /^\+([1-9][0-9]*)([smhd])$/.exec(text);
  if (relative !== null) {
    const unit = { s: 1n, m: 60n, h: 3_600n, d: 86_400n }[relative[2] as "s" | "m" | "h" | "d"];
    return nowSeconds + BigInt(relative[1]!) * unit;
  }
  if (/^[1-9][0-9]{0,11}$/.test(text)) return BigInt(text);
  throw new CliError(
    "invalid_flag",
    `--expiry must be Unix seconds or +<n>s|m|h|d, got ${JSON.stringify(text)}`,
  );
}

/** --command-payload: `hex:<hex>`, `base64:<base64>`, or UTF-8 text (e.g. `on`, `{"lux":800}`). */
export function parseCommandPayload(text: string): Uint8Array {
  let bytes: Uint8Array;
  if (text.startsWith("hex:")) {
    const hex = text.slice(4);
    if (!/^([0-9a-fA-F]{2})+$/.test(hex))
      throw new CliError("invalid_flag", "--command-payload hex:<…> needs an even number of hex digits");
    bytes = Uint8Array.from(Buffer.from(hex, "hex"));
  } else if (text.startsWith("base64:")) {
    const base64 = text.slice(7);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64) || base64.length % 4 !== 0)
      throw new CliError("invalid_flag", "--command-payload base64:<…> is not standard base64");
    bytes = Uint8Array.from(Buffer.from(base64, "base64"));
  } else bytes = new TextEncoder().encode(text);
  if (bytes.length === 0 || bytes.length > MAX_COMMAND_PAYLOAD_BYTES)
    throw new CliError(
      "invalid_flag",
      `--command-payload must be 1-${MAX_COMMAND_PAYLOAD_BYTES} bytes, got ${bytes.length}`,
    );
  return bytes;
}

/** --command-duration: seconds, or <n>(s|m|h|d). */
export function parseCommandDuration(text: string): bigint {
  const match = /^([1-9][0-9]{0,9})([smhd]?)$/.exec(text);
  if (match === null)
    throw new CliError(
      "invalid_flag",
      `--command-duration must be seconds or <n>s|m|h|d, got ${JSON.stringify(text)}`,
    );
  const unit = { "": 1n, s: 1n, m: 60n, h: 3_600n, d: 86_400n }[match[2] as "" | "s" | "m" | "h" | "d"];
  const seconds = BigInt(match[1]!) * unit;
  if (seconds > MAX_COMMAND_DURATION_SECONDS)
    throw new CliError("invalid_flag", `--command-duration is above ${MAX_COMMAND_DURATION_SECONDS} seconds`);
  return seconds;
}

interface OpenFlags extends TxFlags {
  deposit: string;
  expiry: string;
  authority?: string;
  mode: string;
  price?: string;
  period: string;
  commandPayload?: string;
  commandDuration?: string;
}

function registerEscrowTx(tx: Command): void {
  const escrow = tx.command("escrow").description("escrow module transactions");
  txOptions(
    escrow
      .command("open")
      .description("deposit for a shared device, naming a release authority (the consumer's service key)")
      .argument("<from>", "consumer key name (or its address)")
      .argument("<device-id>", "device id, e.g. D035_0001")
      .requiredOption("--deposit <coin>", "deposit, e.g. 100000usensor")
      .requiredOption("--expiry <time>", "Unix seconds, or +30d / +12h / … from now")
      .option("--authority <address>", "release authority (default: the consumer)")
      .option("--mode <mode>", "manual or per-reading", "manual")
      .option("--price <coin>", "price per reading (per-reading) or per period (manual)")
      .option("--period <seconds>", "billing period of a manual escrow, informative", "0")
      .option(
        "--command-payload <payload>",
        "paid command for the device (manual mode; --price pays it at open): text, hex:<…> or base64:<…>",
      )
      .option("--command-duration <duration>", "how long the paid command runs: seconds or <n>s|m|h|d"),
  ).action(async (from: string, deviceId: string, flags: OpenFlags, command: Command) => {
    checkDeviceId(deviceId);
    const modes: Record<string, number> = {
      manual: EscrowMode.ESCROW_MODE_MANUAL,
      "per-reading": EscrowMode.ESCROW_MODE_PER_READING,
    };
    const mode = modes[flags.mode];
    if (mode === undefined)
      throw new CliError(
        "invalid_flag",
        `--mode must be manual or per-reading, got ${JSON.stringify(flags.mode)}`,
      );
    const deposit = oneCoin(flags.deposit, "--deposit");
    const price =
      flags.price === undefined ? { denom: deposit.denom, amount: "0" } : oneCoin(flags.price, "--price");
    if (!/^[0-9]{1,12}$/.test(flags.period)) throw new CliError("invalid_flag", "--period must be seconds");
    if (flags.authority !== undefined) checkAddress(flags.authority, "--authority");
    const expiryTime = parseExpiry(flags.expiry);
    if ((flags.commandPayload === undefined) !== (flags.commandDuration === undefined))
      throw new CliError("invalid_flag", "--command-payload and --command-duration go together");
    const commandTerms =
      flags.commandPayload === undefined || flags.commandDuration === undefined
        ? undefined
        : {
            payload: parseCommandPayload(flags.commandPayload),
            durationSeconds: parseCommandDuration(flags.commandDuration),
          };
    await broadcastMsgs(
      command,
      from,
      flags,
      `open an escrow of ${flags.deposit} for ${deviceId}`,
      (consumer) => [
        {
          typeUrl: MSG_OPEN_ESCROW,
          value: {
            consumer,
            deviceId,
            releaseAuthority: flags.authority ?? consumer,
            mode,
            deposit,
            price,
            periodSeconds: BigInt(flags.period),
            expiryTime,
            ...(commandTerms === undefined ? {} : { command: commandTerms }),
          },
        },
      ],
    );
  });
  txOptions(
    escrow
      .command("top-up")
      .description("add to an open escrow; --expiry extends it")
      .argument("<from>", "consumer key")
      .argument("<escrow-id>", "escrow id")
      .argument("<amount>", "coin, e.g. 5000usensor")
      .option("--expiry <time>", "new expiry: Unix seconds or +<n>s|m|h|d"),
  ).action(
    async (
      from: string,
      id: string,
      amount: string,
      flags: TxFlags & { expiry?: string },
      command: Command,
    ) => {
      const value = {
        escrowId: escrowId(id),
        amount: oneCoin(amount, "amount"),
        expiryTime: flags.expiry === undefined ? 0n : parseExpiry(flags.expiry),
      };
      await broadcastMsgs(command, from, flags, `top up escrow ${id} with ${amount}`, (consumer) => [
        { typeUrl: MSG_TOP_UP_ESCROW, value: { consumer, ...value } },
      ]);
    },
  );
  txOptions(
    escrow
      .command("release")
      .description("release funds to the device owner (80%), gateway operator and platform pool")
      .argument("<from>", "the consumer's or the release authority's key")
      .argument("<escrow-id>", "escrow id")
      .argument("<amount>", "coin, e.g. 1000usensor"),
  ).action(async (from: string, id: string, amount: string, flags: TxFlags, command: Command) => {
    const value = { escrowId: escrowId(id), amount: oneCoin(amount, "amount") };
    await broadcastMsgs(command, from, flags, `release ${amount} from escrow ${id}`, (signer) => [
      { typeUrl: MSG_RELEASE_ESCROW, value: { signer, ...value } },
    ]);
  });
  for (const [name, typeUrl, what] of [
    ["close", MSG_CLOSE_ESCROW, "close escrow (no more releases; refund the rest afterwards)"],
    ["refund", MSG_REFUND_ESCROW, "refund the rest of a closed or expired escrow to the consumer"],
  ] as const)
    txOptions(
      escrow
        .command(name)
        .description(what)
        .argument("<from>", "consumer key")
        .argument("<escrow-id>", "escrow id"),
    ).action(async (from: string, id: string, flags: TxFlags, command: Command) => {
      const value = { escrowId: escrowId(id) };
      await broadcastMsgs(command, from, flags, `${name} escrow ${id}`, (consumer) => [
        { typeUrl, value: { consumer, ...value } },
      ]);
    });
  txOptions(
    escrow
      .command("withdraw")
      .description("collect everything released to the signer (device owner or gateway operator)")
      .argument("<from>", "key name"),
  ).action(async (from: string, flags: TxFlags, command: Command) => {
    await broadcastMsgs(command, from, flags, "withdraw escrow earnings", (owner) => [
      { typeUrl: MSG_WITHDRAW_EARNINGS, value: { owner } },
    ]);
  });
}

function registerEscrowQuery(query: Command): void {
  const escrow = query.command("escrow").description("escrow module queries");
  escrow
    .command("show")
    .description("one escrow by id")
    .argument("<escrow-id>", "escrow id")
    .option(...NODE_OPTION)
    .action((id: string, flags: { node?: string }, command: Command) =>
      queryAction(QUERY_ESCROW, pb.QueryEscrowResponse, () =>
        encodeCanonical(pb.QueryEscrowRequest, { escrowId: toLong(escrowId(id)) }),
      )(flags, command),
    );
  pagedQuery(
    escrow,
    {
      name: "by-consumer",
      description: "escrows of a consumer, by id",
      argument: "<address>",
      what: "escrows",
    },
    QUERY_ESCROWS_BY_CONSUMER,
    (address, page) =>
      encodeCanonical(pb.QueryEscrowsByConsumerRequest, {
        consumer: checkAddress(address, "address"),
        pagination: page,
      }),
    pb.QueryEscrowsByConsumerResponse,
  );
  pagedQuery(
    escrow,
    {
      name: "by-device",
      description: "escrows of a device, by id",
      argument: "<device-id>",
      what: "escrows",
    },
    QUERY_ESCROWS_BY_DEVICE,
    (deviceId, page) =>
      encodeCanonical(pb.QueryEscrowsByDeviceRequest, {
        deviceId: checkDeviceId(deviceId),
        pagination: page,
      }),
    pb.QueryEscrowsByDeviceResponse,
  );
  escrow
    .command("earnings")
    .description("released amounts an address has not withdrawn yet")
    .argument("<address>", "device owner or gateway operator")
    .option(...NODE_OPTION)
    .action((address: string, flags: { node?: string }, command: Command) =>
      queryAction(QUERY_EARNINGS, pb.QueryEarningsResponse, () =>
        encodeCanonical(pb.QueryEarningsRequest, { address: checkAddress(address, "address") }),
      )(flags, command),
    );
  escrow
    .command("active-commands")
    .description("escrows whose paid command window ends after a time (what the bridges still send)")
    .option("--ends-after <unix-seconds>", "Unix seconds (default: now)")
    .option(...NODE_OPTION)
    .action((flags: { node?: string; endsAfter?: string }, command: Command) => {
      const endsAfter = flags.endsAfter ?? String(Math.floor(Date.now() / 1000));
      if (!/^[0-9]{1,12}$/.test(endsAfter))
        throw new CliError("invalid_flag", "--ends-after must be Unix seconds");
      return queryAction(QUERY_ACTIVE_COMMANDS, pb.QueryActiveCommandsResponse, () =>
        encodeCanonical(pb.QueryActiveCommandsRequest, { endsAfter: toLong(BigInt(endsAfter)) }),
      )(flags, command);
    });
  escrow
    .command("params")
    .description("release split (basis points), authority and platform pool address")
    .option(...NODE_OPTION)
    .action((flags: { node?: string }, command: Command) =>
      queryAction(QUERY_ESCROW_PARAMS, pb.QueryParamsResponse, () => new Uint8Array(0))(flags, command),
    );
}

/** Adds the escrow verbs under the existing `tx` and `query` commands (call after registerTx/Query). */
export function registerEscrow(program: Command): void {
  addModuleVerbs(program, "escrow", { tx: registerEscrowTx, query: registerEscrowQuery });
}
