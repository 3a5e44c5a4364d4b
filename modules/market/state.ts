// Records of the market module in store "market" and the indexes kept in step with them: the one place
// that reads and writes them (keys.ts and README.md, State, give the layout). Rules live in
// listings.ts, purchases.ts and disputes.ts.
import type { Context } from "../../chain/app/module.ts";
import { moduleAddress } from "../auth/keys.ts";
import {
  type AccessGrant,
  type Challenge,
  challengeCodec,
  DEFAULT_PARAMS,
  type Dispute,
  type DisputeVote,
  disputeCodec,
  grantCodec,
  type Listing,
  listingCodec,
  type MarketParams,
  paramsCodec,
  voteCodec,
} from "./codec.ts";
import { marketError } from "./errors.ts";
import {
  accessKey,
  buyerGrantKey,
  challengeKey,
  challengePrefix,
  decodeUint64,
  deviceIndexKey,
  disputeKey,
  encodeUint64,
  grantKey,
  INDEX_MARKER,
  listingKey,
  MODULE_NAME,
  NEXT_GRANT_ID_KEY,
  NEXT_LISTING_ID_KEY,
  PARAMS_KEY,
  PLATFORM_POOL_MODULE,
  PURCHASED_PREFIX,
  prefixEnd,
  purchasedKey,
  rankKey,
  STORE_NAME,
  sellerIndexKey,
  voteKey,
  votePrefix,
} from "./keys.ts";

/** The module account holding listing and challenge stakes. */
export const marketAccount = (): string => moduleAddress(MODULE_NAME);
/** The consortium's platform pool (shared with escrow: keys.ts PLATFORM_POOL_MODULE). */
export const platformPoolAccount = (): string => moduleAddress(PLATFORM_POOL_MODULE);

// ---- params and counters -------------------------------------------------------------------------

export function loadParams(ctx: Context): MarketParams {
  const bytes = ctx.store(STORE_NAME).get(PARAMS_KEY);
  return bytes === undefined ? { ...DEFAULT_PARAMS } : paramsCodec.decode(bytes);
}

export function saveParams(ctx: Context, params: MarketParams): void {
  ctx.store(STORE_NAME).set(PARAMS_KEY, paramsCodec.encode(params));
}

/** A next-id counter; absent means no id was handed out yet, so the first is 1. */
export function loadCounter(ctx: Context, key: Uint8Array): bigint {
  const bytes = ctx.store(STORE_NAME).get(key);
  return bytes === undefined ? 1n : decodeUint64(bytes);
}

export function saveCounter(ctx: Context, key: Uint8Array, next: bigint): void {
  ctx.store(STORE_NAME).set(key, encodeUint64(next));
}

export const nextListingId = (ctx: Context): bigint => loadCounter(ctx, NEXT_LISTING_ID_KEY);
export const nextGrantId = (ctx: Context): bigint => loadCounter(ctx, NEXT_GRANT_ID_KEY);

// ---- listings ------------------------------------------------------------------------------------

export function getListing(ctx: Context, id: bigint): Listing | undefined {
  const bytes = ctx.store(STORE_NAME).get(listingKey(id));
  return bytes === undefined ? undefined : listingCodec.decode(bytes);
}

/** The listing, or the listingNotFound error a message about it answers with. */
export function requireListing(ctx: Context, id: bigint): Listing {
  const listing = getListing(ctx, id);
  if (listing === undefined) throw marketError("listingNotFound", `listing ${id}`);
  return listing;
}

/** The listing, if `seller` sells it; notSeller otherwise. */
export function requireOwnListing(ctx: Context, seller: string, id: bigint): Listing {
  const listing = requireListing(ctx, id);
  if (listing.seller !== seller)
    throw marketError("notSeller", `${seller} is not the seller of listing ${id}`);
  return listing;
}

/** Saves the listing and keeps the stake ranking in step: ranked exactly while active. */
export function saveListing(ctx: Context, listing: Listing, previous?: Listing): void {
  const store = ctx.store(STORE_NAME);
  if (previous?.status === "active") store.delete(rankKey(previous.stake.amount, previous.id));
  if (listing.status === "active") store.set(rankKey(listing.stake.amount, listing.id), INDEX_MARKER);
  store.set(listingKey(listing.id), listingCodec.encode(listing));
}

/** Writes a listing with its seller and device indexes (a new listing, or genesis import). */
export function insertListing(ctx: Context, listing: Listing): void {
  saveListing(ctx, listing);
  ctx.store(STORE_NAME).set(sellerIndexKey(listing.seller, listing.id), INDEX_MARKER);
  ctx.store(STORE_NAME).set(deviceIndexKey(listing.deviceId), encodeUint64(listing.id));
}

/** Deletes a listing with its ranking and indexes (withdrawn, or lost a dispute). */
export function removeListing(ctx: Context, listing: Listing): void {
  const store = ctx.store(STORE_NAME);
  if (listing.status === "active") store.delete(rankKey(listing.stake.amount, listing.id));
  store.delete(listingKey(listing.id));
  store.delete(sellerIndexKey(listing.seller, listing.id));
  store.delete(deviceIndexKey(listing.deviceId));
}

/** The id of the device's live listing, if it has one. */
export function listingIdOfDevice(ctx: Context, deviceId: string): bigint | undefined {
  const bytes = ctx.store(STORE_NAME).get(deviceIndexKey(deviceId));
  return bytes === undefined ? undefined : decodeUint64(bytes);
}

// ---- grants --------------------------------------------------------------------------------------

export function getGrant(ctx: Context, id: bigint): AccessGrant | undefined {
  const bytes = ctx.store(STORE_NAME).get(grantKey(id));
  return bytes === undefined ? undefined : grantCodec.decode(bytes);
}

/** Writes a grant with its buyer, access and purchase indexes (purchases and genesis import). */
export function insertGrant(ctx: Context, grant: AccessGrant): void {
  const store = ctx.store(STORE_NAME);
  store.set(grantKey(grant.id), grantCodec.encode(grant));
  store.set(buyerGrantKey(grant.buyer, grant.id), INDEX_MARKER);
  store.set(accessKey(grant.deviceId, grant.buyer, grant.endTime, grant.id), INDEX_MARKER);
  store.set(purchasedKey(grant.listingId, grant.buyer), INDEX_MARKER);
}

// ---- challenges, disputes, votes -----------------------------------------------------------------

export function saveChallenge(ctx: Context, challenge: Challenge): void {
  ctx
    .store(STORE_NAME)
    .set(challengeKey(challenge.listingId, challenge.challenger), challengeCodec.encode(challenge));
}

export function saveDispute(ctx: Context, dispute: Dispute): void {
  ctx.store(STORE_NAME).set(disputeKey(dispute.listingId), disputeCodec.encode(dispute));
}

export function saveVote(ctx: Context, vote: DisputeVote): void {
  ctx.store(STORE_NAME).set(voteKey(vote.listingId, vote.arbiter), voteCodec.encode(vote));
}

/** Open challenges of one listing (fewer than challenge_threshold ≤ 100, or the dispute's). */
export async function challengesOf(ctx: Context, id: bigint): Promise<Challenge[]> {
  const prefix = challengePrefix(id);
  const list: Challenge[] = [];
  for await (const [, value] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
    list.push(challengeCodec.decode(value));
  return list;
}

/** Votes on one dispute: at most one per current or former operator (MAX_VALIDATORS-bounded). */
export async function* votesOf(ctx: Context, id: bigint): AsyncIterable<DisputeVote> {
  const prefix = votePrefix(id);
  for await (const [, value] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
    yield voteCodec.decode(value);
}

// ---- whole-store iteration (genesis export, invariants) ------------------------------------------

/** Every record under one key prefix, decoded, in key order. */
export async function* recordsUnder<T>(
  ctx: Context,
  prefix: number,
  decode: (bytes: Uint8Array) => T,
): AsyncIterable<T> {
  const start = Uint8Array.of(prefix);
  for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
    yield decode(value);
}

/** Every (listing, buyer) purchase marker, as raw keys (invariants). */
export async function countPurchaseMarkers(ctx: Context): Promise<number> {
  const start = Uint8Array.of(PURCHASED_PREFIX);
  let count = 0;
  for await (const _ of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! })) count++;
  return count;
}
