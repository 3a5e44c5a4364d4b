// Typed verified queries of sensorchain's own modules: devices, escrows, identity tokens and meter
// commitments, one key each (module-records.ts, re-exported here) or as lists. Every record returned
// comes out of a store proof checked against a light-verified app hash (queries.ts); nothing the
// node says is returned unproven.
//
// Lists: the SMT hashes its keys, so there are no range proofs and a node could leave items out of a
// list. A list helper therefore asks the node's gRPC list query which items exist (at the same
// height), then proves every item's index entry and record and checks that the record matches the
// filter. What comes back is true; that it is all there is stays the node's word (`complete: false`).
import type { Timestamp } from "../chain/types/block.ts";
import { type Device, decodeDevice } from "../modules/device/codec.ts";
import { decodeEscrow, type Escrow } from "../modules/escrow/codec.ts";
import { toLong } from "../proto/canonical.ts";
import { sensorchain as devicePb } from "../proto/gen/device.js";
import { sensorchain as escrowPb } from "../proto/gen/escrow.js";
import { sensorchain as meterPb } from "../proto/gen/meter.js";
import type { LightClient } from "./client.ts";
import { LightClientError } from "./errors.ts";
import {
  addressBytes,
  checkDeviceId,
  commitmentStoreKey,
  DEVICE_STORE,
  deviceOwnerIndexKey,
  deviceStoreKey,
  ESCROW_STORE,
  escrowConsumerIndexKey,
  escrowStoreKey,
  METER_STORE,
} from "./keys.ts";
import { decodeCommitmentValue, decoding, provenAt, type VerifiedCommitment } from "./module-records.ts";
import { type QueryOptions, verifiedStateHeader } from "./queries.ts";
import { heightOf, type LightBlock } from "./types.ts";

export {
  decodeCommitmentValue,
  type Verified,
  type VerifiedCommitment,
  verifiedCommitment,
  verifiedDevice,
  verifiedEscrow,
  verifiedIdentityToken,
  verifiedIdentityTokenByOwner,
} from "./module-records.ts";

const big = (value: { toString(): string } | number | null | undefined): bigint =>
  value === null || value === undefined ? 0n : BigInt(value.toString());

/** Items proven per list call: each costs one or two proof round trips to the primary. */
export const MAX_VERIFIED_LIST_ITEMS = 100;

export interface VerifiedList<T> {
  items: T[];
  height: bigint;
  /** The node's next page key (base64 in gRPC terms), empty at the end. */
  nextKey: Uint8Array;
  /** Always false: which items exist is the node's word (no range proofs over hashed keys). */
  complete: false;
}

export interface ListOptions extends QueryOptions {
  /** Items per page, 1..MAX_VERIFIED_LIST_ITEMS (default MAX_VERIFIED_LIST_ITEMS). */
  limit?: number;
  /** A previous page's nextKey. */
  pageKey?: Uint8Array;
}

function pageRequest(options: ListOptions) {
  const limit = options.limit ?? MAX_VERIFIED_LIST_ITEMS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_VERIFIED_LIST_ITEMS)
    throw new LightClientError("query_failed", `limit must be 1..${MAX_VERIFIED_LIST_ITEMS}, got ${limit}`);
  return {
    limit,
    request: {
      limit: toLong(BigInt(limit)),
      ...(options.pageKey === undefined ? {} : { key: options.pageKey }),
    },
  };
}

/** Runs a gRPC list query at the state height `header` commits to (unverified: which items). */
async function listAt<T>(
  client: LightClient,
  header: LightBlock,
  path: string,
  request: Uint8Array,
  decode: (bytes: Uint8Array) => T,
): Promise<T> {
  const height = heightOf(header) - 1n;
  const response = await client.primary.abciQuery({ path, data: request, height, prove: false });
  if (response.code !== 0)
    throw new LightClientError("query_failed", `${path} failed with code ${response.code}: ${response.log}`, {
      abciCode: response.code,
      codespace: response.codespace,
    });
  if (response.height !== 0n && response.height !== height)
    throw new LightClientError(
      "proof_height_mismatch",
      `${path}: asked for ${height}, got ${response.height}`,
    );
  return decoding(path, () => decode(response.value));
}

async function proveItems<T>(
  ids: readonly string[],
  limit: number,
  prove: (id: string) => Promise<T>,
): Promise<T[]> {
  if (ids.length > limit)
    throw new LightClientError(
      "malformed_response",
      `the node listed ${ids.length} items for a page of ${limit}`,
    );
  if (new Set(ids).size !== ids.length)
    throw new LightClientError("malformed_response", "the node listed an item twice");
  const items: T[] = [];
  for (const id of ids) items.push(await prove(id));
  return items;
}

/** Devices of an owner: each owner index entry and device record proven; owner checked. */
export async function verifiedDevicesByOwner(
  client: LightClient,
  owner: string,
  now: Timestamp,
  options: ListOptions = {},
): Promise<VerifiedList<Device>> {
  const page = pageRequest(options);
  addressBytes(owner); // refuses a bad address before anything is asked
  const header = await verifiedStateHeader(client, now, options);
  const pb = devicePb.device.v1;
  const listed = await listAt(
    client,
    header,
    "/sensorchain.device.v1.Query/DevicesByOwner",
    pb.QueryDevicesByOwnerRequest.encode({ owner, pagination: page.request }).finish(),
    (bytes) => pb.QueryDevicesByOwnerResponse.decode(bytes),
  );
  const ids = (listed.devices ?? []).map((d) => checkDeviceId(d.id ?? ""));
  const items = await proveItems(ids, page.limit, async (id) => {
    const marker = await provenAt(client, header, DEVICE_STORE, deviceOwnerIndexKey(owner, id));
    const bytes = await provenAt(client, header, DEVICE_STORE, deviceStoreKey(id));
    if (marker === undefined || bytes === undefined)
      throw new LightClientError("malformed_response", `the node listed ${id}, proven not ${owner}'s`);
    const device = decoding("device", () => decodeDevice(bytes));
    if (device.owner !== owner)
      throw new LightClientError("malformed_response", `proven device ${id} belongs to ${device.owner}`);
    return device;
  });
  return {
    items,
    height: heightOf(header) - 1n,
    nextKey: listed.pagination?.nextKey ?? new Uint8Array(),
    complete: false,
  };
}

/** Escrows of a consumer: each consumer index entry and escrow proven; consumer checked. */
export async function verifiedEscrowsByConsumer(
  client: LightClient,
  consumer: string,
  now: Timestamp,
  options: ListOptions = {},
): Promise<VerifiedList<Escrow>> {
  const page = pageRequest(options);
  addressBytes(consumer);
  const header = await verifiedStateHeader(client, now, options);
  const pb = escrowPb.escrow.v1;
  const listed = await listAt(
    client,
    header,
    "/sensorchain.escrow.v1.Query/EscrowsByConsumer",
    pb.QueryEscrowsByConsumerRequest.encode({ consumer, pagination: page.request }).finish(),
    (bytes) => pb.QueryEscrowsByConsumerResponse.decode(bytes),
  );
  const ids = (listed.escrows ?? []).map((e) => big(e.id).toString());
  const items = await proveItems(ids, page.limit, async (text) => {
    const id = BigInt(text);
    const marker = await provenAt(client, header, ESCROW_STORE, escrowConsumerIndexKey(consumer, id));
    const bytes = await provenAt(client, header, ESCROW_STORE, escrowStoreKey(id));
    if (marker === undefined || bytes === undefined)
      throw new LightClientError(
        "malformed_response",
        `the node listed escrow ${id}, proven not ${consumer}'s`,
      );
    const escrow = decoding("escrow", () => decodeEscrow(bytes));
    if (escrow.consumer !== consumer || escrow.id !== id)
      throw new LightClientError("malformed_response", `proven escrow ${id} is not ${consumer}'s`);
    return escrow;
  });
  return {
    items,
    height: heightOf(header) - 1n,
    nextKey: listed.pagination?.nextKey ?? new Uint8Array(),
    complete: false,
  };
}

/** Final commitments of a device: each proven at its (device, day) key; device and day checked. */
export async function verifiedCommitmentsByDevice(
  client: LightClient,
  deviceId: string,
  now: Timestamp,
  options: ListOptions = {},
): Promise<VerifiedList<VerifiedCommitment>> {
  const page = pageRequest(options);
  checkDeviceId(deviceId);
  const header = await verifiedStateHeader(client, now, options);
  const pb = meterPb.meter.v1;
  const listed = await listAt(
    client,
    header,
    "/sensorchain.meter.v1.Query/CommitmentsByDevice",
    pb.QueryCommitmentsByDeviceRequest.encode({ deviceId, pagination: page.request }).finish(),
    (bytes) => pb.QueryCommitmentsByDeviceResponse.decode(bytes),
  );
  const days = (listed.commitments ?? []).map((c) => big(c.body?.day).toString());
  const items = await proveItems(days, page.limit, async (text) => {
    const day = BigInt(text);
    const bytes = await provenAt(client, header, METER_STORE, commitmentStoreKey(deviceId, day));
    if (bytes === undefined)
      throw new LightClientError(
        "malformed_response",
        `the node listed ${deviceId} day ${day}, proven not final`,
      );
    const commitment = decodeCommitmentValue(bytes);
    if (commitment.deviceId !== deviceId || commitment.day !== day)
      throw new LightClientError(
        "malformed_response",
        `proven commitment at ${deviceId} day ${day} is for another`,
      );
    return commitment;
  });
  return {
    items,
    height: heightOf(header) - 1n,
    nextKey: listed.pagination?.nextKey ?? new Uint8Array(),
    complete: false,
  };
}
