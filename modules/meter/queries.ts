// gRPC-style queries of the meter module (abci_query "/sensorchain.meter.v1.Query/<Method>"), read at
// the asked committed height. Every key is also provable through "/store/meter/key" (README.md).
// Status reports powers from the poa store at the same height.
import { decodeGrpcRequest } from "../../chain/app/grpc.ts";
import type { QueryContext, QueryHandler, QueryStore } from "../../chain/app/module.ts";
import { paginate } from "../../chain/app/pagination.ts";
import { encodeCanonical, toLong } from "../../proto/canonical.ts";
import type { sensorchain } from "../../proto/gen/meter.js";
import { pageRequest, pageResponse } from "../proto-values.ts";
import { pb } from "./codec.ts";
import { meterError } from "./errors.ts";
import {
  COMMITMENT_PREFIX,
  CONFLICT_PREFIX,
  candidatePrefix,
  commitmentKey,
  devicePart,
  parseConflictKey,
  prefixEnd,
  STORE_NAME,
} from "./keys.ts";
import { checkDay, checkDeviceId } from "./validation.ts";

/** Current powers by operator, read from committed poa state (what the keeper's finality uses). */
export type PowerReader = (ctx: QueryContext) => Promise<{ total: bigint; byOperator: Map<string, bigint> }>;

async function candidatesOf(store: QueryStore, deviceId: string, day: bigint) {
  const prefix = candidatePrefix(deviceId, day);
  const list: sensorchain.meter.v1.Candidate[] = [];
  for await (const [, value] of store.iterate({ start: prefix, end: prefixEnd(prefix)! }))
    list.push(pb.Candidate.decode(value));
  return list;
}

async function commitment(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryCommitmentRequest, data);
  const deviceId = checkDeviceId(request.deviceId);
  const day = checkDay(request.day);
  const bytes = await ctx.store(STORE_NAME).get(commitmentKey(deviceId, day));
  if (bytes === undefined) throw meterError("commitmentNotFound", `${deviceId} day ${day}`);
  return encodeCanonical(pb.QueryCommitmentResponse, { commitment: pb.Commitment.decode(bytes) });
}

async function byDevice(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryCommitmentsByDeviceRequest, data);
  const deviceId = checkDeviceId(request.deviceId);
  const commitments: sensorchain.meter.v1.Commitment[] = [];
  const page = await paginate(
    ctx.store(STORE_NAME),
    devicePart(COMMITMENT_PREFIX, deviceId),
    pageRequest(request.pagination),
    (_, value) => void commitments.push(pb.Commitment.decode(value)),
  );
  return encodeCanonical(pb.QueryCommitmentsByDeviceResponse, {
    commitments,
    pagination: pageResponse(page),
  });
}

async function conflicts(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryConflictsRequest, data);
  const store = ctx.store(STORE_NAME);
  const days: { deviceId: string; day: bigint }[] = [];
  const prefix = Uint8Array.of(CONFLICT_PREFIX);
  const page = await paginate(store, prefix, pageRequest(request.pagination), (suffix) => {
    days.push(parseConflictKey(Uint8Array.of(CONFLICT_PREFIX, ...suffix)));
  });
  const list = [];
  for (const { deviceId, day } of days)
    list.push({ deviceId, day: Number(day), candidates: await candidatesOf(store, deviceId, day) });
  return encodeCanonical(pb.QueryConflictsResponse, { conflicts: list, pagination: pageResponse(page) });
}

function status(powers: PowerReader): QueryHandler {
  return async (ctx, data) => {
    const request = decodeGrpcRequest(pb.QueryStatusRequest, data);
    const deviceId = checkDeviceId(request.deviceId);
    const day = checkDay(request.day);
    const store = ctx.store(STORE_NAME);
    const { total, byOperator } = await powers(ctx);
    const candidates = (await candidatesOf(store, deviceId, day)).map((candidate) => ({
      candidate,
      attestedPower: toLong(candidate.attesters.reduce((sum, a) => sum + (byOperator.get(a) ?? 0n), 0n)),
    }));
    const bytes = await store.get(commitmentKey(deviceId, day));
    return encodeCanonical(pb.QueryStatusResponse, {
      final: bytes !== undefined,
      totalPower: toLong(total),
      candidates,
      ...(bytes === undefined ? {} : { commitment: pb.Commitment.decode(bytes) }),
    });
  };
}

export function meterQueries(powers: PowerReader): Record<string, QueryHandler> {
  return {
    "/sensorchain.meter.v1.Query/Commitment": commitment,
    "/sensorchain.meter.v1.Query/CommitmentsByDevice": byDevice,
    "/sensorchain.meter.v1.Query/Conflicts": conflicts,
    "/sensorchain.meter.v1.Query/Status": status(powers),
  };
}
