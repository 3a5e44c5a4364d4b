// gRPC-style queries of the escrow module (abci_query "/sensorchain.escrow.v1.Query/<Method>"), read
// at the asked committed height. Every key is also provable through "/store/escrow/key" (README.md).
import type { PageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import { sdkError } from "../../chain/app/errors.ts";
import { decodeGrpcRequest } from "../../chain/app/grpc.ts";
import type { QueryContext, QueryHandler, QueryStore } from "../../chain/app/module.ts";
import { paginate } from "../../chain/app/pagination.ts";
import { encodeCanonical } from "../../proto/canonical.ts";
import { moduleAddress } from "../auth/keys.ts";
import { pageRequest, pageResponse, toBigInt } from "../proto-values.ts";
import { DEFAULT_PARAMS, decodeParams, paramsToProto, pb } from "./codec.ts";
import { escrowError } from "./errors.ts";
import {
  AUTHORITY_KEY,
  COMMAND_INDEX_PREFIX,
  consumerPrefix,
  decodeUint64,
  devicePrefix,
  earningsPrefix,
  encodeUint64,
  escrowKey,
  PARAMS_KEY,
  PLATFORM_POOL_MODULE,
  prefixEnd,
  STORE_NAME,
} from "./keys.ts";
import { checkAddress, checkDeviceId, checkEscrowId } from "./validation.ts";

const ascii = new TextDecoder();

/** Escrows of an index page (every index key ends in the 8-byte id), in index order. */
async function escrowsOf(store: QueryStore, prefix: Uint8Array, page: PageRequest) {
  const ids: bigint[] = [];
  const response = await paginate(
    store,
    prefix,
    page,
    (suffix) => void ids.push(decodeUint64(suffix.subarray(suffix.length - 8))),
  );
  const escrows = [];
  for (const id of ids) {
    const bytes = await store.get(escrowKey(id));
    if (bytes === undefined) throw new Error(`index names escrow ${id}, which is not stored`);
    escrows.push(pb.Escrow.decode(bytes));
  }
  return { escrows, pagination: pageResponse(response) };
}

async function escrow(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryEscrowRequest, data);
  const id = checkEscrowId(request.escrowId);
  const bytes = await ctx.store(STORE_NAME).get(escrowKey(id));
  if (bytes === undefined) throw escrowError("escrowNotFound", `escrow ${id}`);
  return encodeCanonical(pb.QueryEscrowResponse, { escrow: pb.Escrow.decode(bytes) });
}

async function byConsumer(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryEscrowsByConsumerRequest, data);
  const consumer = checkAddress(request.consumer, "consumer");
  const page = await escrowsOf(
    ctx.store(STORE_NAME),
    consumerPrefix(consumer),
    pageRequest(request.pagination),
  );
  return encodeCanonical(pb.QueryEscrowsByConsumerResponse, page);
}

async function byDevice(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryEscrowsByDeviceRequest, data);
  const deviceId = checkDeviceId(request.deviceId);
  const page = await escrowsOf(
    ctx.store(STORE_NAME),
    devicePrefix(deviceId),
    pageRequest(request.pagination),
  );
  return encodeCanonical(pb.QueryEscrowsByDeviceResponse, page);
}

async function earnings(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryEarningsRequest, data);
  const prefix = earningsPrefix(checkAddress(request.address, "address"));
  const amount: { denom: string; amount: string }[] = [];
  for await (const [key, value] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
    amount.push({ denom: ascii.decode(key.subarray(prefix.length)), amount: ascii.decode(value) });
  return encodeCanonical(pb.QueryEarningsResponse, { amount });
}

async function params(ctx: QueryContext): Promise<Uint8Array> {
  const bytes = await ctx.store(STORE_NAME).get(PARAMS_KEY);
  const authority = await ctx.store(STORE_NAME).get(AUTHORITY_KEY);
  return encodeCanonical(pb.QueryParamsResponse, {
    params: paramsToProto(bytes === undefined ? DEFAULT_PARAMS : decodeParams(bytes)),
    authority: authority === undefined ? "" : ascii.decode(authority),
    platformPool: moduleAddress(PLATFORM_POOL_MODULE),
  });
}

/** Escrows whose command window ends after `ends_after`, by end time then id. Key pages only: the
 * next_key is relative to the index prefix (0x08); without one the page starts at the first window
 * ending after `ends_after`. */
async function activeCommands(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryActiveCommandsRequest, data);
  const endsAfter = toBigInt(request.endsAfter);
  const page = pageRequest(request.pagination);
  if (page.offset > 0n || page.reverse || page.countTotal)
    throw sdkError("invalidRequest", "ActiveCommands pages by key only (no offset, reverse or count_total)");
  const from = endsAfter < 0n ? 0n : endsAfter + 1n;
  const key = page.key.length > 0 ? page.key : encodeUint64(from);
  return encodeCanonical(
    pb.QueryActiveCommandsResponse,
    await escrowsOf(ctx.store(STORE_NAME), Uint8Array.of(COMMAND_INDEX_PREFIX), { ...page, key }),
  );
}

export const escrowQueries: Record<string, QueryHandler> = {
  "/sensorchain.escrow.v1.Query/Escrow": escrow,
  "/sensorchain.escrow.v1.Query/EscrowsByConsumer": byConsumer,
  "/sensorchain.escrow.v1.Query/EscrowsByDevice": byDevice,
  "/sensorchain.escrow.v1.Query/Earnings": earnings,
  "/sensorchain.escrow.v1.Query/Params": params,
  "/sensorchain.escrow.v1.Query/ActiveCommands": activeCommands,
};
