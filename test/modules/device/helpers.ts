// Fixtures of the device module tests: an app with auth + bank + device on the real store (temp
// LevelDB), txs signed by cosmjs with the project's client registry, device keys from fixed seeds.

import type { EncodeObject } from "@cosmjs/proto-signing";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { ExecutionContext } from "ava";
import { KeyType, PricingUnit, device as pb } from "../../../client/index.ts";
import { authModule } from "../../../modules/auth/module.ts";
import { bankModule } from "../../../modules/bank/module.ts";
import { deviceModule } from "../../../modules/device/module.ts";
import type { ProtoEncoder } from "../../../proto/canonical.ts";
import {
  type ModuleTxRunner,
  moduleTxRunner,
  startApp,
  type TestApp,
  type TestAppOptions,
} from "../../helpers/app.ts";

export interface DeviceTestApp extends TestApp, ModuleTxRunner {
  signDevice(from: string, msgs: EncodeObject[], sequence?: number): Promise<Uint8Array>;
  queryDevice<T>(method: string, request: object, type: { decode(bytes: Uint8Array): T }): Promise<T>;
}

const REQUEST_TYPES: Record<string, ProtoEncoder<object>> = {
  Device: pb.QueryDeviceRequest,
  DevicesByOwner: pb.QueryDevicesByOwnerRequest,
  SharedDevices: pb.QuerySharedDevicesRequest,
  DeviceCounts: pb.QueryDeviceCountsRequest,
  Params: pb.QueryParamsRequest,
};

export async function startDeviceApp(
  t: ExecutionContext,
  options: Omit<TestAppOptions, "modules"> = {},
): Promise<DeviceTestApp> {
  const a = await startApp(t, { ...options, modules: [authModule(), bankModule(), deviceModule()] });
  const { sign, ask, run, runMany, queryError } = await moduleTxRunner(
    a,
    "/sensorchain.device.v1.Query",
    REQUEST_TYPES,
  );
  return Object.assign(a, { signDevice: sign, queryDevice: ask, run, runMany, queryError });
}

function seed(label: string): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set(new TextEncoder().encode(label).subarray(0, 31));
  bytes[31] = 1;
  return bytes;
}

/** Fixed device keys of each type, by label. */
export function ed25519Key(label: string): { type: number; key: Uint8Array } {
  return { type: KeyType.KEY_TYPE_ED25519, key: ed25519.getPublicKey(seed(label)) };
}
export function secp256k1Key(label: string): { type: number; key: Uint8Array } {
  return { type: KeyType.KEY_TYPE_SECP256K1, key: secp256k1.getPublicKey(seed(label), true) };
}
export function p256Key(label: string): { type: number; key: Uint8Array } {
  return { type: KeyType.KEY_TYPE_P256, key: p256.getPublicKey(seed(label), true) };
}

export const METADATA = { model: "SmartMeter 3000", unit: "kWh", locationHint: "Berlin, DE" };

export function registerMsg(
  owner: string,
  deviceId: string,
  overrides: { publicKey?: object; metadata?: object } = {},
): EncodeObject {
  return {
    typeUrl: "/sensorchain.device.v1.MsgRegisterDevice",
    value: {
      owner,
      deviceId,
      publicKey: overrides.publicKey ?? ed25519Key(deviceId),
      metadata: overrides.metadata ?? METADATA,
    },
  };
}

export function shareMsg(
  owner: string,
  deviceId: string,
  amount = "100",
  unit = PricingUnit.PRICING_UNIT_PER_DAY,
): EncodeObject {
  return {
    typeUrl: "/sensorchain.device.v1.MsgShareDevice",
    value: { owner, deviceId, terms: { unit, price: { denom: "usensor", amount } } },
  };
}

export function ownerMsg(verb: string, owner: string, deviceId: string, extra: object = {}): EncodeObject {
  return { typeUrl: `/sensorchain.device.v1.Msg${verb}`, value: { owner, deviceId, ...extra } };
}

/** The log prefix of a failed message (the first of its tx). */
export const EXEC_PREFIX = /^failed to execute message; message index: 0: /;

export async function getDevice(a: DeviceTestApp, deviceId: string) {
  return (await a.queryDevice("Device", { deviceId }, pb.QueryDeviceResponse)).device!;
}

/** The device counters (of one sector, or of all), as numbers. */
export async function counts(a: DeviceTestApp, sector = "") {
  const c = (await a.queryDevice("DeviceCounts", { sector }, pb.QueryDeviceCountsResponse)).counts!;
  return {
    total: Number(c.total ?? 0),
    active: Number(c.active ?? 0),
    retired: Number(c.retired ?? 0),
    shared: Number(c.shared ?? 0),
  };
}

export function expectFailure(
  t: ExecutionContext,
  result: { code: number; codespace: string; log: string },
  code: number,
  codespace: string,
  log: RegExp,
) {
  t.is(result.code, code, result.log);
  t.is(result.codespace, codespace);
  t.regex(result.log, log);
}
