// Records of the escrow module in store "escrow" and the indexes kept in step with them: params, the
// consortium authority, the next id, escrows with their consumer, device, per-reading and command
// indexes, and unpaid earnings (keys.ts and README.md, State, give the layout). Rules live in
// escrows.ts, payments.ts and authority.ts.
import type { Coin } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import { moduleAddress } from "../auth/keys.ts";
import {
  commandUntil,
  DEFAULT_PARAMS,
  decodeEscrow,
  decodeParams,
  type Escrow,
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
  MODULE_NAME,
  NEXT_ID_KEY,
  PARAMS_KEY,
  PLATFORM_POOL_MODULE,
  perReadingIndexKey,
  perReadingPrefix,
  prefixEnd,
  STORE_NAME,
} from "./keys.ts";

/** Authority, denoms and earnings amounts are stored as ASCII text. */
const ascii = new TextDecoder();

/** The module account holding every escrow's remaining deposit and every unpaid earning. */
export const escrowAccount = (): string => moduleAddress(MODULE_NAME);
/** The consortium's platform pool (shared with market: keys.ts PLATFORM_POOL_MODULE). */
export const platformPoolAccount = (): string => moduleAddress(PLATFORM_POOL_MODULE);

// ---- params, authority, next id ------------------------------------------------------------------

export function loadParams(ctx: Context): EscrowParams {
  const bytes = ctx.store(STORE_NAME).get(PARAMS_KEY);
  return bytes === undefined ? { ...DEFAULT_PARAMS } : decodeParams(bytes);
}

export function saveParams(ctx: Context, params: EscrowParams): void {
  ctx.store(STORE_NAME).set(PARAMS_KEY, encodeParams(params));
}

export function loadAuthority(ctx: Context): string | undefined {
  const bytes = ctx.store(STORE_NAME).get(AUTHORITY_KEY);
  return bytes === undefined ? undefined : ascii.decode(bytes);
}

export function saveAuthority(ctx: Context, authority: string): void {
  ctx.store(STORE_NAME).set(AUTHORITY_KEY, new TextEncoder().encode(authority));
}

/** The id the next escrow gets; absent means none was opened yet, so the first is 1. */
export function loadNextId(ctx: Context): bigint {
  const bytes = ctx.store(STORE_NAME).get(NEXT_ID_KEY);
  return bytes === undefined ? 1n : decodeUint64(bytes);
}

export function saveNextId(ctx: Context, id: bigint): void {
  ctx.store(STORE_NAME).set(NEXT_ID_KEY, encodeUint64(id));
}

// ---- escrows -------------------------------------------------------------------------------------

export function getEscrow(ctx: Context, id: bigint): Escrow | undefined {
  const bytes = ctx.store(STORE_NAME).get(escrowKey(id));
  return bytes === undefined ? undefined : decodeEscrow(bytes);
}

/** The escrow, or the escrowNotFound error a message about it answers with. */
export function requireEscrow(ctx: Context, id: bigint): Escrow {
  const escrow = getEscrow(ctx, id);
  if (escrow === undefined) throw escrowError("escrowNotFound", `escrow ${id}`);
  return escrow;
}

/** The escrow, if `consumer` opened it; notConsumer otherwise. */
export function requireOwnEscrow(ctx: Context, consumer: string, id: bigint): Escrow {
  const escrow = requireEscrow(ctx, id);
  if (escrow.consumer !== consumer)
    throw escrowError("notConsumer", `${consumer} is not the consumer of escrow ${id}`);
  return escrow;
}

/** Writes the record only: its indexes change with insertEscrow and the per-reading index's delete. */
export function saveEscrow(ctx: Context, escrow: Escrow): void {
  ctx.store(STORE_NAME).set(escrowKey(escrow.id), encodeEscrow(escrow));
}

/** Writes an escrow with its indexes (a new escrow, or genesis import). */
export function insertEscrow(ctx: Context, escrow: Escrow): void {
  saveEscrow(ctx, escrow);
  const store = ctx.store(STORE_NAME);
  store.set(consumerIndexKey(escrow.consumer, escrow.id), INDEX_MARKER);
  store.set(deviceIndexKey(escrow.deviceId, escrow.id), INDEX_MARKER);
  if (escrow.mode === "per_reading" && escrow.status === "open")
    store.set(perReadingIndexKey(escrow.deviceId, escrow.id), INDEX_MARKER);
  if (escrow.command !== undefined)
    store.set(commandIndexKey(commandUntil(escrow.openTime, escrow.command), escrow.id), INDEX_MARKER);
}

/** Drops the escrow from its device's per-reading index: it takes no more meter payments. */
export function deletePerReadingIndex(ctx: Context, escrow: Escrow): void {
  ctx.store(STORE_NAME).delete(perReadingIndexKey(escrow.deviceId, escrow.id));
}

/** Ids of the device's open per-reading escrows, ascending (at most MAX_PER_READING_ESCROWS_PER_DEVICE). */
export async function perReadingEscrowIds(ctx: Context, deviceId: string): Promise<bigint[]> {
  const prefix = perReadingPrefix(deviceId);
  const ids: bigint[] = [];
  for await (const [key] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
    ids.push(decodeUint64(key.subarray(prefix.length)));
  return ids;
}

/** Whether every index entry the escrow should have is present, and no per-reading one it should not. */
export function hasIndexes(ctx: Context, escrow: Escrow): boolean {
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

export async function* iterateEscrows(ctx: Context): AsyncIterable<Escrow> {
  const start = Uint8Array.of(ESCROW_PREFIX);
  for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
    yield decodeEscrow(value);
}

// ---- earnings ------------------------------------------------------------------------------------

export function getEarnings(ctx: Context, address: string, denom: string): bigint {
  const bytes = ctx.store(STORE_NAME).get(earningsKey(address, denom));
  return bytes === undefined ? 0n : BigInt(ascii.decode(bytes));
}

/** Sets an address's unpaid earnings in one denom; zero deletes the entry. */
export function setEarnings(ctx: Context, address: string, denom: string, amount: bigint): void {
  const key = earningsKey(address, denom);
  if (amount === 0n) ctx.store(STORE_NAME).delete(key);
  else ctx.store(STORE_NAME).set(key, new TextEncoder().encode(amount.toString()));
}

/** Unpaid earnings of an address, sorted by denom (key order). */
export async function earningsOf(ctx: Context, address: string): Promise<Coin[]> {
  const prefix = earningsPrefix(address);
  const coins: Coin[] = [];
  for await (const [key, value] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
    coins.push({ denom: ascii.decode(key.subarray(prefix.length)), amount: BigInt(ascii.decode(value)) });
  return coins;
}

/** Every earnings entry as (address bytes, denom, amount), in key order. */
export async function* iterateEarnings(
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
