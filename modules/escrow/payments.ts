// Where released deposit goes: the owner / gateway / platform split of every release into unpaid
// earnings and the platform pool, the meter hook that pays PER_READING escrows at each finalized
// commitment, and the withdrawal of earnings (README.md, Design choices and Hooks).
import { type Coin, formatCoins, splitByBasisPoints } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import type { Escrow, EscrowParams } from "./codec.ts";
import { escrowError } from "./errors.ts";
import type { EscrowDependencies, FinalizedCommitment, ReleaseShares } from "./keeper.ts";
import { MODULE_NAME } from "./keys.ts";
import {
  earningsOf,
  escrowAccount,
  getEarnings,
  loadParams,
  perReadingEscrowIds,
  platformPoolAccount,
  requireEscrow,
  saveEscrow,
  setEarnings,
} from "./state.ts";
import { EVENT_EARNINGS_WITHDRAWN, EVENT_ESCROW_RELEASED } from "./type-urls.ts";

const SECONDS_PER_DAY = 86_400n;

/** Math.min does not take bigints. */
const minimum = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** The split of `amount`: gateway and platform shares are floor(amount × bps / 10,000); the owner
 * gets the rest, so rounding dust always goes to the device owner and nothing is lost. */
export function splitRelease(
  amount: bigint,
  params: EscrowParams,
): [owner: bigint, gateway: bigint, platform: bigint] {
  const { main, gateway, platform } = splitByBasisPoints(amount, params.gatewayBps, params.platformBps);
  return [main, gateway, platform];
}

/** Moves `amount` of the escrow's remaining deposit to earnings (owner, gateway) and the pool; with
 * no gateway operator known, its share goes to the pool too. */
export function pay(
  ctx: Context,
  deps: EscrowDependencies,
  escrow: Escrow,
  amount: bigint,
  gateway: string | undefined,
  attributes: Record<string, string>,
): ReleaseShares {
  const device = deps.devices.getDevice(ctx, escrow.deviceId);
  if (device === undefined) throw escrowError("deviceNotFound", `device ${escrow.deviceId}`);
  let [ownerShare, gatewayShare, platformShare] = splitRelease(amount, loadParams(ctx));
  if (gateway === undefined) {
    platformShare += gatewayShare;
    gatewayShare = 0n;
  }
  const denom = escrow.denom;
  if (ownerShare > 0n)
    setEarnings(ctx, device.owner, denom, getEarnings(ctx, device.owner, denom) + ownerShare);
  if (gateway !== undefined && gatewayShare > 0n)
    setEarnings(ctx, gateway, denom, getEarnings(ctx, gateway, denom) + gatewayShare);
  if (platformShare > 0n)
    deps.bank.sendCoins(ctx, escrowAccount(), platformPoolAccount(), [{ denom, amount: platformShare }]);
  saveEscrow(ctx, { ...escrow, released: escrow.released + amount, remaining: escrow.remaining - amount });
  ctx.events.emit(EVENT_ESCROW_RELEASED, {
    escrow_id: escrow.id.toString(),
    device_id: escrow.deviceId,
    amount: `${amount}${denom}`,
    owner: device.owner,
    owner_share: `${ownerShare}${denom}`,
    gateway: gateway ?? "",
    gateway_share: `${gatewayShare}${denom}`,
    platform_share: `${platformShare}${denom}`,
    ...attributes,
  });
  return { owner: device.owner, gateway: gateway ?? "", ownerShare, gatewayShare, platformShare, denom };
}

/** Pays every open, unexpired PER_READING escrow of the device opened on or before the committed
 * day: min(price × count, remaining), in escrow id order; the gateway is the submitter. */
export async function payReadings(
  ctx: Context,
  deps: EscrowDependencies,
  commitment: FinalizedCommitment,
): Promise<void> {
  for (const id of await perReadingEscrowIds(ctx, commitment.deviceId)) {
    const escrow = requireEscrow(ctx, id);
    if (escrow.status !== "open" || ctx.time.seconds >= escrow.expiryTime) continue;
    if (commitment.day < escrow.openTime / SECONDS_PER_DAY) continue;
    const due = escrow.price * commitment.count;
    const amount = minimum(due, escrow.remaining);
    if (amount === 0n) continue;
    pay(ctx, deps, escrow, amount, commitment.submitter, {
      trigger: "meter",
      day: commitment.day.toString(),
      readings: commitment.count.toString(),
    });
  }
}

/** Everything released to `owner` (as device owner or gateway operator), every denom. */
export async function withdraw(ctx: Context, deps: EscrowDependencies, owner: string): Promise<Coin[]> {
  const coins = await earningsOf(ctx, owner);
  if (coins.length === 0) throw escrowError("nothingToWithdraw", owner);
  for (const coin of coins) setEarnings(ctx, owner, coin.denom, 0n);
  deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, owner, coins);
  ctx.events.emit(EVENT_EARNINGS_WITHDRAWN, { owner, amount: formatCoins(coins) });
  return coins;
}
