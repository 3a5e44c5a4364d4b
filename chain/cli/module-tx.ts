// Shared by the module CLI files (device, escrow, identity, market, meter, poa): the standard tx
// flags, signing and broadcasting messages built for the signer's address as `tx bank send` does,
// gRPC-style queries through abci_query, and the registration of a module's `tx`/`query` verbs.
import type { EncodeObject } from "@cosmjs/proto-signing";
import type { DeliverTxResponse, StdFee } from "@cosmjs/stargate";
import type { Command } from "commander";
import type { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { DEVICE_ID_PATTERN } from "../../modules/device/keys.ts";
import { renameKeys } from "../../modules/genesis-json.ts";
import { toLong } from "../../proto/canonical.ts";
import { isValidAddress } from "../crypto/bech32.ts";
import { STANDARD_BASE64 } from "../crypto/hash.ts";
import { camelToSnake } from "../util/case.ts";
import { type CommandContext, commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { printOutput, toJsonValue } from "./output.ts";
import { confirm } from "./prompt.ts";
import { resolveNode, rpcCall, withNode } from "./rpc-client.ts";
import { BROADCAST_POLL_INTERVAL_MS, NODE_OPTION, planFee, type TxFlags } from "./tx.ts";

// The tx flags and --node are tx.ts's (`tx bank send` has them too); module files take them from here.
export { NODE_OPTION, type TxFlags, txOptions } from "./tx.ts";

/** Largest page a CLI query asks for (the node caps pages at 1,000 too). */
export const MAX_CLI_PAGE_LIMIT = 1000;
/** Largest uint64 (ids, powers, periods in seconds): protobuf encoding keeps the low 64 bits of a
 * larger value, so an unchecked 2^64 + 1 would be signed and sent as 1. */
export const MAX_UINT64 = 2n ** 64n - 1n;
/** Largest int64 (times in unix seconds): a larger one would be sent negative. */
export const MAX_INT64 = 2n ** 63n - 1n;
/** Largest uint32 (market purchase periods): protobufjs keeps the low 32 bits of a larger value. */
export const MAX_UINT32 = 2n ** 32n - 1n;

/** A device id argument, checked before anything is signed or sent. */
export function checkDeviceId(id: string): string {
  if (!DEVICE_ID_PATTERN.test(id))
    throw new CliError(
      "invalid_device_id",
      `device id ${JSON.stringify(id)} is not SSSS_NNNN (e.g. D035_0001)`,
    );
  return id;
}

/** The keyring entry `from` (a name or an address) or key_not_found. */
export function findKey(context: CommandContext, from: string) {
  const key = context.keyring().find(from);
  if (key === undefined)
    throw new CliError(
      "key_not_found",
      `no key ${JSON.stringify(from)} in the ${context.keyringBackend} keyring`,
    );
  return key;
}

/** Signs `build(signer address)` with key `from`, broadcasts it and prints the result. With
 * --broadcast-mode block (the default) it waits for the block and fails with tx_failed when the tx
 * was included with a non-zero code; sync prints the SDK's TxResponse after CheckTx, async the hash
 * at once; --dry-run prints the gas estimate (as the SDK: "gas estimate: N" on stderr) and sends
 * nothing. A tx the node refuses in CheckTx fails with tx_refused. Returns the node URL used. */
export async function broadcastMsgs(
  command: Command,
  from: string,
  flags: TxFlags,
  describe: string,
  build: (signer: string) => EncodeObject[],
): Promise<BroadcastResult> {
  const context = commandContext(command);
  if (flags.generateOnly) return generateUnsigned(context, from, flags, build);
  const plan = planFee(flags);
  const mode = parseBroadcastMode(flags.broadcastMode);
  const key = findKey(context, from);
  const messages = build(key.address);
  const url = resolveNode(flags.node, context);
  const expectedChainId =
    flags.chainId ?? (context.client.chainId === "" ? undefined : context.client.chainId);
  const wallet = await context.keyring().wallet(key.name);
  // Imported here, not at the top: they are most of a CLI process's start-up, and queries and
  // help never need them.
  const { calculateFee, GasPrice, SigningStargateClient } = await import("@cosmjs/stargate");
  const { createRegistry } = await import("../../client/index.ts");
  return withNode(url, async () => {
    const client = await SigningStargateClient.connectWithSigner(url, wallet, {
      registry: createRegistry(),
      broadcastPollIntervalMs: BROADCAST_POLL_INTERVAL_MS,
      ...(plan.kind === "simulate-price" ? { gasPrice: GasPrice.fromString(plan.gasPrice) } : {}),
    });
    try {
      const chainId = await client.getChainId();
      if (expectedChainId !== undefined && chainId !== expectedChainId)
        throw new CliError("wrong_chain", `the node at ${url} runs chain ${chainId}, not ${expectedChainId}`);
      const simulate = async (adjustment: number) =>
        Math.ceil((await client.simulate(key.address, messages, flags.memo)) * adjustment);
      if (flags.dryRun) {
        process.stderr.write(`gas estimate: ${await simulate(Number(flags.gasAdjustment))}\n`);
        return { url, height: 0, sent: false };
      }
      let fee: StdFee;
      if (plan.kind === "fixed") fee = plan.fee;
      else if (plan.kind === "simulate-price")
        // As cosmjs' signAndBroadcast with "auto": simulated gas × adjustment, fee = price × gas.
        fee = calculateFee(
          Math.round((await client.simulate(key.address, messages, flags.memo)) * plan.adjustment),
          GasPrice.fromString(plan.gasPrice),
        );
      else
        fee = {
          amount: plan.fees.map((coin) => ({ denom: coin.denom, amount: coin.amount.toString() })),
          gas: String(await simulate(plan.adjustment)),
        };
      if (!flags.yes) {
        const feeText = `${fee.amount.map((coin) => `${coin.amount}${coin.denom}`).join(",")} gas ${fee.gas}`;
        process.stderr.write(`${describe} as ${key.name} (${key.address}) on ${chainId}, fee ${feeText}\n`);
        if (!(await confirm("Sign and broadcast?")))
          throw new CliError("aborted", "aborted: nothing was broadcast");
      }
      if (mode !== "block") {
        await broadcastWithoutWaiting(
          url,
          mode,
          await client.sign(key.address, messages, fee, flags.memo),
          context,
        );
        return { url, height: 0, sent: true };
      }
      const result = await client.signAndBroadcast(key.address, messages, fee, flags.memo);
      printDelivered(result, context);
      return { url, height: result.height, sent: true };
    } catch (error) {
      throw refusedError(error);
    } finally {
      client.disconnect();
    }
  });
}

/** What a signing verb did: `sent` is false for --dry-run and --generate-only (nothing broadcast). */
export interface BroadcastResult {
  url: string;
  height: number;
  sent: boolean;
}

/** --generate-only: the unsigned tx as the SDK prints it, for `tx sign`; `from` may be an address
 * not in the keyring. Nothing is signed or sent and no node is asked. */
async function generateUnsigned(
  context: CommandContext,
  from: string,
  flags: TxFlags,
  build: (signer: string) => EncodeObject[],
): Promise<BroadcastResult> {
  if (flags.dryRun) throw new CliError("invalid_flag", "give --generate-only or --dry-run, not both");
  if (flags.gas === "auto")
    throw new CliError(
      "invalid_flag",
      "--gas auto simulates the signed tx on a node; give --gas <limit> with --generate-only",
    );
  const plan = planFee(flags, true);
  if (plan.kind !== "fixed") throw new Error("planFee gives a fixed fee unless --gas is auto");
  const signer = isValidAddress(from) ? from : findKey(context, from).address;
  const { createRegistry } = await import("../../client/index.ts");
  const { Tx } = await import("cosmjs-types/cosmos/tx/v1beta1/tx");
  const { txJson } = await import("./tx-file.ts");
  const registry = createRegistry();
  const tx = Tx.fromPartial({
    body: { messages: build(signer).map((message) => registry.encodeAsAny(message)), memo: flags.memo },
    authInfo: { fee: { amount: [...plan.fee.amount], gasLimit: BigInt(plan.fee.gas) } },
  });
  // JSON whatever --output says: it is a file for `tx sign`, as the SDK prints it.
  process.stdout.write(`${JSON.stringify(txJson(tx))}\n`);
  return { url: "", height: 0, sent: false };
}

/** A committed tx's result as this CLI prints it; tx_failed when it failed in its block. */
export function printDelivered(result: DeliverTxResponse, context: CommandContext): void {
  printOutput(
    {
      height: String(result.height),
      txhash: result.transactionHash,
      code: result.code,
      raw_log: result.rawLog ?? "",
      gas_wanted: result.gasWanted,
      gas_used: result.gasUsed,
      events: toJsonValue(result.events),
    },
    context.output,
  );
  if (result.code !== 0)
    throw new CliError(
      "tx_failed",
      `tx ${result.transactionHash} failed with code ${result.code}: ${result.rawLog ?? ""}`,
    );
}

/** cosmjs' error for a tx refused by CheckTx (e.g. a soulbound transfer, a bad signature), which
 * never reaches a block, as tx_refused; any other error as it is. */
export function refusedError(error: unknown): unknown {
  const refused = error as { code?: unknown; codespace?: unknown; log?: unknown };
  if (typeof refused.code === "number" && typeof refused.codespace === "string")
    return new CliError(
      "tx_refused",
      `the node refused the tx: ${String(refused.log ?? "")} (code ${refused.code}, ${refused.codespace})`,
    );
  return error;
}

/** --broadcast-mode: the SDK's sync and async, and block (wait for the block: this CLI's default). */
export type BroadcastMode = "block" | "sync" | "async";

export function parseBroadcastMode(text: string): BroadcastMode {
  if (text !== "block" && text !== "sync" && text !== "async")
    throw new CliError(
      "invalid_flag",
      `--broadcast-mode must be sync, async or block, got ${JSON.stringify(text)}`,
    );
  return text;
}

/** broadcast_tx_sync / _async of a signed tx, printed as the SDK prints a TxResponse not yet in a
 * block (height "0"); a CheckTx refusal (sync) is printed, then tx_refused. */
export async function broadcastWithoutWaiting(
  url: string,
  mode: "sync" | "async",
  signed: TxRaw,
  context: CommandContext,
): Promise<void> {
  const { TxRaw: TxRawType } = await import("cosmjs-types/cosmos/tx/v1beta1/tx");
  const tx = Buffer.from(TxRawType.encode(signed).finish()).toString("base64");
  const answer = (await rpcCall(url, `broadcast_tx_${mode}`, { tx })) as {
    code?: number | string;
    codespace?: string;
    data?: string;
    log?: string;
    hash: string;
  };
  const code = Number(answer.code ?? 0);
  const { txResponseJson } = await import("./sdk-json.ts");
  const { TxResponse } = await import("cosmjs-types/cosmos/base/abci/v1beta1/abci");
  const response = TxResponse.fromPartial({
    txhash: answer.hash,
    code,
    codespace: answer.codespace ?? "",
    data: Buffer.from(answer.data ?? "", "base64")
      .toString("hex")
      .toUpperCase(),
    rawLog: answer.log ?? "",
  });
  printOutput(txResponseJson(response), context.output);
  if (code !== 0)
    throw new CliError(
      "tx_refused",
      `the node refused the tx: ${answer.log ?? ""} (code ${code}, ${answer.codespace ?? ""})`,
    );
}

/** Runs one gRPC-style query through abci_query and returns the response bytes. */
export async function abciQueryBytes(
  command: Command,
  node: string | undefined,
  path: string,
  request: Uint8Array,
) {
  const context = commandContext(command);
  const url = resolveNode(node, context);
  const result = (await rpcCall(url, "abci_query", { path, data: Buffer.from(request).toString("hex") })) as {
    response: { code?: number | string; log?: string; value?: string | null; codespace?: string };
  };
  const code = Number(result.response.code ?? 0);
  if (code !== 0)
    throw new CliError(
      "query_failed",
      `${result.response.log ?? "query failed"} (code ${code}, ${result.response.codespace ?? ""})`,
    );
  return { context, url, bytes: Uint8Array.from(Buffer.from(result.response.value ?? "", "base64")) };
}

/** A generated response type: decodes the query's bytes and turns them into proto3 JSON. */
export interface QueryResponseType {
  decode(bytes: Uint8Array): unknown;
  toObject(message: never, options: object): object;
}

/** Runs one gRPC-style query through abci_query and prints its response as SDK JSON. */
export async function printQuery(
  command: Command,
  node: string | undefined,
  path: string,
  request: Uint8Array,
  type: QueryResponseType,
): Promise<void> {
  const { context, bytes } = await abciQueryBytes(command, node, path, request);
  printOutput(asJson(type, type.decode(bytes)), context.output);
}

/** A query verb's action: `request` is built when the verb runs, so a bad argument is the
 * verb's error (printed and exit code set) like any other. */
export function queryAction(path: string, type: QueryResponseType, request: () => Uint8Array) {
  return async (flags: { node?: string }, command: Command): Promise<void> =>
    printQuery(command, flags.node, path, request(), type);
}

/** Adds a module's verbs under the `tx` and `query` commands, which must be registered first. */
export function addModuleVerbs(
  program: Command,
  module: string,
  verbs: { tx: (tx: Command) => void; query: (query: Command) => void },
): void {
  const tx = program.commands.find((command) => command.name() === "tx");
  const query = program.commands.find((command) => command.name() === "query");
  if (tx === undefined || query === undefined)
    throw new Error(`the ${module} verbs need the tx and query commands first`);
  verbs.tx(tx);
  verbs.query(query);
}

/** A response message as proto3 JSON with snake_case names (as genesis and the SDK CLI show it). */
export function asJson(
  type: { toObject(message: never, options: object): object },
  message: unknown,
): unknown {
  return renameKeys(
    type.toObject(message as never, { longs: String, enums: String, bytes: String, defaults: true }),
    camelToSnake,
  );
}

export interface PageFlags {
  limit?: string;
  pageKey?: string;
  countTotal: boolean;
  node?: string;
}

export function pageOptions(command: Command, what: string): Command {
  return command
    .option("--limit <n>", `${what} per page (default 100)`)
    .option("--page-key <base64>", "next_key of the previous page")
    .option("--count-total", `also count all ${what}`, false)
    .option(...NODE_OPTION);
}

export function pagination(flags: PageFlags): {
  limit?: ReturnType<typeof toLong>;
  key?: Uint8Array;
  countTotal: boolean;
} {
  const page: { limit?: ReturnType<typeof toLong>; key?: Uint8Array; countTotal: boolean } = {
    countTotal: flags.countTotal,
  };
  if (flags.limit !== undefined) {
    if (!/^[1-9][0-9]*$/.test(flags.limit) || Number(flags.limit) > MAX_CLI_PAGE_LIMIT)
      throw new CliError(
        "invalid_flag",
        `--limit must be 1 to ${MAX_CLI_PAGE_LIMIT}, got ${JSON.stringify(flags.limit)}`,
      );
    page.limit = toLong(BigInt(flags.limit));
  }
  if (flags.pageKey !== undefined) {
    if (!STANDARD_BASE64.test(flags.pageKey))
      throw new CliError(
        "invalid_flag",
        `--page-key must be the base64 next_key of a page, got ${JSON.stringify(flags.pageKey)}`,
      );
    page.key = Uint8Array.from(Buffer.from(flags.pageKey, "base64"));
  }
  return page;
}

/** A paged query verb under `parent`: its `argument` (none for a whole list) and the page flags
 * become the request through `encode`; the response is printed as SDK JSON. */
export function pagedQuery(
  parent: Command,
  verb: { name: string; description: string; argument?: string | undefined; what: string },
  path: string,
  encode: (argument: string, page: ReturnType<typeof pagination>) => Uint8Array,
  type: QueryResponseType,
): void {
  const command = parent.command(verb.name).description(verb.description);
  if (verb.argument !== undefined) command.argument(verb.argument);
  pageOptions(command, verb.what).action(async (...input: unknown[]) => {
    // commander passes the argument (if any), the flags, then the command.
    const flags = input.at(-2) as PageFlags;
    const argument = verb.argument === undefined ? "" : (input[0] as string);
    await printQuery(input.at(-1) as Command, flags.node, path, encode(argument, pagination(flags)), type);
  });
}
