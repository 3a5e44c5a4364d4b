// Stateless checks of message fields (validateBasic) and genesis records: each returns the checked
// value as a module type or throws the module's typed error naming the field.
import { type Coin, isValidDenom } from "../../chain/app/coins.ts";
import { DEVICE_ID_PATTERN } from "../device/keys.ts";
import { toBigInt } from "../proto-values.ts";
import { checkAddress } from "../validation.ts";
import { type MarketParams, paramsFromProto, type VerdictName, verdictName } from "./codec.ts";
import { marketError } from "./errors.ts";
import {
  BPS_DENOMINATOR,
  MAX_AMOUNT,
  MAX_CHALLENGE_THRESHOLD,
  MAX_COOLDOWN_BLOCKS,
  MAX_PERIOD_SECONDS,
  MAX_PERIODS_PER_PURCHASE,
  MAX_REASON_BYTES,
} from "./keys.ts";

export { checkAddress };

export function checkDeviceId(id: string | null | undefined): string {
  if (typeof id !== "string" || !DEVICE_ID_PATTERN.test(id))
    throw marketError("invalidListing", `device_id ${JSON.stringify(id ?? "")} is not SSSS_NNNN`);
  return id;
}

/** A listing or grant id: uint64 above 0. */
export function checkId(value: { toString(): string } | number | null | undefined, field: string): bigint {
  const id = toBigInt(value);
  if (id <= 0n) throw marketError("listingNotFound", `${field} must be set`);
  return id;
}

/** A coin with a valid denom and a decimal amount in [min, 2^256 - 1]. */
export function checkCoin(
  coin: { denom?: string | null; amount?: string | null } | null | undefined,
  field: string,
  min: bigint,
): Coin {
  const denom = coin?.denom ?? "";
  if (!isValidDenom(denom))
    throw marketError("invalidAmount", `${field}: invalid denom ${JSON.stringify(denom)}`);
  const text = coin?.amount || "0";
  if (!/^[0-9]{1,78}$/.test(text))
    throw marketError("invalidAmount", `${field}: invalid amount ${JSON.stringify(text)}`);
  const amount = BigInt(text);
  if (amount < min || amount > MAX_AMOUNT)
    throw marketError("invalidAmount", `${field}: amount ${text} must be ${min} to 2^256-1`);
  return { denom, amount };
}

export function checkPeriodSeconds(value: { toString(): string } | number | null | undefined): bigint {
  const seconds = toBigInt(value);
  if (seconds <= 0n || seconds > MAX_PERIOD_SECONDS)
    throw marketError("invalidListing", `period_seconds must be 1 to ${MAX_PERIOD_SECONDS}, got ${seconds}`);
  return seconds;
}

export function checkPeriods(periods: number | null | undefined): number {
  const count = periods ?? 0;
  if (!Number.isInteger(count) || count < 1 || count > MAX_PERIODS_PER_PURCHASE)
    throw marketError("invalidPeriods", `periods must be 1 to ${MAX_PERIODS_PER_PURCHASE}, got ${count}`);
  return count;
}

const utf8 = new TextEncoder();
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export function checkReason(reason: string | null | undefined): string {
  const text = reason ?? "";
  if (utf8.encode(text).length > MAX_REASON_BYTES)
    throw marketError("invalidReason", `reason is longer than ${MAX_REASON_BYTES} bytes`);
  if (CONTROL_CHARACTERS.test(text)) throw marketError("invalidReason", "reason has control characters");
  return text;
}

export function checkVerdict(value: number | null | undefined): VerdictName {
  const verdict = verdictName(value);
  if (verdict === undefined)
    throw marketError("invalidVerdict", "verdict must be VERDICT_SELLER_WINS or VERDICT_CHALLENGERS_WIN");
  return verdict;
}

function checkBps(value: bigint, field: string): void {
  if (value < 0n || value > BPS_DENOMINATOR)
    throw marketError("invalidParams", `${field} must be 0 to ${BPS_DENOMINATOR}, got ${value}`);
}

const AMOUNT_TEXT = /^[0-9]{1,78}$/;

export function checkParams(message: Parameters<typeof paramsFromProto>[0] | null | undefined): MarketParams {
  for (const field of ["minListingStake", "minChallengeStake"] as const) {
    const text = message?.[field] || "0";
    if (!AMOUNT_TEXT.test(text) || BigInt(text) > MAX_AMOUNT)
      throw marketError("invalidParams", `${field} ${JSON.stringify(text)} is not an amount`);
  }
  const params = paramsFromProto(message ?? {});
  if (!isValidDenom(params.stakeDenom))
    throw marketError("invalidParams", `stake_denom ${JSON.stringify(params.stakeDenom)} is not a denom`);
  if (params.minListingStake < 1n) throw marketError("invalidParams", "min_listing_stake must be at least 1");
  if (params.minChallengeStake < 1n)
    throw marketError("invalidParams", "min_challenge_stake must be at least 1");
  if (params.challengeThreshold < 1 || params.challengeThreshold > MAX_CHALLENGE_THRESHOLD)
    throw marketError("invalidParams", `challenge_threshold must be 1 to ${MAX_CHALLENGE_THRESHOLD}`);
  if (params.delistCooldownBlocks > MAX_COOLDOWN_BLOCKS)
    throw marketError("invalidParams", `delist_cooldown_blocks must be at most ${MAX_COOLDOWN_BLOCKS}`);
  checkBps(params.gatewayBps, "gateway_bps");
  checkBps(params.platformBps, "platform_bps");
  checkBps(params.slashPlatformBps, "slash_platform_bps");
  if (params.gatewayBps + params.platformBps > BPS_DENOMINATOR)
    throw marketError("invalidParams", "gateway_bps + platform_bps must be at most 10000");
  return params;
}
