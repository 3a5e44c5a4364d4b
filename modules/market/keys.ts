// State layout of the market module in store "market" (README.md documents it byte by byte) and the
// bounds on what a listing, purchase or challenge may hold.
import { decodeAddress } from "../../chain/crypto/bech32.ts";
import { concatBytes } from "../../chain/crypto/hash.ts";
import { encodeUint64 } from "../auth/keys.ts";

export const MODULE_NAME = "market";
export const STORE_NAME = "market";
/** The consortium's platform pool: the same module account the escrow module pays its platform share
 * to, so one pool (spent by escrow's MsgSpendPlatformPool under the consortium authority) collects
 * every platform share of the chain. */
export const PLATFORM_POOL_MODULE = "escrow_platform_pool";

/** 0x00 → sensorchain.market.v1.Params. */
export const PARAMS_KEY = Uint8Array.of(0x00);
/** 0x01 → next listing id, uint64 big-endian; absent = 1. */
export const NEXT_LISTING_ID_KEY = Uint8Array.of(0x01);
/** 0x02 → next grant id, uint64 big-endian; absent = 1. */
export const NEXT_GRANT_ID_KEY = Uint8Array.of(0x02);
/** 0x03 | listing id (8, BE) → sensorchain.market.v1.Listing. */
export const LISTING_PREFIX = 0x03;
/** 0x04 | (2^256 - 1 - stake) (32, BE) | listing id (8, BE) → 0x01: active listings, highest stake first. */
export const RANK_PREFIX = 0x04;
/** 0x05 | len(seller) | seller bytes | listing id (8) → 0x01. */
export const SELLER_INDEX_PREFIX = 0x05;
/** 0x06 | len(device id) | device id (ASCII) → listing id (8): the device's one live listing. */
export const DEVICE_INDEX_PREFIX = 0x06;
/** 0x07 | grant id (8, BE) → sensorchain.market.v1.AccessGrant. */
export const GRANT_PREFIX = 0x07;
/** 0x08 | len(buyer) | buyer bytes | grant id (8) → 0x01. */
export const BUYER_GRANT_PREFIX = 0x08;
/** 0x09 | len(device id) | device id | len(buyer) | buyer bytes | end time (8, BE) | grant id (8) → 0x01. */
export const ACCESS_PREFIX = 0x09;
/** 0x0a | listing id (8) | len(buyer) | buyer bytes → 0x01: the buyer bought on this listing. */
export const PURCHASED_PREFIX = 0x0a;
/** 0x0b | listing id (8) | len(challenger) | challenger bytes → sensorchain.market.v1.Challenge. */
export const CHALLENGE_PREFIX = 0x0b;
/** 0x0c | listing id (8) → sensorchain.market.v1.Dispute (open disputes). */
export const DISPUTE_PREFIX = 0x0c;
/** 0x0d | listing id (8) | len(arbiter) | arbiter bytes → sensorchain.market.v1.DisputeVote. */
export const VOTE_PREFIX = 0x0d;

export const INDEX_MARKER = Uint8Array.of(0x01);

/** Basis points in a whole. */
export const BPS_DENOMINATOR = 10_000n;
/** Largest amount or price: 2^256 - 1, as sdk.Int; the rank key inverts stakes against it. */
export const MAX_AMOUNT = (1n << 256n) - 1n;
/** Periods one MsgBuyAccess may buy: 10,000 daily periods is 27 years, a typo guard. */
export const MAX_PERIODS_PER_PURCHASE = 10_000;
/** Longest access period: one year in seconds; the grant end must stay far from int64 overflow. */
export const MAX_PERIOD_SECONDS = 366n * 86_400n;
/** Challenge reasons are public and stored per challenger: a sentence, not a document. */
export const MAX_REASON_BYTES = 256;
/** Largest challenge threshold: a dispute resolution iterates every open challenge of the listing
 * inside one vote tx, whose sender pays that gas; 100 keeps it under ~1M gas. */
export const MAX_CHALLENGE_THRESHOLD = 100;
/** Longest delist cooldown: about a year of 1-second blocks, a typo guard. */
export const MAX_COOLDOWN_BLOCKS = 31_622_400n;

const ascii = new TextEncoder();

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(bytes.length), bytes);
}

export function listingKey(id: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(LISTING_PREFIX), encodeUint64(id));
}

/** 32 bytes that sort ascending as stakes sort descending. */
export function invertedStake(stake: bigint): Uint8Array {
  if (stake < 0n || stake > MAX_AMOUNT) throw new Error(`stake ${stake} out of range`);
  let inverted = MAX_AMOUNT - stake;
  const bytes = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    bytes[i] = Number(inverted & 0xffn);
    inverted >>= 8n;
  }
  return bytes;
}

export function rankKey(stake: bigint, id: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(RANK_PREFIX), invertedStake(stake), encodeUint64(id));
}

export function sellerPrefix(seller: string): Uint8Array {
  return concatBytes(Uint8Array.of(SELLER_INDEX_PREFIX), lengthPrefixed(decodeAddress(seller)));
}

export function sellerIndexKey(seller: string, id: bigint): Uint8Array {
  return concatBytes(sellerPrefix(seller), encodeUint64(id));
}

export function deviceIndexKey(deviceId: string): Uint8Array {
  return concatBytes(Uint8Array.of(DEVICE_INDEX_PREFIX), lengthPrefixed(ascii.encode(deviceId)));
}

export function grantKey(id: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(GRANT_PREFIX), encodeUint64(id));
}

export function buyerGrantPrefix(buyer: string): Uint8Array {
  return concatBytes(Uint8Array.of(BUYER_GRANT_PREFIX), lengthPrefixed(decodeAddress(buyer)));
}

export function buyerGrantKey(buyer: string, id: bigint): Uint8Array {
  return concatBytes(buyerGrantPrefix(buyer), encodeUint64(id));
}

/** Grants of one device, or of one (device, buyer) pair when `buyer` is given. */
export function accessPrefix(deviceId: string, buyer?: string): Uint8Array {
  const head = concatBytes(Uint8Array.of(ACCESS_PREFIX), lengthPrefixed(ascii.encode(deviceId)));
  return buyer === undefined ? head : concatBytes(head, lengthPrefixed(decodeAddress(buyer)));
}

export function accessKey(deviceId: string, buyer: string, endTime: bigint, id: bigint): Uint8Array {
  return concatBytes(accessPrefix(deviceId, buyer), encodeUint64(endTime), encodeUint64(id));
}

export function purchasedKey(listingId: bigint, buyer: string): Uint8Array {
  return concatBytes(
    Uint8Array.of(PURCHASED_PREFIX),
    encodeUint64(listingId),
    lengthPrefixed(decodeAddress(buyer)),
  );
}

export function purchasedPrefix(listingId: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(PURCHASED_PREFIX), encodeUint64(listingId));
}

export function challengePrefix(listingId: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(CHALLENGE_PREFIX), encodeUint64(listingId));
}

export function challengeKey(listingId: bigint, challenger: string): Uint8Array {
  return concatBytes(challengePrefix(listingId), lengthPrefixed(decodeAddress(challenger)));
}

export function disputeKey(listingId: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(DISPUTE_PREFIX), encodeUint64(listingId));
}

export function votePrefix(listingId: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(VOTE_PREFIX), encodeUint64(listingId));
}

export function voteKey(listingId: bigint, arbiter: string): Uint8Array {
  return concatBytes(votePrefix(listingId), lengthPrefixed(decodeAddress(arbiter)));
}

export { prefixEnd } from "../../chain/app/pagination.ts";
export { decodeUint64, encodeUint64 } from "../auth/keys.ts";
