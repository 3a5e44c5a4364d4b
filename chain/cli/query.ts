// `sensorchain query bank balances|total-supply | auth account | block | tx | txs` and
// `sensorchain status`, through cosmjs and abci_query, printed as the SDK's CLI prints them.
import type { StargateClient } from "@cosmjs/stargate";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import type { Command } from "commander";
import { isValidAddress } from "../crypto/bech32.ts";
import { validateDenom } from "../types/coin.ts";
import { commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { printOutput } from "./output.ts";
import { NODE_OPTION, resolveNode, rpcCall, withNode } from "./rpc-client.ts";

export function checkAddress(address: string, what: string): string {
  if (!isValidAddress(address))
    throw new CliError(
      "invalid_address",
      `${what} ${JSON.stringify(address)} is not a valid sensor1… address`,
    );
  return address;
}

function parseHeight(text: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new CliError("invalid_height", `height must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

async function withComet<T>(url: string, action: (comet: CometClient) => Promise<T>): Promise<T> {
  // cosmjs loads lazily: keys and genesis commands should not pay for it at startup.
  const { connectComet } = await import("@cosmjs/tendermint-rpc");
  return withNode(url, async () => {
    const comet = await connectComet(url);
    try {
      return await action(comet);
    } finally {
      comet.disconnect();
    }
  });
}

/** A value inside a query's single quotes: a quote in it would end the string early. */
function eventValue(text: string): string {
  if (text.includes("'"))
    throw new CliError("invalid_argument", `${JSON.stringify(text)} may not hold a quote`);
  return text;
}

/** The SDK's GetTxsEvent (CometBFT query language) through abci_query: a page of TxResponses. */
async function searchTxs(
  command: Command,
  node: string | undefined,
  query: string,
  page: number,
  limit: number,
) {
  const { GetTxsEventRequest, GetTxsEventResponse, OrderBy } = await import(
    "cosmjs-types/cosmos/tx/v1beta1/service"
  );
  const { abciQueryBytes } = await import("./module-tx.ts");
  const request = GetTxsEventRequest.encode(
    GetTxsEventRequest.fromPartial({
      query,
      page: BigInt(page),
      limit: BigInt(limit),
      orderBy: OrderBy.ORDER_BY_ASC,
    }),
  ).finish();
  const { bytes } = await abciQueryBytes(command, node, "/cosmos.tx.v1beta1.Service/GetTxsEvent", request);
  return GetTxsEventResponse.decode(bytes);
}

/** A gRPC query answered with a cosmjs-types response, printed as the SDK prints it. */
async function printSdkQuery<T>(
  command: Command,
  node: string | undefined,
  path: string,
  request: Uint8Array,
  type: { decode(bytes: Uint8Array): T; toJSON(message: T): unknown },
): Promise<void> {
  const { abciQueryBytes } = await import("./module-tx.ts");
  const { messageJson } = await import("./sdk-json.ts");
  const { context, bytes } = await abciQueryBytes(command, node, path, request);
  printOutput(messageJson(type, type.decode(bytes)), context.output);
}

/** A positive whole number flag up to `max`. */
function positiveFlag(text: string, flag: string, max: number): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > max)
    throw new CliError("invalid_flag", `${flag} must be 1 to ${max}, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Largest page `query txs` asks for: the node's GetTxsEvent refuses more (the SDK's maximum). */
const MAX_TXS_PAGE_LIMIT = 100;

async function withStargate<T>(url: string, action: (client: StargateClient) => Promise<T>): Promise<T> {
  const { StargateClient } = await import("@cosmjs/stargate");
  return withComet(url, (comet) => action(StargateClient.create(comet)));
}

export function registerQuery(program: Command): void {
  const query = program.command("query").alias("q").description("query the chain through a node's RPC");
  const bank = query.command("bank").description("bank module queries");

  bank
    .command("balances")
    .description("all balances of an address (or, with --denom, that one coin)")
    .argument("<address>", "sensor1… address")
    .option("--denom <denom>", "only this denom")
    .option(...NODE_OPTION)
    .action(async (address: string, options: { denom?: string; node?: string }, command: Command) => {
      const context = commandContext(command);
      checkAddress(address, "address");
      if (options.denom !== undefined) validateDenom(options.denom, "--denom");
      const url = resolveNode(options.node, context);
      const denom = options.denom;
      if (denom !== undefined) {
        // As the SDK's `query bank balances --denom`: the one coin (amount "0" when none), not a list.
        printOutput(await withStargate(url, (client) => client.getBalance(address, denom)), context.output);
        return;
      }
      const balances = await withStargate(url, async (client) => [...(await client.getAllBalances(address))]);
      printOutput(
        { balances, pagination: { next_key: null, total: String(balances.length) } },
        context.output,
      );
    });

  query
    .command("block")
    .description("a block (the latest without a height), as CometBFT's block RPC returns it")
    .argument("[height]", "block height (with --type hash: the block hash)")
    .option("--type <type>", "what the argument is, as the SDK's query block: height or hash", "height")
    .option(...NODE_OPTION)
    .action(
      async (argument: string | undefined, options: { type: string; node?: string }, command: Command) => {
        const context = commandContext(command);
        const url = resolveNode(options.node, context);
        if (options.type === "hash") {
          if (argument === undefined || !/^[0-9a-fA-F]{64}$/.test(argument))
            throw new CliError(
              "invalid_hash",
              `block hash must be 64 hex characters, got ${JSON.stringify(argument)}`,
            );
          printOutput(await rpcCall(url, "block_by_hash", { hash: `0x${argument}` }), context.output);
          return;
        }
        if (options.type !== "height")
          throw new CliError(
            "invalid_flag",
            `--type must be height or hash, got ${JSON.stringify(options.type)}`,
          );
        const params = argument === undefined ? {} : { height: String(parseHeight(argument)) };
        printOutput(await rpcCall(url, "block", params), context.output);
      },
    );

  query
    .command("tx")
    .description("a committed transaction by hash, as the Cosmos SDK's TxResponse (proto3 JSON)")
    .argument(
      "<hash>",
      "tx hash, 64 hex characters (with --type acc_seq: address/sequence; signature: base64)",
    )
    .option(
      "--type <type>",
      "what the argument is, as the SDK's query tx: hash, acc_seq or signature",
      "hash",
    )
    .option(...NODE_OPTION)
    .action(async (hash: string, options: { type: string; node?: string }, command: Command) => {
      const context = commandContext(command);
      if (options.type === "acc_seq" || options.type === "signature") {
        const found = await searchTxs(
          command,
          options.node,
          `tx.${options.type}='${eventValue(hash)}'`,
          1,
          2,
        );
        if (found.txResponses.length !== 1)
          throw new CliError(
            "tx_not_found",
            `${found.txResponses.length === 0 ? "no tx" : "more than one tx"} with ${options.type} ${hash}`,
          );
        const { txResponseJson } = await import("./sdk-json.ts");
        printOutput(txResponseJson(found.txResponses[0]!), context.output);
        return;
      }
      if (options.type !== "hash")
        throw new CliError(
          "invalid_flag",
          `--type must be hash, acc_seq or signature, got ${JSON.stringify(options.type)}`,
        );
      if (!/^[0-9a-fA-F]{64}$/.test(hash))
        throw new CliError("invalid_hash", `tx hash must be 64 hex characters, got ${JSON.stringify(hash)}`);
      const url = resolveNode(options.node, context);
      const txhash = hash.toUpperCase();
      const response = await withComet(url, async (comet) => {
        const { QueryClient, StargateClient, setupTxExtension } = await import("@cosmjs/stargate");
        // CometBFT's tx search answers "none" for an unknown hash; GetTx then gives the SDK's TxResponse.
        if ((await StargateClient.create(comet).getTx(txhash)) === null) return undefined;
        return (await QueryClient.withExtensions(comet, setupTxExtension).tx.getTx(txhash)).txResponse;
      });
      if (response === undefined) throw new CliError("tx_not_found", `tx ${txhash} not found`);
      const { txResponseJson } = await import("./sdk-json.ts");
      printOutput(txResponseJson(response), context.output);
    });

  bank
    .command("total-supply")
    .alias("total")
    .description("the total supply of every denom (or, with --denom, of that one)")
    .option("--denom <denom>", "only this denom")
    .option(...NODE_OPTION)
    .action(async (options: { denom?: string; node?: string }, command: Command) => {
      const bank = await import("cosmjs-types/cosmos/bank/v1beta1/query");
      if (options.denom === undefined) {
        const request = bank.QueryTotalSupplyRequest.encode({}).finish();
        await printSdkQuery(
          command,
          options.node,
          "/cosmos.bank.v1beta1.Query/TotalSupply",
          request,
          bank.QueryTotalSupplyResponse,
        );
        return;
      }
      validateDenom(options.denom, "--denom");
      // As the SDK's `query bank total --denom`: the one coin, not a list.
      const { abciQueryBytes } = await import("./module-tx.ts");
      const request = bank.QuerySupplyOfRequest.encode({ denom: options.denom }).finish();
      const { context, bytes } = await abciQueryBytes(
        command,
        options.node,
        "/cosmos.bank.v1beta1.Query/SupplyOf",
        request,
      );
      printOutput(bank.QuerySupplyOfResponse.decode(bytes).amount, context.output);
    });

  query
    .command("auth")
    .description("auth module queries")
    .command("account")
    .description("an account: its type, address, public key, account number and sequence")
    .argument("<address>", "sensor1… address")
    .option(...NODE_OPTION)
    .action(async (address: string, options: { node?: string }, command: Command) => {
      checkAddress(address, "address");
      const auth = await import("cosmjs-types/cosmos/auth/v1beta1/query");
      const request = auth.QueryAccountRequest.encode({ address }).finish();
      await printSdkQuery(
        command,
        options.node,
        "/cosmos.auth.v1beta1.Query/Account",
        request,
        auth.QueryAccountResponse,
      );
    });

  query
    .command("txs")
    .description(
      "committed txs matching events, as the SDK's SearchTxsResult (e.g. \"message.sender='sensor1…'\")",
    )
    .requiredOption("--query <query>", "CometBFT query: key='value' conditions joined by AND")
    .option("--page <n>", "page number", "1")
    .option("--limit <n>", `txs per page (at most ${MAX_TXS_PAGE_LIMIT})`, String(MAX_TXS_PAGE_LIMIT))
    .option(...NODE_OPTION)
    .action(
      async (options: { query: string; page: string; limit: string; node?: string }, command: Command) => {
        const context = commandContext(command);
        const page = positiveFlag(options.page, "--page", 1_000_000);
        const limit = positiveFlag(options.limit, "--limit", MAX_TXS_PAGE_LIMIT);
        const found = await searchTxs(command, options.node, options.query, page, limit);
        const { txResponseJson } = await import("./sdk-json.ts");
        const total = Number(found.total);
        printOutput(
          {
            total_count: String(total),
            count: String(found.txResponses.length),
            page_number: String(page),
            page_total: String(Math.ceil(total / limit)),
            limit: String(limit),
            txs: found.txResponses.map(txResponseJson),
          },
          context.output,
        );
      },
    );

  program
    .command("status")
    .description("the node's status (CometBFT status RPC)")
    .option(...NODE_OPTION)
    .action(async (options: { node?: string }, command: Command) => {
      const context = commandContext(command);
      printOutput(await rpcCall(resolveNode(options.node, context), "status", {}), context.output);
    });
}
