// Typed verified records of sensorchain's own modules, one key each: devices, escrows, identity
// tokens and meter commitments. Every record returned comes out of a store proof checked against a
// light-verified app hash (queries.ts); a key can also be proven absent. Lists: module-queries.ts.
import type { Timestamp } from "../chain/types/block.ts";
import { type Device, decodeDevice } from "../modules/device/codec.ts";
import { decodeEscrow, type Escrow } from "../modules/escrow/codec.ts";
import { decodeToken, type IdentityToken } from "../modules/identity/codec.ts";
import { type Commitment, type CommitmentBody, decodeCommitment } from "../modules/meter/codec.ts";
import type { LightClient } from "./client.ts";
import { LightClientError } from "./errors.ts";
import {
  commitmentStoreKey,
  DEVICE_STORE,
  deviceStoreKey,
  ESCROW_STORE,
  escrowStoreKey,
  IDENTITY_STORE,
  METER_STORE,
  tokenOwnerIndexKey,
  tokenStoreKey,
} from "./keys.ts";
import { type QueryOptions, queryProven, verifiedStateHeader, verifyStoreResponse } from "./queries.ts";
import { heightOf, type LightBlock } from "./types.ts";

export interface Verified<T> {
  /** undefined when the key is proven absent. */
  value: T | undefined;
  /** State height the value belongs to. */
  height: bigint;
}

/** A meter commitment as stored (sensorchain.meter.v1.Commitment), its body's fields flattened in. */
export type VerifiedCommitment = CommitmentBody & Omit<Commitment, "body">;

/** Runs `decode` on proven bytes; a failure is the node's (malformed_response). */
export function decoding<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new LightClientError("malformed_response", `proven ${what} does not decode`, {}, { cause: error });
  }
}

/** A final commitment as stored, its body's fields flattened in. */
export function decodeCommitmentValue(bytes: Uint8Array): VerifiedCommitment {
  const { body, ...rest } = decoding("commitment", () => decodeCommitment(bytes));
  return { ...body, ...rest };
}

/** One proven key at the state committed by `header` (height − 1). */
export async function provenAt(
  client: LightClient,
  header: LightBlock,
  store: string,
  key: Uint8Array,
): Promise<Uint8Array | undefined> {
  const response = await queryProven(client.primary, store, key, heightOf(header) - 1n);
  return verifyStoreResponse(header, response, store, key);
}

async function single<T>(
  client: LightClient,
  store: string,
  key: Uint8Array,
  decode: (bytes: Uint8Array) => T,
  now: Timestamp,
  options: QueryOptions,
): Promise<Verified<T>> {
  const header = await verifiedStateHeader(client, now, options);
  const bytes = await provenAt(client, header, store, key);
  return { value: bytes === undefined ? undefined : decode(bytes), height: heightOf(header) - 1n };
}

export async function verifiedDevice(
  client: LightClient,
  deviceId: string,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<Verified<Device>> {
  const key = deviceStoreKey(deviceId);
  return single(client, DEVICE_STORE, key, (b) => decoding("device", () => decodeDevice(b)), now, options);
}

export async function verifiedEscrow(
  client: LightClient,
  id: bigint,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<Verified<Escrow>> {
  const key = escrowStoreKey(id);
  return single(client, ESCROW_STORE, key, (b) => decoding("escrow", () => decodeEscrow(b)), now, options);
}

export async function verifiedIdentityToken(
  client: LightClient,
  id: bigint,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<Verified<IdentityToken>> {
  const key = tokenStoreKey(id);
  return single(client, IDENTITY_STORE, key, (b) => decoding("token", () => decodeToken(b)), now, options);
}

/** The token an address holds: its owner index entry and the token, both proven at one height. */
export async function verifiedIdentityTokenByOwner(
  client: LightClient,
  owner: string,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<Verified<IdentityToken>> {
  const indexKey = tokenOwnerIndexKey(owner);
  const header = await verifiedStateHeader(client, now, options);
  const height = heightOf(header) - 1n;
  const idBytes = await provenAt(client, header, IDENTITY_STORE, indexKey);
  if (idBytes === undefined) return { value: undefined, height };
  if (idBytes.length !== 8)
    throw new LightClientError("malformed_response", "proven token owner index is not an 8-byte id");
  const id = new DataView(idBytes.buffer, idBytes.byteOffset, 8).getBigUint64(0);
  const tokenBytes = await provenAt(client, header, IDENTITY_STORE, tokenStoreKey(id));
  if (tokenBytes === undefined)
    throw new LightClientError("malformed_response", `proven owner index names token ${id}, proven absent`);
  const token = decoding("token", () => decodeToken(tokenBytes));
  if (token.owner !== owner)
    throw new LightClientError("malformed_response", `proven token ${id} belongs to ${token.owner}`);
  return { value: token, height };
}

/** The final commitment of a device-day; undefined (proven absent) while the day is not final. */
export async function verifiedCommitment(
  client: LightClient,
  deviceId: string,
  day: bigint,
  now: Timestamp,
  options: QueryOptions = {},
): Promise<Verified<VerifiedCommitment>> {
  return single(client, METER_STORE, commitmentStoreKey(deviceId, day), decodeCommitmentValue, now, options);
}
