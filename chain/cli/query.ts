// `sensorchain query bank balances | block | tx` and `sensorchain status`, through cosmjs.
import type { StargateClient } from "@cosmjs/stargate";
import type { CometClient } from "@cosmjs/tendermint-rpc";
import type { Command } from "commander";
import { isValidAddress } from "../crypto/bech32.ts";
import { validateDenom } from "../types/coin.ts";
import { commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { printOutput } from "./output.ts";
import { resolveNode, rpcCall, withNode } from "./rpc-client.ts";

const NODE_OPTION = [
  "--node <url>",
  "node RPC endpoint: tcp://host:port or http(s)://… (default from client.toml / config.toml)",
] as const;

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
    .argument("[height]", "block height")
    .option(...NODE_OPTION)
    .action(async (heightText: string | undefined, options: { node?: string }, command: Command) => {
      const context = commandContext(command);
      const params = heightText === undefined ? {} : { height: String(parseHeight(heightText)) };
      const url = resolveNode(options.node, context);
      printOutput(await rpcCall(url, "block", params), context.output);
    });

  query
    .command("tx")
    .description("a committed transaction by hash, as the Cosmos SDK's TxResponse (proto3 JSON)")
    .argument("<hash>", "tx hash, 64 hex characters")
    .option(...NODE_OPTION)
    .action(async (hash: string, options: { node?: string }, command: Command) => {
      const context = commandContext(command);
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

  program
    .command("status")
    .description("the node's status (CometBFT status RPC)")
    .option(...NODE_OPTION)
    .action(async (options: { node?: string }, command: Command) => {
      const context = commandContext(command);
      printOutput(await rpcCall(resolveNode(options.node, context), "status", {}), context.output);
    });
}
