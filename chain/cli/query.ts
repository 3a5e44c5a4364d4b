// `sensorchain query bank balances | block | tx` and `sensorchain status`, through cosmjs.
import type { StargateClient } from "@cosmjs/stargate";
import type { Command } from "commander";
import { isValidAddress } from "../crypto/bech32.ts";
import { validateDenom } from "../types/coin.ts";
import { commandContext } from "./context.ts";
import { CliError } from "./errors.ts";
import { printOutput, toJsonValue } from "./output.ts";
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

async function withStargate<T>(url: string, action: (client: StargateClient) => Promise<T>): Promise<T> {
  // cosmjs loads lazily: keys and genesis commands should not pay for it at startup.
  const { StargateClient } = await import("@cosmjs/stargate");
  return withNode(url, async () => {
    const client = await StargateClient.connect(url);
    try {
      return await action(client);
    } finally {
      client.disconnect();
    }
  });
}

/** Decodes a tx's messages with cosmjs' registry of standard Cosmos messages (others stay raw). */
export async function describeTx(bytes: Uint8Array): Promise<unknown> {
  const { defaultRegistryTypes } = await import("@cosmjs/stargate");
  const { decodeTxRaw, Registry } = await import("@cosmjs/proto-signing");
  const registry = new Registry(defaultRegistryTypes);
  const tx = decodeTxRaw(bytes);
  return {
    body: {
      messages: tx.body.messages.map((message) => {
        try {
          return { "@type": message.typeUrl, ...(registry.decode(message) as object) };
        } catch {
          return { "@type": message.typeUrl, value: message.value };
        }
      }),
      memo: tx.body.memo,
      timeout_height: tx.body.timeoutHeight,
    },
    auth_info: {
      fee: { amount: tx.authInfo.fee?.amount ?? [], gas_limit: tx.authInfo.fee?.gasLimit ?? 0n },
      signer_infos: tx.authInfo.signerInfos.map((info) => ({ sequence: info.sequence })),
    },
    signatures: tx.signatures,
  };
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
    .description("a committed transaction by hash")
    .argument("<hash>", "tx hash, 64 hex characters")
    .option(...NODE_OPTION)
    .action(async (hash: string, options: { node?: string }, command: Command) => {
      const context = commandContext(command);
      if (!/^[0-9a-fA-F]{64}$/.test(hash))
        throw new CliError("invalid_hash", `tx hash must be 64 hex characters, got ${JSON.stringify(hash)}`);
      const url = resolveNode(options.node, context);
      const tx = await withStargate(url, (client) => client.getTx(hash.toUpperCase()));
      if (tx === null) throw new CliError("tx_not_found", `tx ${hash.toUpperCase()} not found`);
      printOutput(
        {
          height: String(tx.height),
          txhash: tx.hash,
          index: tx.txIndex,
          code: tx.code,
          gas_wanted: tx.gasWanted,
          gas_used: tx.gasUsed,
          events: toJsonValue(tx.events),
          tx: await describeTx(tx.tx),
        },
        context.output,
      );
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
