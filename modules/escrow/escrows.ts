// An escrow's life: opened with a deposit by a consumer of a shared device (a command escrow pays for
// its window at once), topped up, released by the consumer or its release authority, closed, and its
// rest refunded once closed or expired (README.md, Messages; Command terms).
import { type Coin, formatCoins } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import { type CommandTerms, commandUntil, type Escrow } from "./codec.ts";
import { escrowError } from "./errors.ts";
import type { EscrowDependencies, OpenEscrow, ReleaseShares } from "./keeper.ts";
import { MAX_ESCROW_DURATION_SECONDS, MAX_PER_READING_ESCROWS_PER_DEVICE, MODULE_NAME } from "./keys.ts";
import { pay } from "./payments.ts";
import {
  deletePerReadingIndex,
  insertEscrow,
  loadNextId,
  perReadingEscrowIds,
  requireEscrow,
  requireOwnEscrow,
  saveEscrow,
  saveNextId,
} from "./state.ts";
import {
  EVENT_COMMAND_PAID,
  EVENT_ESCROW_CLOSED,
  EVENT_ESCROW_OPENED,
  EVENT_ESCROW_REFUNDED,
  EVENT_ESCROW_TOPPED_UP,
} from "./type-urls.ts";

/** Throws unless the escrow can still pay: open and not expired at block time. */
function requireLive(ctx: Context, escrow: Escrow): void {
  if (escrow.status !== "open") throw escrowError("escrowNotOpen", `escrow ${escrow.id} is ${escrow.status}`);
  if (ctx.time.seconds >= escrow.expiryTime)
    throw escrowError("escrowExpired", `escrow ${escrow.id} expired at ${escrow.expiryTime}`);
}

/** Throws unless `expiryTime` is after block time and at most MAX_ESCROW_DURATION_SECONDS ahead. */
function checkExpiry(ctx: Context, expiryTime: bigint): void {
  if (expiryTime <= ctx.time.seconds)
    throw escrowError(
      "invalidTerms",
      `expiry_time ${expiryTime} is not after block time ${ctx.time.seconds}`,
    );
  if (expiryTime - ctx.time.seconds > MAX_ESCROW_DURATION_SECONDS)
    throw escrowError("invalidTerms", `expiry_time ${expiryTime} is more than ten years ahead`);
}

/** Opens an escrow; `gateway` is the block proposer's operator (a command escrow pays it at once). */
export async function openEscrow(
  ctx: Context,
  deps: EscrowDependencies,
  input: OpenEscrow,
  gateway: string | undefined,
): Promise<Escrow> {
  const device = deps.devices.getDevice(ctx, input.deviceId);
  if (device === undefined) throw escrowError("deviceNotFound", `device ${input.deviceId}`);
  if (!device.shared || device.status !== "active")
    throw escrowError("deviceNotAvailable", `device ${input.deviceId}`);
  checkExpiry(ctx, input.expiryTime);
  if (input.mode === "per_reading") {
    const open = (await perReadingEscrowIds(ctx, input.deviceId)).length;
    if (open >= MAX_PER_READING_ESCROWS_PER_DEVICE)
      throw escrowError(
        "tooManyEscrows",
        `device ${input.deviceId} has ${open} open per-reading escrows (max ${MAX_PER_READING_ESCROWS_PER_DEVICE})`,
      );
  }
  const id = loadNextId(ctx);
  deps.bank.sendCoinsFromAccountToModule(ctx, input.consumer, MODULE_NAME, [input.deposit]);
  const escrow: Escrow = {
    id,
    consumer: input.consumer,
    deviceId: input.deviceId,
    releaseAuthority: input.releaseAuthority,
    mode: input.mode,
    price: input.price,
    periodSeconds: input.periodSeconds,
    expiryTime: input.expiryTime,
    denom: input.deposit.denom,
    deposited: input.deposit.amount,
    released: 0n,
    remaining: input.deposit.amount,
    status: "open",
    openHeight: ctx.height,
    openTime: ctx.time.seconds,
    endHeight: 0n,
    ...(input.command === undefined ? {} : { command: input.command }),
  };
  saveNextId(ctx, id + 1n);
  insertEscrow(ctx, escrow);
  ctx.events.emit(EVENT_ESCROW_OPENED, {
    escrow_id: id.toString(),
    consumer: escrow.consumer,
    device_id: escrow.deviceId,
    release_authority: escrow.releaseAuthority,
    mode: escrow.mode,
    deposit: formatCoins([input.deposit]),
    price: `${escrow.price}${escrow.denom}`,
    expiry_time: escrow.expiryTime.toString(),
  });
  if (escrow.command === undefined) return escrow;
  return payCommand(ctx, deps, escrow, escrow.command, gateway);
}

/** A command escrow's price pays for its window at once (split as any manual release), and every
 * bridge learns of the window from EventCommandPaid (README.md, Command terms). */
function payCommand(
  ctx: Context,
  deps: EscrowDependencies,
  escrow: Escrow,
  command: CommandTerms,
  gateway: string | undefined,
): Escrow {
  pay(ctx, deps, escrow, escrow.price, gateway, { trigger: "command" });
  ctx.events.emit(EVENT_COMMAND_PAID, {
    escrow_id: escrow.id.toString(),
    consumer: escrow.consumer,
    device_id: escrow.deviceId,
    payload: Buffer.from(command.payload).toString("base64"),
    duration_seconds: command.durationSeconds.toString(),
    from_time: escrow.openTime.toString(),
    until_time: commandUntil(escrow.openTime, command).toString(),
  });
  return requireEscrow(ctx, escrow.id);
}

export function topUp(
  ctx: Context,
  deps: EscrowDependencies,
  consumer: string,
  id: bigint,
  amount: Coin,
  expiryTime: bigint,
): Escrow {
  const escrow = requireOwnEscrow(ctx, consumer, id);
  requireLive(ctx, escrow);
  if (amount.denom !== escrow.denom)
    throw escrowError("denomMismatch", `${amount.denom}, escrow ${id} holds ${escrow.denom}`);
  if (expiryTime !== 0n) {
    if (expiryTime < escrow.expiryTime)
      throw escrowError(
        "invalidTerms",
        `expiry_time ${expiryTime} is before the current ${escrow.expiryTime}`,
      );
    checkExpiry(ctx, expiryTime);
  }
  deps.bank.sendCoinsFromAccountToModule(ctx, consumer, MODULE_NAME, [amount]);
  const updated: Escrow = {
    ...escrow,
    deposited: escrow.deposited + amount.amount,
    remaining: escrow.remaining + amount.amount,
    expiryTime: expiryTime === 0n ? escrow.expiryTime : expiryTime,
  };
  saveEscrow(ctx, updated);
  ctx.events.emit(EVENT_ESCROW_TOPPED_UP, {
    escrow_id: id.toString(),
    consumer,
    amount: formatCoins([amount]),
    expiry_time: updated.expiryTime.toString(),
  });
  return updated;
}

/** MsgReleaseEscrow: by the consumer or its release authority; `gateway` is the block proposer's
 * operator (none known: its share goes to the platform pool). */
export function release(
  ctx: Context,
  deps: EscrowDependencies,
  signer: string,
  id: bigint,
  amount: Coin,
  gateway: string | undefined,
): ReleaseShares {
  const escrow = requireEscrow(ctx, id);
  if (signer !== escrow.consumer && signer !== escrow.releaseAuthority)
    throw escrowError("notReleaser", `${signer} may not release escrow ${id}`);
  requireLive(ctx, escrow);
  if (amount.denom !== escrow.denom)
    throw escrowError("denomMismatch", `${amount.denom}, escrow ${id} holds ${escrow.denom}`);
  if (amount.amount > escrow.remaining)
    throw escrowError(
      "insufficientEscrow",
      `${amount.amount} > remaining ${escrow.remaining}${escrow.denom}`,
    );
  return pay(ctx, deps, escrow, amount.amount, gateway, { trigger: "manual", signer });
}

export function close(ctx: Context, consumer: string, id: bigint): void {
  const escrow = requireOwnEscrow(ctx, consumer, id);
  if (escrow.status !== "open") throw escrowError("escrowNotOpen", `escrow ${id} is ${escrow.status}`);
  deletePerReadingIndex(ctx, escrow);
  saveEscrow(ctx, { ...escrow, status: "closed", endHeight: ctx.height });
  ctx.events.emit(EVENT_ESCROW_CLOSED, { escrow_id: id.toString(), consumer });
}

/** The rest back to the consumer, once the escrow is closed or expired. Final. */
export function refund(ctx: Context, deps: EscrowDependencies, consumer: string, id: bigint): Coin {
  const escrow = requireOwnEscrow(ctx, consumer, id);
  if (escrow.status === "refunded") throw escrowError("alreadyRefunded", `escrow ${id}`);
  if (escrow.status === "open" && ctx.time.seconds < escrow.expiryTime)
    throw escrowError("notRefundable", `escrow ${id} expires at ${escrow.expiryTime}`);
  const refunded = { denom: escrow.denom, amount: escrow.remaining };
  if (refunded.amount > 0n) deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, consumer, [refunded]);
  deletePerReadingIndex(ctx, escrow);
  saveEscrow(ctx, { ...escrow, remaining: 0n, status: "refunded", endHeight: ctx.height });
  ctx.events.emit(EVENT_ESCROW_REFUNDED, {
    escrow_id: id.toString(),
    consumer,
    amount: `${refunded.amount}${refunded.denom}`,
  });
  return refunded;
}
