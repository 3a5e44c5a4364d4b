// Repair: one device's UTC day of readings, fetched from other validators by request/response
// (protocol /sensorchain/<chain-id>/readings-repair/1; RepairRequest → RepairResponse, one
// length-prefixed protobuf each way). The server reads its reading store and answers validators only
// (readings are not public: consumers go through entitlements). The client pages through each
// connected validator peer's copy, checks every reading (checkReplicatedReading with the expected
// device and day) and stores the missing ones.

import type { Logger } from "../../chain/node.ts";
import type { P2PHost } from "../../chain/p2p/host.ts";
import { DEVICE_ID_PATTERN } from "../../modules/device/keys.ts";
import type { Reading } from "../../modules/meter/reading.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import { decodeReadingPayload } from "../reading-codec.ts";
import type { ReadingStore, ReplicatedReading } from "../reading-store.ts";
import type { DeviceRegistry } from "../registry.ts";
import { pb } from "./batch-codec.ts";
import type { ReplicationCounters } from "./counters.ts";
import {
  type ReadingDrop,
  RepairFailed,
  RepairResponseRejected,
  ReplicatedReadingDropped,
} from "./errors.ts";
import {
  MAX_DAY,
  MAX_REPAIR_INBOUND_STREAMS,
  MAX_REPAIR_PAGES,
  MAX_REPAIR_READINGS,
  MAX_REPAIR_REQUEST_BYTES,
  MAX_REPAIR_RESPONSE_BYTES,
  MAX_REPLICATED_READING_BYTES,
  REPAIR_REQUEST_TIMEOUT_MS,
} from "./limits.ts";
import { checkContext, checkReplicatedReading, type VerifyDeviceSignature } from "./replicated-reading.ts";

/** Drops that say nothing about the reading: the page is retried from the next peer instead. */
const TRANSIENT_DROPS = new Set<ReadingDrop>(["registry_unavailable", "verifier_unavailable"]);

export interface RepairRequest {
  deviceId: string;
  day: bigint;
  afterSequence: bigint;
  /** 1..MAX_REPAIR_READINGS; 0 asks for the server's maximum. */
  limit: number;
}

export interface RepairResponse {
  readings: Uint8Array[];
  more: boolean;
}

export function encodeRepairRequest(request: RepairRequest): Uint8Array {
  return encodeCanonical(pb.RepairRequest, {
    deviceId: request.deviceId,
    day: toLong(request.day),
    afterSequence: toLong(request.afterSequence),
    limit: request.limit,
  });
}

const badRequest = (message: string) => new RepairFailed("bad_request", message);

/** Decodes and checks a request: a device id, a day that fits the store's keys, a limit in range. */
export function decodeRepairRequest(bytes: Uint8Array): RepairRequest {
  if (bytes.length > MAX_REPAIR_REQUEST_BYTES) throw badRequest(`request of ${bytes.length} bytes`);
  let message: ReturnType<typeof pb.RepairRequest.decode>;
  try {
    message = pb.RepairRequest.decode(bytes);
  } catch {
    throw badRequest("not a sensorchain.bridge.v1.RepairRequest");
  }
  const request: RepairRequest = {
    deviceId: message.deviceId ?? "",
    day: BigInt((message.day ?? 0).toString()),
    afterSequence: BigInt((message.afterSequence ?? 0).toString()),
    limit: message.limit ?? 0,
  };
  if (!DEVICE_ID_PATTERN.test(request.deviceId)) throw badRequest("device_id is not a device id");
  if (request.day > MAX_DAY) throw badRequest(`day ${request.day} is out of range`);
  if (request.limit > MAX_REPAIR_READINGS)
    throw badRequest(`limit ${request.limit} is above ${MAX_REPAIR_READINGS}`);
  return request;
}

export function encodeRepairResponse(response: RepairResponse): Uint8Array {
  return encodeCanonical(pb.RepairResponse, response);
}

/** Decodes a peer's answer to a request for at most `limit` readings; throws RepairResponseRejected. */
export function decodeRepairResponse(bytes: Uint8Array, limit: number): RepairResponse {
  let message: ReturnType<typeof pb.RepairResponse.decode>;
  try {
    message = pb.RepairResponse.decode(bytes);
  } catch {
    throw new RepairResponseRejected("malformed", "not a sensorchain.bridge.v1.RepairResponse");
  }
  const readings = message.readings ?? [];
  if (readings.length > limit)
    throw new RepairResponseRejected("too_many_readings", `${readings.length} readings, asked for ${limit}`);
  for (const reading of readings)
    if (reading.length === 0 || reading.length > MAX_REPLICATED_READING_BYTES)
      throw new RepairResponseRejected("bad_reading_size", `a reading of ${reading.length} bytes`);
  return { readings, more: message.more === true };
}

export interface RepairServerOptions {
  host: Pick<P2PHost, "handle">;
  protocol: string;
  store: ReadingStore;
  isValidatorPeer(peerId: string): boolean;
  counters: ReplicationCounters;
}

/** Serves repair requests of validator peers from the reading store. */
export async function serveRepair(options: RepairServerOptions): Promise<void> {
  const { counters } = options;
  await options.host.handle(
    options.protocol,
    MAX_REPAIR_REQUEST_BYTES,
    MAX_REPAIR_INBOUND_STREAMS,
    async (bytes, from) => {
      // Throwing aborts the stream: the client sees the peer fail and asks another.
      if (!options.isValidatorPeer(from)) {
        counters.repairRequestsRefused++;
        throw new RepairFailed("bad_request", `peer ${from} is not a validator`);
      }
      let request: RepairRequest;
      try {
        request = decodeRepairRequest(bytes);
      } catch (error) {
        counters.repairRequestsRefused++;
        throw error;
      }
      const limit = request.limit === 0 ? MAX_REPAIR_READINGS : request.limit;
      const page = await options.store.dayReadingsAfter(
        request.deviceId,
        request.day,
        request.afterSequence,
        limit,
      );
      counters.repairRequestsServed++;
      return encodeRepairResponse({ readings: page.readings, more: page.more });
    },
  );
}

export interface RepairClientOptions {
  host: Pick<P2PHost, "request" | "peers">;
  protocol: string;
  store: ReadingStore;
  registry: DeviceRegistry;
  verify: VerifyDeviceSignature;
  isValidatorPeer(peerId: string): boolean;
  counters: ReplicationCounters;
  logger: Logger;
  now: () => number;
}

export class RepairClient {
  readonly #o: RepairClientOptions;

  constructor(options: RepairClientOptions) {
    this.#o = options;
  }

  /** Fetches `deviceId`'s UTC `day` from every connected validator peer and stores the readings this
   * node lacks; resolves with how many it added. Throws RepairFailed("no_peers") when no validator
   * peer answered, "bad_request" for an id or day no request can carry. */
  async repairDay(deviceId: string, day: bigint, signal?: AbortSignal): Promise<number> {
    if (!DEVICE_ID_PATTERN.test(deviceId)) throw badRequest(`${JSON.stringify(deviceId)} is not a device id`);
    if (day < 0n || day > MAX_DAY) throw badRequest(`day ${day} is out of range`);
    const peers = this.#o.host
      .peers()
      .map((peer) => peer.nodeId)
      .filter((peerId) => this.#o.isValidatorPeer(peerId));
    this.#o.counters.repairsRun++;
    let added = 0;
    let answered = 0;
    for (const peer of peers) {
      signal?.throwIfAborted();
      try {
        added += await this.#repairFrom(peer, deviceId, day, signal);
        answered++;
      } catch (error) {
        if (signal?.aborted) throw error;
        this.#o.counters.repairPeerFailures++;
        this.#o.logger.warn(
          { peer, device: deviceId, day: Number(day), err: error },
          "repair from peer failed",
        );
      }
    }
    this.#o.counters.repairReadingsAdded += added;
    if (answered === 0)
      throw new RepairFailed("no_peers", `no validator peer answered (${peers.length} asked)`);
    return added;
  }

  async #repairFrom(
    peer: string,
    deviceId: string,
    day: bigint,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    let added = 0;
    let afterSequence = 0n;
    for (let page = 0; page < MAX_REPAIR_PAGES; page++) {
      const timeout = AbortSignal.timeout(REPAIR_REQUEST_TIMEOUT_MS);
      const bytes = await this.#o.host.request(
        peer,
        this.#o.protocol,
        encodeRepairRequest({ deviceId, day, afterSequence, limit: MAX_REPAIR_READINGS }),
        MAX_REPAIR_RESPONSE_BYTES,
        signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      );
      const response = decodeRepairResponse(bytes, MAX_REPAIR_READINGS);
      // What this node has already (the same bytes) needs no signature check: a repair usually
      // fills a small gap, and every further peer answers with the same readings.
      const known = response.readings.map((reading) => this.#storedSequence(reading, deviceId));
      const context = checkContext(this.#o.registry, this.#o.verify, this.#o.now());
      const expect = { deviceId, day };
      const results = await Promise.allSettled(
        response.readings.map((reading, i) =>
          known[i] === undefined ? checkReplicatedReading(reading, context, expect) : undefined,
        ),
      );
      const checked: ReplicatedReading[] = [];
      let progressed = false;
      for (const [i, result] of results.entries()) {
        let sequence = known[i];
        if (sequence === undefined) {
          if (result.status === "rejected") {
            if (!(result.reason instanceof ReplicatedReadingDropped)) throw result.reason;
            // Registry or verifier unavailable: this peer's answer cannot be used in full now.
            if (TRANSIENT_DROPS.has(result.reason.code)) throw result.reason;
            this.#o.counters.readingsDropped[result.reason.code]++;
            continue;
          }
          const value = result.value!;
          sequence = value.reading.sequence;
          checked.push(value);
        }
        // Pages come in sequence order; a peer that goes backwards would page forever.
        if (sequence <= afterSequence)
          throw new RepairResponseRejected("out_of_order", "repair page out of sequence order");
        afterSequence = sequence;
        progressed = true;
      }
      if (checked.length > 0) added += await this.#o.store.appendReplicated(checked);
      if (!response.more || !progressed) return added;
    }
    return added;
  }

  /** The sequence of a reading of `deviceId` this node stores with the same bytes, else undefined. */
  #storedSequence(bytes: Uint8Array, deviceId: string): bigint | undefined {
    let reading: Reading;
    try {
      reading = decodeReadingPayload(bytes);
    } catch {
      return undefined; // the full check names the problem
    }
    if (reading.deviceId !== deviceId) return undefined;
    return this.#o.store.hasReading(deviceId, reading.sequence, bytes) ? reading.sequence : undefined;
  }
}
