// Coins as the SDK's sdk.Coins: bigint amounts, validated denoms, sorted, no duplicates. Plus the
// decimal coins ("0.025usensor") that min gas prices are written in, as exact scaled integers.
import { AbciError, sdkError } from "./errors.ts";

export interface Coin {
  denom: string;
  amount: bigint;
}

/** The SDK's default denom regex (types/coin.go reDnmString). */
const DENOM_PATTERN = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;
/** sdk.Int is 256 bits; amounts above that are rejected as the SDK rejects them. */
const MAX_AMOUNT = 2n ** 256n - 1n;
/** Decimal places of a DecCoin (sdk.LegacyDec precision). */
export const DECIMAL_PRECISION = 18;
const DECIMAL_SCALE = 10n ** BigInt(DECIMAL_PRECISION);

export function isValidDenom(denom: string): boolean {
  return DENOM_PATTERN.test(denom);
}

export function formatCoins(coins: readonly Coin[]): string {
  return coins.map((coin) => `${coin.amount}${coin.denom}`).join(",");
}

/** Parses a protobuf/JSON amount string: decimal digits only, at most 256 bits. */
export function parseAmount(text: string, field = "amount"): bigint {
  if (!/^[0-9]{1,78}$/.test(text)) throw sdkError("invalidCoins", `invalid ${field} ${JSON.stringify(text)}`);
  const amount = BigInt(text);
  if (amount > MAX_AMOUNT) throw sdkError("invalidCoins", `${field} ${text} out of range`);
  return amount;
}

/** Wire coins (string amounts) to validated Coins: valid denoms, positive, sorted, unique. */
export function parseCoins(coins: readonly { denom: string; amount: string }[], allowEmpty = true): Coin[] {
  const parsed = coins.map((coin) => ({ denom: coin.denom, amount: parseAmount(coin.amount) }));
  validateCoins(parsed);
  if (!allowEmpty && parsed.length === 0) throw sdkError("invalidCoins", "empty coins");
  return parsed;
}

/** Throws invalidCoins unless coins are as sdk.Coins.Validate requires. */
export function validateCoins(coins: readonly Coin[]): void {
  for (let i = 0; i < coins.length; i++) {
    const coin = coins[i]!;
    if (!isValidDenom(coin.denom)) throw sdkError("invalidCoins", `invalid denom: ${coin.denom}`);
    if (coin.amount <= 0n) throw sdkError("invalidCoins", formatCoins(coins));
    if (coin.amount > MAX_AMOUNT)
      throw sdkError("invalidCoins", `amount out of range: ${formatCoins(coins)}`);
    const previous = coins[i - 1];
    if (previous !== undefined && previous.denom >= coin.denom) {
      const reason = previous.denom === coin.denom ? "duplicate denomination" : "denomination is not sorted";
      throw sdkError("invalidCoins", `${reason} ${coin.denom}`);
    }
  }
}

export function toWireCoins(coins: readonly Coin[]): { denom: string; amount: string }[] {
  return coins.map((coin) => ({ denom: coin.denom, amount: coin.amount.toString() }));
}

/** A decimal coin price with DECIMAL_PRECISION fractional digits, held as amount × 10^18. */
export interface DecCoin {
  denom: string;
  scaledAmount: bigint;
}

/** Parses "0.025usensor,1stake" (the SDK's ParseDecCoins) exactly; no floating point anywhere. */
export function parseDecCoins(text: string): DecCoin[] {
  if (text.trim() === "") return [];
  const coins = text.split(",").map((part) => {
    const match = /^([0-9]+)(?:\.([0-9]{1,18}))?([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(part.trim());
    if (match === null) throw new AbciError(10, "sdk", `invalid decimal coin expression: ${part}`);
    const fraction = (match[2] ?? "").padEnd(DECIMAL_PRECISION, "0");
    return { denom: match[3]!, scaledAmount: BigInt(match[1]!) * DECIMAL_SCALE + BigInt(fraction) };
  });
  const sorted = [...coins].sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.denom === sorted[i - 1]!.denom)
      throw new AbciError(10, "sdk", `duplicate denomination ${sorted[i]!.denom}`);
  }
  return sorted.filter((coin) => coin.scaledAmount > 0n);
}

/** ceil(gas × price) for each price: the fee the SDK's mempool filter requires. */
export function requiredFees(prices: readonly DecCoin[], gasLimit: bigint): Coin[] {
  return prices.map((price) => ({
    denom: price.denom,
    amount: (price.scaledAmount * gasLimit + DECIMAL_SCALE - 1n) / DECIMAL_SCALE,
  }));
}

export function amountOf(coins: readonly Coin[], denom: string): bigint {
  for (const coin of coins) if (coin.denom === denom) return coin.amount;
  return 0n;
}

/** Basis points in a whole: fee and payout shares are given in 1/10,000ths. */
export const BASIS_POINTS = 10_000n;

/** The consortium's payout rule (escrow releases, market purchases): the gateway and the platform
 * get floor(amount × bps / 10,000) each and the main party the rest, so rounding dust always goes
 * to the main party and the three parts sum to `amount`. */
export function splitByBasisPoints(
  amount: bigint,
  gatewayBps: bigint,
  platformBps: bigint,
): { main: bigint; gateway: bigint; platform: bigint } {
  const gateway = (amount * gatewayBps) / BASIS_POINTS;
  const platform = (amount * platformBps) / BASIS_POINTS;
  return { main: amount - gateway - platform, gateway, platform };
}
