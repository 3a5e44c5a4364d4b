// Escrow keeper: per-device escrows (open, top up, release, close, refund), the 80/10/10 split of
// every release into earnings and the platform pool, and the meter hook that pays PER_READING escrows
// at each finalized commitment. Message handlers are thin; the rules live here (README.md).
import { type Coin, formatCoins, splitByBasisPoints } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import { moduleAddress } from "../auth/keys.ts";
import type { BankSendKeeper } from "../bank/keeper.ts";
import type { DeviceReader } from "../device/keeper.ts";
import type { ValidatorOperators } from "../poa/keeper.ts";
import {
  type CommandTerms,
  commandUntil,
  DEFAULT_PARAMS,
  decodeEscrow,
  decodeParams,
  type Escrow,
  type EscrowModeName,
  type EscrowParams,
  encodeEscrow,
  encodeParams,
} from "./codec.ts";
import { escrowError } from "./errors.ts";
import {
  AUTHORITY_KEY,
  commandIndexKey,
  consumerIndexKey,
  decodeUint64,
  deviceIndexKey,
  EARNINGS_PREFIX,
  ESCROW_PREFIX,
  earningsKey,
  earningsPrefix,
  encodeUint64,
  escrowKey,
  INDEX_MARKER,
  MAX_ESCROW_DURATION_SECONDS,
  MAX_PER_READING_ESCROWS_PER_DEVICE,
  MODULE_NAME,
  NEXT_ID_KEY,
  PARAMS_KEY,
  PLATFORM_POOL_MODULE,
  perReadingIndexKey,
  perReadingPrefix,
  prefixEnd,
  STORE_NAME,
} from "./keys.ts";
import {
  EVENT_COMMAND_PAID,
  EVENT_EARNINGS_WITHDRAWN,
  EVENT_ESCROW_CLOSED,
  EVENT_ESCROW_OPENED,
  EVENT_ESCROW_PARAMS_UPDATED,
  EVENT_ESCROW_REFUNDED,
  EVENT_ESCROW_RELEASED,
  EVENT_ESCROW_TOPPED_UP,
  EVENT_PLATFORM_POOL_SPENT,
} from "./type-urls.ts";

const SECONDS_PER_DAY = 86_400n;

/** Math.min does not take bigints. */
const minimum = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const ascii = new TextDecoder();

/** What meter calls when a daily commitment becomes final (README.md, Hooks). */
export interface MeterFinalizationHook {
  onCommitmentFinalized(ctx: Context, commitment: FinalizedCommitment): Promise<void>;
}

export interface FinalizedCommitment {
  deviceId: string;
  /** Days since 1970-01-01 UTC. */
  day: bigint;
  /** Readings in the committed day. */
  count: bigint;
  /** Operator of the validator that submitted the commitment: the gateway operator of the day. */
  submitter: string;
}

export interface EscrowDependencies {
  devices: DeviceReader;
  bank: BankSendKeeper;
  /** Optional: without it, manual releases have no gateway operator (its share goes to the pool). */
  validators?: ValidatorOperators;
}

export interface OpenEscrow {
  consumer: string;
  deviceId: string;
  releaseAuthority: string;
  mode: EscrowModeName;
  deposit: Coin;
  price: bigint;
  periodSeconds: bigint;
  expiryTime: bigint;
  /** A paid command (MANUAL only, price > 0 and ≤ deposit: checked by validateBasic). */
  command?: CommandTerms;
}

export interface ReleaseShares {
  owner: string;
  /** Empty when no gateway operator is known (its share then went to the platform pool). */
  gateway: string;
  ownerShare: bigint;
  gatewayShare: bigint;
  platformShare: bigint;
  denom: string;
}

/** The split of `amount`: gateway and platform shares are floor(amount × bps / 10,000); the owner
 * gets the rest, so rounding dust always goes to the device owner and nothing is lost. */
export function splitRelease(
  amount: bigint,
  params: EscrowParams,
): [owner: bigint, gateway: bigint, platform: bigint] {
  const { main, gateway, platform } = splitByBasisPoints(amount, params.gatewayBps, params.platformBps);
  return [main, gateway, platform];
}

export class EscrowKeeper implements MeterFinalizationHook {
  #deps: EscrowDependencies | undefined;
  /** Operator of this block's proposer, set in BeginBlock from the block header (deterministic):
   * the gateway operator of manual releases (README.md, Split). */
  #proposerOperator: string | undefined;

  constructor(deps?: EscrowDependencies) {
    this.#deps = deps;
  }

  connect(deps: EscrowDependencies): void {
    this.#deps = deps;
  }

  get deps(): EscrowDependencies {
    if (this.#deps === undefined) throw new Error("escrow keeper used before it was connected");
    return this.#deps;
  }

  get moduleAccount(): string {
    return moduleAddress(MODULE_NAME);
  }

  get platformPool(): string {
    return moduleAddress(PLATFORM_POOL_MODULE);
  }

  /** BeginBlock: remembers the proposer's operator for the block's manual releases. */
  beginBlock(ctx: Context, proposerAddress: Uint8Array): void {
    this.#proposerOperator =
      proposerAddress.length === 0 ? undefined : this.deps.validators?.operatorOf(ctx, proposerAddress);
  }

  // ---- params, authority, records ------------------------------------------------------------

  params(ctx: Context): EscrowParams {
    const bytes = ctx.store(STORE_NAME).get(PARAMS_KEY);
    return bytes === undefined ? { ...DEFAULT_PARAMS } : decodeParams(bytes);
  }

  setParams(ctx: Context, params: EscrowParams): void {
    ctx.store(STORE_NAME).set(PARAMS_KEY, encodeParams(params));
  }

  authority(ctx: Context): string | undefined {
    const bytes = ctx.store(STORE_NAME).get(AUTHORITY_KEY);
    return bytes === undefined ? undefined : ascii.decode(bytes);
  }

  setAuthority(ctx: Context, authority: string): void {
    ctx.store(STORE_NAME).set(AUTHORITY_KEY, new TextEncoder().encode(authority));
  }

  nextId(ctx: Context): bigint {
    const bytes = ctx.store(STORE_NAME).get(NEXT_ID_KEY);
    return bytes === undefined ? 1n : decodeUint64(bytes);
  }

  setNextId(ctx: Context, id: bigint): void {
    ctx.store(STORE_NAME).set(NEXT_ID_KEY, encodeUint64(id));
  }

  getEscrow(ctx: Context, id: bigint): Escrow | undefined {
    const bytes = ctx.store(STORE_NAME).get(escrowKey(id));
    return bytes === undefined ? undefined : decodeEscrow(bytes);
  }

  #save(ctx: Context, escrow: Escrow): void {
    ctx.store(STORE_NAME).set(escrowKey(escrow.id), encodeEscrow(escrow));
  }

  #load(ctx: Context, id: bigint): Escrow {
    const escrow = this.getEscrow(ctx, id);
    if (escrow === undefined) throw escrowError("escrowNotFound", `escrow ${id}`);
    return escrow;
  }

  #ownedBy(ctx: Context, consumer: string, id: bigint): Escrow {
    const escrow = this.#load(ctx, id);
    if (escrow.consumer !== consumer)
      throw escrowError("notConsumer", `${consumer} is not the consumer of escrow ${id}`);
    return escrow;
  }

  #checkLive(ctx: Context, escrow: Escrow): void {
    if (escrow.status !== "open")
      throw escrowError("escrowNotOpen", `escrow ${escrow.id} is ${escrow.status}`);
    if (ctx.time.seconds >= escrow.expiryTime)
      throw escrowError("escrowExpired", `escrow ${escrow.id} expired at ${escrow.expiryTime}`);
  }

  #checkExpiry(ctx: Context, expiryTime: bigint): void {
    if (expiryTime <= ctx.time.seconds)
      throw escrowError(
        "invalidTerms",
        `expiry_time ${expiryTime} is not after block time ${ctx.time.seconds}`,
      );
    if (expiryTime - ctx.time.seconds > MAX_ESCROW_DURATION_SECONDS)
      throw escrowError("invalidTerms", `expiry_time ${expiryTime} is more than ten years ahead`);
  }

  getEarnings(ctx: Context, address: string, denom: string): bigint {
    const bytes = ctx.store(STORE_NAME).get(earningsKey(address, denom));
    return bytes === undefined ? 0n : BigInt(ascii.decode(bytes));
  }

  setEarnings(ctx: Context, address: string, denom: string, amount: bigint): void {
    const key = earningsKey(address, denom);
    if (amount === 0n) ctx.store(STORE_NAME).delete(key);
    else ctx.store(STORE_NAME).set(key, new TextEncoder().encode(amount.toString()));
  }

  // ---- messages --------------------------------------------------------------------------------

  async open(ctx: Context, input: OpenEscrow): Promise<Escrow> {
    const device = this.deps.devices.getDevice(ctx, input.deviceId);
    if (device === undefined) throw escrowError("deviceNotFound", `device ${input.deviceId}`);
    if (!device.shared || device.status !== "active")
      throw escrowError("deviceNotAvailable", `device ${input.deviceId}`);
    this.#checkExpiry(ctx, input.expiryTime);
    if (input.mode === "per_reading") {
      let open = 0;
      const prefix = perReadingPrefix(input.deviceId);
      for await (const _ of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! })) open++;
      if (open >= MAX_PER_READING_ESCROWS_PER_DEVICE)
        throw escrowError(
          "tooManyEscrows",
          `device ${input.deviceId} has ${open} open per-reading escrows (max ${MAX_PER_READING_ESCROWS_PER_DEVICE})`,
        );
    }
    const id = this.nextId(ctx);
    this.deps.bank.sendCoinsFromAccountToModule(ctx, input.consumer, MODULE_NAME, [input.deposit]);
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
    this.setNextId(ctx, id + 1n);
    this.#save(ctx, escrow);
    this.#index(ctx, escrow);
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
    return this.#payCommand(ctx, escrow, escrow.command);
  }

  /** A command escrow's price pays for its window at once (split as any manual release), and every
   * bridge learns of the window from EventCommandPaid (README.md, Command terms). */
  #payCommand(ctx: Context, escrow: Escrow, command: CommandTerms): Escrow {
    this.#pay(ctx, escrow, escrow.price, this.#proposerOperator, { trigger: "command" });
    ctx.events.emit(EVENT_COMMAND_PAID, {
      escrow_id: escrow.id.toString(),
      consumer: escrow.consumer,
      device_id: escrow.deviceId,
      payload: Buffer.from(command.payload).toString("base64"),
      duration_seconds: command.durationSeconds.toString(),
      from_time: escrow.openTime.toString(),
      until_time: commandUntil(escrow.openTime, command).toString(),
    });
    return this.#load(ctx, escrow.id);
  }

  #index(ctx: Context, escrow: Escrow): void {
    const store = ctx.store(STORE_NAME);
    store.set(consumerIndexKey(escrow.consumer, escrow.id), INDEX_MARKER);
    store.set(deviceIndexKey(escrow.deviceId, escrow.id), INDEX_MARKER);
    if (escrow.mode === "per_reading" && escrow.status === "open")
      store.set(perReadingIndexKey(escrow.deviceId, escrow.id), INDEX_MARKER);
    if (escrow.command !== undefined)
      store.set(commandIndexKey(commandUntil(escrow.openTime, escrow.command), escrow.id), INDEX_MARKER);
  }

  topUp(ctx: Context, consumer: string, id: bigint, amount: Coin, expiryTime: bigint): Escrow {
    const escrow = this.#ownedBy(ctx, consumer, id);
    this.#checkLive(ctx, escrow);
    if (amount.denom !== escrow.denom)
      throw escrowError("denomMismatch", `${amount.denom}, escrow ${id} holds ${escrow.denom}`);
    if (expiryTime !== 0n) {
      if (expiryTime < escrow.expiryTime)
        throw escrowError(
          "invalidTerms",
          `expiry_time ${expiryTime} is before the current ${escrow.expiryTime}`,
        );
      this.#checkExpiry(ctx, expiryTime);
    }
    this.deps.bank.sendCoinsFromAccountToModule(ctx, consumer, MODULE_NAME, [amount]);
    const updated: Escrow = {
      ...escrow,
      deposited: escrow.deposited + amount.amount,
      remaining: escrow.remaining + amount.amount,
      expiryTime: expiryTime === 0n ? escrow.expiryTime : expiryTime,
    };
    this.#save(ctx, updated);
    ctx.events.emit(EVENT_ESCROW_TOPPED_UP, {
      escrow_id: id.toString(),
      consumer,
      amount: formatCoins([amount]),
      expiry_time: updated.expiryTime.toString(),
    });
    return updated;
  }

  /** MsgReleaseEscrow: by the consumer or its release authority; the gateway operator is the block
   * proposer's operator (none known: its share goes to the platform pool). */
  release(ctx: Context, signer: string, id: bigint, amount: Coin): ReleaseShares {
    const escrow = this.#load(ctx, id);
    if (signer !== escrow.consumer && signer !== escrow.releaseAuthority)
      throw escrowError("notReleaser", `${signer} may not release escrow ${id}`);
    this.#checkLive(ctx, escrow);
    if (amount.denom !== escrow.denom)
      throw escrowError("denomMismatch", `${amount.denom}, escrow ${id} holds ${escrow.denom}`);
    if (amount.amount > escrow.remaining)
      throw escrowError(
        "insufficientEscrow",
        `${amount.amount} > remaining ${escrow.remaining}${escrow.denom}`,
      );
    return this.#pay(ctx, escrow, amount.amount, this.#proposerOperator, { trigger: "manual", signer });
  }

  /** Moves `amount` of the escrow's remaining deposit to earnings (owner, gateway) and the pool. */
  #pay(
    ctx: Context,
    escrow: Escrow,
    amount: bigint,
    gateway: string | undefined,
    attributes: Record<string, string>,
  ): ReleaseShares {
    const device = this.deps.devices.getDevice(ctx, escrow.deviceId);
    if (device === undefined) throw escrowError("deviceNotFound", `device ${escrow.deviceId}`);
    let [ownerShare, gatewayShare, platformShare] = splitRelease(amount, this.params(ctx));
    if (gateway === undefined) {
      platformShare += gatewayShare;
      gatewayShare = 0n;
    }
    const denom = escrow.denom;
    if (ownerShare > 0n)
      this.setEarnings(ctx, device.owner, denom, this.getEarnings(ctx, device.owner, denom) + ownerShare);
    if (gateway !== undefined && gatewayShare > 0n)
      this.setEarnings(ctx, gateway, denom, this.getEarnings(ctx, gateway, denom) + gatewayShare);
    if (platformShare > 0n)
      this.deps.bank.sendCoins(ctx, this.moduleAccount, this.platformPool, [
        { denom, amount: platformShare },
      ]);
    this.#save(ctx, { ...escrow, released: escrow.released + amount, remaining: escrow.remaining - amount });
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

  close(ctx: Context, consumer: string, id: bigint): void {
    const escrow = this.#ownedBy(ctx, consumer, id);
    if (escrow.status !== "open") throw escrowError("escrowNotOpen", `escrow ${id} is ${escrow.status}`);
    ctx.store(STORE_NAME).delete(perReadingIndexKey(escrow.deviceId, id));
    this.#save(ctx, { ...escrow, status: "closed", endHeight: ctx.height });
    ctx.events.emit(EVENT_ESCROW_CLOSED, { escrow_id: id.toString(), consumer });
  }

  /** The rest back to the consumer, once the escrow is closed or expired. Final. */
  refund(ctx: Context, consumer: string, id: bigint): Coin {
    const escrow = this.#ownedBy(ctx, consumer, id);
    if (escrow.status === "refunded") throw escrowError("alreadyRefunded", `escrow ${id}`);
    if (escrow.status === "open" && ctx.time.seconds < escrow.expiryTime)
      throw escrowError("notRefundable", `escrow ${id} expires at ${escrow.expiryTime}`);
    const refunded = { denom: escrow.denom, amount: escrow.remaining };
    if (refunded.amount > 0n)
      this.deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, consumer, [refunded]);
    ctx.store(STORE_NAME).delete(perReadingIndexKey(escrow.deviceId, id));
    this.#save(ctx, { ...escrow, remaining: 0n, status: "refunded", endHeight: ctx.height });
    ctx.events.emit(EVENT_ESCROW_REFUNDED, {
      escrow_id: id.toString(),
      consumer,
      amount: `${refunded.amount}${refunded.denom}`,
    });
    return refunded;
  }

  /** Everything released to `owner` (as device owner or gateway operator), every denom. */
  async withdraw(ctx: Context, owner: string): Promise<Coin[]> {
    const coins = await this.earningsOf(ctx, owner);
    if (coins.length === 0) throw escrowError("nothingToWithdraw", owner);
    for (const coin of coins) this.setEarnings(ctx, owner, coin.denom, 0n);
    this.deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, owner, coins);
    ctx.events.emit(EVENT_EARNINGS_WITHDRAWN, { owner, amount: formatCoins(coins) });
    return coins;
  }

  /** Unpaid earnings of an address, sorted by denom (key order). */
  async earningsOf(ctx: Context, address: string): Promise<Coin[]> {
    const prefix = earningsPrefix(address);
    const coins: Coin[] = [];
    for await (const [key, value] of ctx
      .store(STORE_NAME)
      .iterate({ start: prefix, end: prefixEnd(prefix)! }))
      coins.push({ denom: ascii.decode(key.subarray(prefix.length)), amount: BigInt(ascii.decode(value)) });
    return coins;
  }

  updateParams(ctx: Context, authority: string, params: EscrowParams): void {
    this.#checkAuthority(ctx, authority);
    this.setParams(ctx, params);
    ctx.events.emit(EVENT_ESCROW_PARAMS_UPDATED, {
      authority,
      owner_bps: params.ownerBps.toString(),
      gateway_bps: params.gatewayBps.toString(),
      platform_bps: params.platformBps.toString(),
    });
  }

  spendPlatformPool(ctx: Context, authority: string, recipient: string, coins: Coin[]): void {
    this.#checkAuthority(ctx, authority);
    this.deps.bank.sendCoins(ctx, this.platformPool, recipient, coins);
    ctx.events.emit(EVENT_PLATFORM_POOL_SPENT, { authority, recipient, amount: formatCoins(coins) });
  }

  #checkAuthority(ctx: Context, authority: string): void {
    const expected = this.authority(ctx);
    if (expected === undefined || authority !== expected)
      throw escrowError("invalidAuthority", `expected ${expected ?? "(none)"}, got ${authority}`);
  }

  // ---- meter hook --------------------------------------------------------------------------------

  /** Pays every open, unexpired PER_READING escrow of the device opened on or before the committed
   * day: min(price × count, remaining), in escrow id order; the gateway is the submitter. */
  async onCommitmentFinalized(ctx: Context, commitment: FinalizedCommitment): Promise<void> {
    const prefix = perReadingPrefix(commitment.deviceId);
    const ids: bigint[] = [];
    for await (const [key] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
      ids.push(decodeUint64(key.subarray(prefix.length)));
    for (const id of ids) {
      const escrow = this.#load(ctx, id);
      if (escrow.status !== "open" || ctx.time.seconds >= escrow.expiryTime) continue;
      if (commitment.day < escrow.openTime / SECONDS_PER_DAY) continue;
      const due = escrow.price * commitment.count;
      const amount = minimum(due, escrow.remaining);
      if (amount === 0n) continue;
      this.#pay(ctx, escrow, amount, commitment.submitter, {
        trigger: "meter",
        day: commitment.day.toString(),
        readings: commitment.count.toString(),
      });
    }
  }

  // ---- iteration (genesis, invariants) ---------------------------------------------------------

  async *iterateEscrows(ctx: Context): AsyncIterable<Escrow> {
    const start = Uint8Array.of(ESCROW_PREFIX);
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
      yield decodeEscrow(value);
  }

  /** Every earnings entry as (address bytes, denom, amount), in key order. */
  async *iterateEarnings(
    ctx: Context,
  ): AsyncIterable<{ address: Uint8Array; denom: string; amount: bigint }> {
    const start = Uint8Array.of(EARNINGS_PREFIX);
    for await (const [key, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! })) {
      const length = key[1]!;
      yield {
        address: key.subarray(2, 2 + length),
        denom: ascii.decode(key.subarray(2 + length)),
        amount: BigInt(ascii.decode(value)),
      };
    }
  }

  /** Writes an escrow with its indexes (genesis import). */
  importEscrow(ctx: Context, escrow: Escrow): void {
    this.#save(ctx, escrow);
    this.#index(ctx, escrow);
  }

  /** Whether the consumer index holds this escrow (invariants). */
  hasIndexes(ctx: Context, escrow: Escrow): boolean {
    const store = ctx.store(STORE_NAME);
    const perReading = store.has(perReadingIndexKey(escrow.deviceId, escrow.id));
    const command =
      escrow.command === undefined ||
      store.has(commandIndexKey(commandUntil(escrow.openTime, escrow.command), escrow.id));
    return (
      store.has(consumerIndexKey(escrow.consumer, escrow.id)) &&
      store.has(deviceIndexKey(escrow.deviceId, escrow.id)) &&
      perReading === (escrow.mode === "per_reading" && escrow.status === "open") &&
      command
    );
  }
}
