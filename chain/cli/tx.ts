// `sensorchain tx bank send` and what every signing verb shares: the tx flags (txOptions) and the
// fee they give (planFee). Signing and broadcasting is module-tx.ts's broadcastMsgs: cosmjs'
// SigningStargateClient (SIGN_MODE_DIRECT), by default waiting for the tx to be committed.
import type { StdFee } from "@cosmjs/stargate";
import type { Command } from "commander";
import { type Coin, DEC_ONE, formatCoins, parseCoins, parseDecCoins } from "../types/coin.ts";
import { CliError } from "./errors.ts";
import { checkAddress } from "./query.ts";
import { NODE_OPTION } from "./rpc-client.ts";

/** How often to ask the node whether a broadcast tx is in a block yet. */
export const BROADCAST_POLL_INTERVAL_MS = 300;

/** Gas limit when neither --gas nor simulation gives one (the Cosmos SDK CLI default). */
export const DEFAULT_GAS_LIMIT = 200_000n;
/** Multiplier on simulated gas (cosmjs' default for "auto"). */
export const DEFAULT_GAS_ADJUSTMENT = 1.4;
/** Highest gas limit accepted from --gas: a typo guard far above any block's gas. */
const MAX_GAS_LIMIT = 10n ** 12n;

// Module files take --node from here with the tx flags; its one definition is rpc-client.ts'.
export { NODE_OPTION } from "./rpc-client.ts";

/** The flags of every signing verb: fee, gas, memo, chain id, confirmation, node. */
export function txOptions(command: Command): Command {
  return command
    .option("--fees <coins>", 'fee to pay, e.g. "5000usensor"')
    .option("--gas <limit>", 'gas limit, or "auto" to simulate', DEFAULT_GAS_LIMIT.toString())
    .option("--gas-prices <prices>", 'gas price to pay, e.g. "0.025usensor" (fee = price × gas)')
    .option(
      "--gas-adjustment <factor>",
      "multiplier on simulated gas with --gas auto",
      String(DEFAULT_GAS_ADJUSTMENT),
    )
    .option("--memo <text>", "memo", "")
    .option("--chain-id <id>", "chain id the tx is meant for; refused if the node reports another")
    .option("-y, --yes", "broadcast without asking for confirmation", false)
    .option(
      "-b, --broadcast-mode <mode>",
      "block: wait for the tx's block; sync: return after CheckTx; async: return at once",
      "block",
    )
    .option("--dry-run", 'print the gas estimate ("gas estimate: N" on stderr); broadcast nothing', false)
    .option(
      "--generate-only",
      "print the unsigned tx as JSON (for `tx sign`); <from> may be an address; no key or node needed",
      false,
    )
    .option(...NODE_OPTION);
}

/** The parsed flags of txOptions. */
export interface TxFlags {
  fees?: string;
  gas: string;
  gasPrices?: string;
  gasAdjustment: string;
  memo: string;
  chainId?: string;
  yes: boolean;
  broadcastMode: string;
  dryRun: boolean;
  generateOnly: boolean;
  node?: string;
}

type FeePlan =
  | { kind: "fixed"; fee: StdFee }
  | { kind: "simulate-fees"; fees: Coin[]; adjustment: number }
  | { kind: "simulate-price"; gasPrice: string; adjustment: number };

/** Works out the fee from --fees / --gas / --gas-prices / --gas-adjustment, or says what is wrong.
 * `feesOptional`: no fee flag gives an empty fee (an unsigned tx, which the signer may still edit). */
export function planFee(
  flags: Pick<TxFlags, "fees" | "gas" | "gasPrices" | "gasAdjustment">,
  feesOptional = false,
): FeePlan {
  const auto = flags.gas === "auto";
  let gas = DEFAULT_GAS_LIMIT;
  if (!auto) {
    if (!/^[1-9][0-9]*$/.test(flags.gas) || BigInt(flags.gas) > MAX_GAS_LIMIT) {
      throw new CliError(
        "invalid_flag",
        `--gas must be "auto" or a positive integer up to ${MAX_GAS_LIMIT}, got ${JSON.stringify(flags.gas)}`,
      );
    }
    gas = BigInt(flags.gas);
  }
  const adjustment = Number(flags.gasAdjustment);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(flags.gasAdjustment) || !(adjustment >= 1) || adjustment > 10) {
    throw new CliError(
      "invalid_flag",
      `--gas-adjustment must be a number from 1 to 10, got ${JSON.stringify(flags.gasAdjustment)}`,
    );
  }
  if (flags.fees !== undefined && flags.gasPrices !== undefined) {
    throw new CliError("invalid_flag", "give either --fees or --gas-prices, not both");
  }
  if (flags.fees !== undefined) {
    const fees = parseCoins(flags.fees, "--fees");
    if (auto) return { kind: "simulate-fees", fees, adjustment };
    return { kind: "fixed", fee: { amount: toCosmjsCoins(fees), gas: gas.toString() } };
  }
  if (flags.gasPrices !== undefined) {
    const prices = parseDecCoins(flags.gasPrices, "--gas-prices");
    if (prices.length === 0) throw new CliError("invalid_flag", "--gas-prices is empty");
    if (auto) {
      if (prices.length !== 1)
        throw new CliError("invalid_flag", "--gas auto takes a single --gas-prices denom");
      return { kind: "simulate-price", gasPrice: flags.gasPrices.trim(), adjustment };
    }
    // fee = ceil(price × gas) per denom, in integer arithmetic (prices are scaled by 10^18).
    const amount = prices.map((price) => ({
      denom: price.denom,
      amount: (price.atomics * gas + DEC_ONE - 1n) / DEC_ONE,
    }));
    return {
      kind: "fixed",
      fee: { amount: toCosmjsCoins(amount.filter((coin) => coin.amount > 0n)), gas: gas.toString() },
    };
  }
  if (feesOptional && !auto) return { kind: "fixed", fee: { amount: [], gas: gas.toString() } };
  throw new CliError("fees_required", "give --fees (e.g. 5000usensor) or --gas-prices (e.g. 0.025usensor)");
}

function toCosmjsCoins(coins: readonly Coin[]): { denom: string; amount: string }[] {
  return coins.map((coin) => ({ denom: coin.denom, amount: coin.amount.toString() }));
}

export function registerTx(program: Command): void {
  const tx = program.command("tx").description("sign and broadcast transactions");
  const bank = tx.command("bank").description("bank module transactions");

  txOptions(
    bank
      .command("send")
      .description("send coins from a keyring key to an address")
      .argument("<from>", "key name (or its address) in the keyring")
      .argument("<to>", "recipient sensor1… address")
      .argument("<coins>", 'amount, e.g. "1000usensor"'),
  ).action(async (from: string, to: string, coinsText: string, flags: TxFlags, command: Command) => {
    checkAddress(to, "recipient");
    const amount = parseCoins(coinsText, "coins");
    const { broadcastMsgs } = await import("./module-tx.ts");
    await broadcastMsgs(command, from, flags, `send ${formatCoins(amount)} to ${to}`, (fromAddress) => [
      {
        typeUrl: "/cosmos.bank.v1beta1.MsgSend",
        value: { fromAddress, toAddress: to, amount: toCosmjsCoins(amount) },
      },
    ]);
  });
}
