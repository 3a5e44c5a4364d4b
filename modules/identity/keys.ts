// State layout of the identity module in store "identity" (README.md documents it byte by byte),
// and the bounds on what a token and a vote may hold.
import { decodeAddress } from "../../chain/crypto/bech32.ts";
import { concatBytes } from "../../chain/crypto/hash.ts";

export const MODULE_NAME = "identity";
export const STORE_NAME = "identity";

/** 0x00 → sensorchain.identity.v1.Params. */
export const PARAMS_KEY = Uint8Array.of(0x00);
/** 0x01 | token id (uint64 big-endian, 8 bytes) → sensorchain.identity.v1.IdentityToken. */
export const TOKEN_PREFIX = 0x01;
/** 0x02 | len(owner) | owner address bytes → token id (8 bytes BE): one token per address. */
export const OWNER_INDEX_PREFIX = 0x02;
/** 0x03 | binary CIDv1 (36 bytes) → token id (8 bytes BE): one token per profile CID. */
export const CID_INDEX_PREFIX = 0x03;
/** 0x04 → the next token id (8 bytes BE); absent = 1. */
export const NEXT_TOKEN_ID_KEY = Uint8Array.of(0x04);
/** 0x05 | token id (8 BE) | action (1 byte: 1 verify, 2 revoke) | len(voter) | voter bytes → Vote. */
export const VOTE_PREFIX = 0x05;

/** Revocation reasons are public, shown in CLIs and explorers: a sentence, not a document. */
export const MAX_REASON_BYTES = 256;
/** Params bound: the operator list is read on every vote; a consortium is tens of companies. */
export const MAX_OPERATORS = 256;
/** A base32 CIDv1 of a sha2-256 digest is 59 characters; anything longer is refused unparsed. */
export const MAX_CID_CHARS = 128;
/** Sector codes are 4 characters, as in device ids (modules/device/keys.ts). */
export const SECTOR_CODE_PATTERN = /^[A-Z0-9]{4}$/;

export function encodeTokenId(id: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, id);
  return bytes;
}

export function decodeTokenId(bytes: Uint8Array): bigint {
  if (bytes.length !== 8) throw new Error(`token id is 8 bytes, got ${bytes.length}`);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
}

export function tokenKey(id: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(TOKEN_PREFIX), encodeTokenId(id));
}

export function ownerIndexKey(owner: string): Uint8Array {
  const address = decodeAddress(owner);
  return concatBytes(Uint8Array.of(OWNER_INDEX_PREFIX, address.length), address);
}

export function cidIndexKey(cidBytes: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(CID_INDEX_PREFIX), cidBytes);
}

export const VOTE_ACTIONS = { verify: 1, revoke: 2 } as const;
export type VoteActionName = keyof typeof VOTE_ACTIONS;

/** Prefix of the votes on one token, or of one action's votes on it. */
export function votePrefix(id: bigint, action?: VoteActionName): Uint8Array {
  const head = concatBytes(Uint8Array.of(VOTE_PREFIX), encodeTokenId(id));
  return action === undefined ? head : concatBytes(head, Uint8Array.of(VOTE_ACTIONS[action]));
}

export function voteKey(id: bigint, action: VoteActionName, voter: string): Uint8Array {
  const address = decodeAddress(voter);
  return concatBytes(votePrefix(id, action), Uint8Array.of(address.length), address);
}

export { prefixEnd } from "../../chain/app/pagination.ts";
