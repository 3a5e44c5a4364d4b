// Cosmos SDK coins (sdk.Coin / sdk.Coins) and decimal coins (sdk.DecCoin) as they appear in genesis
// files, config and CLI arguments. Browser-pure: the light client and CLI share it.

/** Cosmos SDK denom rule (types/coin.go reDnmString): a letter, then 2..127 of [a-zA-Z0-9/:._-]. */
const DENOM_PATTERN = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;
const COIN_PATTERN = /^([0-9]+)\s*([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/;
const DEC_COIN_PATTERN = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/;
/** sdk.Int is capped at 256 bits; larger amounts are rejected as the SDK does. */
export const MAX_COIN_AMOUNT = (1n << 256n) - 1n;
/** sdk.LegacyDec precision: 18 decimal places. Decimal amounts are kept as integers scaled by 10^18. */
export const DEC_PRECISION = 18;
export const DEC_ONE = 10n ** BigInt(DEC_PRECISION);
/** Longest coin list accepted from text; far above any real multi-denom balance. */
const MAX_COINS_IN_LIST = 256;

export interface Coin {
  denom: string;
  amount: bigint;
}

/** A decimal coin: `atomics` is the amount multiplied by 10^18 (no floating point anywhere). */
export interface DecCoin {
  denom: string;
  atomics: bigint;
}

export class CoinError extends Error {
  readonly code = "invalid_coins";
}

export function isValidDenom(denom: string): boolean {
  return DENOM_PATTERN.test(denom);
}

export function validateDenom(denom: unknown, field: string): string {
  if (typeof denom !== "string" || !DENOM_PATTERN.test(denom)) {
    throw new CoinError(
      `${field}: invalid denom ${JSON.stringify(denom)} (a letter then 2..127 of letters, digits, / : . _ -)`,
    );
  }
  return denom;
}

/** Parses a non-negative integer amount in decimal text, as sdk.Int JSON. */
export function parseAmount(text: unknown, field: string): bigint {
  if (typeof text !== "string" || !/^[0-9]+$/.test(text)) {
    throw new CoinError(`${field}: amount must be a string of decimal digits, got ${JSON.stringify(text)}`);
  }
  const amount = BigInt(text);
  if (amount > MAX_COIN_AMOUNT) throw new CoinError(`${field}: amount ${text} exceeds 256 bits`);
  return amount;
}

/**
 * Checks a coin list as sdk.Coins.Validate does: every amount positive, denoms valid, strictly sorted
 * by denom (which also excludes duplicates).
 */
export function validateCoins(coins: readonly Coin[], field: string): void {
  for (let i = 0; i < coins.length; i++) {
    const coin = coins[i]!;
    validateDenom(coin.denom, `${field}[${i}].denom`);
    if (coin.amount <= 0n) throw new CoinError(`${field}[${i}]: amount must be positive, got ${coin.amount}`);
    if (coin.amount > MAX_COIN_AMOUNT) throw new CoinError(`${field}[${i}]: amount exceeds 256 bits`);
    if (i > 0) {
      const previous = coins[i - 1]!.denom;
      if (previous === coin.denom) throw new CoinError(`${field}: duplicate denom ${coin.denom}`);
      if (previous > coin.denom) {
        throw new CoinError(`${field}: coins must be sorted by denom (${previous} before ${coin.denom})`);
      }
    }
  }
}

/** Sorts by denom and merges duplicates: the canonical form of a coin list. */
export function normalizeCoins(coins: readonly Coin[]): Coin[] {
  const byDenom = new Map<string, bigint>();
  for (const coin of coins) byDenom.set(coin.denom, (byDenom.get(coin.denom) ?? 0n) + coin.amount);
  return [...byDenom.keys()].sort().map((denom) => ({ denom, amount: byDenom.get(denom)! }));
}

export function addCoins(a: readonly Coin[], b: readonly Coin[]): Coin[] {
  return normalizeCoins([...a, ...b]);
}

export function coinsEqual(a: readonly Coin[], b: readonly Coin[]): boolean {
  return (
    a.length === b.length && a.every((coin, i) => coin.denom === b[i]!.denom && coin.amount === b[i]!.amount)
  );
}

/**
 * Parses "1000usensor,5stake" (cosmos `ParseCoinsNormalized`): sorted and merged; zero amounts are
 * rejected because a zero coin is never meaningful in a genesis balance or a transfer.
 */
export function parseCoins(text: string, field = "coins"): Coin[] {
  const parts = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (parts.length === 0) throw new CoinError(`${field}: no coins given`);
  if (parts.length > MAX_COINS_IN_LIST) throw new CoinError(`${field}: more than ${MAX_COINS_IN_LIST} coins`);
  const coins = parts.map((part) => {
    const match = COIN_PATTERN.exec(part);
    if (match === null) {
      throw new CoinError(`${field}: invalid coin ${JSON.stringify(part)} (expected e.g. 1000usensor)`);
    }
    const amount = parseAmount(match[1], field);
    if (amount === 0n) throw new CoinError(`${field}: amount of ${match[2]} must be positive`);
    return { denom: match[2]!, amount };
  });
  const normalized = normalizeCoins(coins);
  validateCoins(normalized, field);
  return normalized;
}

export function formatCoins(coins: readonly Coin[]): string {
  return coins.map((coin) => `${coin.amount}${coin.denom}`).join(",");
}

function parseDecimalAtomics(text: string, field: string): bigint {
  const [whole = "", fraction = ""] = text.split(".");
  if (fraction.length > DEC_PRECISION) {
    throw new CoinError(`${field}: ${text} has more than ${DEC_PRECISION} decimal places`);
  }
  return BigInt(whole === "" ? "0" : whole) * DEC_ONE + BigInt(fraction.padEnd(DEC_PRECISION, "0"));
}

/** Parses "0.025usensor,1stake" (sdk.ParseDecCoins); an empty string is an empty list. */
export function parseDecCoins(text: string, field = "gas prices"): DecCoin[] {
  const parts = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (parts.length > MAX_COINS_IN_LIST) throw new CoinError(`${field}: more than ${MAX_COINS_IN_LIST} coins`);
  const coins = parts.map((part) => {
    const match = DEC_COIN_PATTERN.exec(part);
    if (match === null) {
      throw new CoinError(
        `${field}: invalid decimal coin ${JSON.stringify(part)} (expected e.g. 0.025usensor)`,
      );
    }
    return { denom: match[2]!, atomics: parseDecimalAtomics(match[1]!, field) };
  });
  coins.sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
  for (let i = 1; i < coins.length; i++) {
    if (coins[i]!.denom === coins[i - 1]!.denom)
      throw new CoinError(`${field}: duplicate denom ${coins[i]!.denom}`);
  }
  return coins;
}

export function formatDecCoin(coin: DecCoin): string {
  const whole = coin.atomics / DEC_ONE;
  const fraction = (coin.atomics % DEC_ONE).toString().padStart(DEC_PRECISION, "0").replace(/0+$/, "");
  return `${whole}${fraction === "" ? "" : `.${fraction}`}${coin.denom}`;
}
