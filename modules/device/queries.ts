// gRPC-style queries of the device module (abci_query "/sensorchain.device.v1.Query/<Method>").
// Each reads committed state at the asked height; raw keys are also readable with proofs through
// "/store/device/key" (README.md, State).
import { decodeGrpcRequest } from "../../chain/app/grpc.ts";
import type { QueryContext, QueryHandler, QueryStore } from "../../chain/app/module.ts";
import { paginate } from "../../chain/app/pagination.ts";
import { encodeCanonical } from "../../proto/canonical.ts";
import type { sensorchain } from "../../proto/gen/device.js";
import { pageRequest, pageResponse } from "../proto-values.ts";
import { countsToProto, decodeCounts, decodeParams, pb } from "./codec.ts";
import { deviceError } from "./errors.ts";
import {
  deviceKey,
  ownerPrefix,
  PARAMS_KEY,
  SECTOR_CODE_PATTERN,
  STORE_NAME,
  sectorCountsKey,
  sharedPrefix,
  TOTAL_COUNTS_KEY,
} from "./keys.ts";
import { DEFAULT_SECTOR_CODES } from "./sectors.ts";
import { checkAddress, checkDeviceId } from "./validation.ts";

const ascii = new TextDecoder();

function checkSector(sector: string): void {
  if (sector !== "" && !SECTOR_CODE_PATTERN.test(sector))
    throw deviceError("unknownSector", `${JSON.stringify(sector)} is not a 4-character sector code`);
}

/** Stored device messages for ids collected from an index page (index values carry no data). */
async function devicesById(store: QueryStore, ids: string[]): Promise<sensorchain.device.v1.IDevice[]> {
  const devices: sensorchain.device.v1.IDevice[] = [];
  for (const id of ids) {
    const bytes = await store.get(deviceKey(id));
    if (bytes === undefined) throw new Error(`index names device ${id}, which is not stored`);
    devices.push(pb.Device.decode(bytes));
  }
  return devices;
}

async function device(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryDeviceRequest, data);
  const id = checkDeviceId(request.deviceId);
  const bytes = await ctx.store(STORE_NAME).get(deviceKey(id));
  if (bytes === undefined) throw deviceError("deviceNotFound", `device ${id}`);
  return encodeCanonical(pb.QueryDeviceResponse, { device: pb.Device.decode(bytes) });
}

async function devicesByOwner(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryDevicesByOwnerRequest, data);
  const owner = checkAddress(request.owner, "owner");
  const store = ctx.store(STORE_NAME);
  const ids: string[] = [];
  const page = await paginate(store, ownerPrefix(owner), pageRequest(request.pagination), (id) => {
    ids.push(ascii.decode(id));
  });
  return encodeCanonical(pb.QueryDevicesByOwnerResponse, {
    devices: await devicesById(store, ids),
    pagination: pageResponse(page),
  });
}

async function sharedDevices(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QuerySharedDevicesRequest, data);
  checkSector(request.sector);
  const prefix = sharedPrefix(request.sector);
  const store = ctx.store(STORE_NAME);
  const ids: string[] = [];
  // Keys are relative to the prefix: re-attach the sector part a sector filter cut off.
  const head = request.sector === "" ? "" : `${request.sector}_`;
  const page = await paginate(store, prefix, pageRequest(request.pagination), (suffix) => {
    ids.push(head + ascii.decode(suffix));
  });
  return encodeCanonical(pb.QuerySharedDevicesResponse, {
    devices: await devicesById(store, ids),
    pagination: pageResponse(page),
  });
}

async function deviceCounts(ctx: QueryContext, data: Uint8Array): Promise<Uint8Array> {
  const request = decodeGrpcRequest(pb.QueryDeviceCountsRequest, data);
  checkSector(request.sector);
  const key = request.sector === "" ? TOTAL_COUNTS_KEY : sectorCountsKey(request.sector);
  const counts = decodeCounts(await ctx.store(STORE_NAME).get(key));
  return encodeCanonical(pb.QueryDeviceCountsResponse, { counts: countsToProto(counts) });
}

async function params(ctx: QueryContext): Promise<Uint8Array> {
  const bytes = await ctx.store(STORE_NAME).get(PARAMS_KEY);
  const value = bytes === undefined ? { sectorCodes: [...DEFAULT_SECTOR_CODES] } : decodeParams(bytes);
  return encodeCanonical(pb.QueryParamsResponse, { params: value });
}

export const deviceQueries: Record<string, QueryHandler> = {
  "/sensorchain.device.v1.Query/Device": device,
  "/sensorchain.device.v1.Query/DevicesByOwner": devicesByOwner,
  "/sensorchain.device.v1.Query/SharedDevices": sharedDevices,
  "/sensorchain.device.v1.Query/DeviceCounts": deviceCounts,
  "/sensorchain.device.v1.Query/Params": params,
};
