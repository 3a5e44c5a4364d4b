// Fixtures of the device module tests: an app with auth + bank + device on the real store (temp
// LevelDB), txs signed by cosmjs with the project's client registry, device keys from fixed seeds.

import type { EncodeObject } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { ExecutionContext } from "ava";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { ExecTxResult } from "../../../chain/app/abci.ts";
import { createRegistry, KeyType, PricingUnit, device as pb } from "../../../client/index.ts";
import { authModule } from "../../../modules/auth/module.ts";
import { bankModule } from "../../../modules/bank/module.ts";
import { deviceModule } from "../../../modules/device/module.ts";
import { CHAIN_ID, fee, startApp, type TestApp, type TestAppOptions } from "../../helpers/app.ts";

export interface DeviceTestApp extends TestApp {
  /** Signs msgs from `from` (next sequence), runs them in one block, returns the tx result. */
  run(from: string, msgs: EncodeObject[]): Promise<ExecTxResult>;
  /** Several txs (each one signer's msgs) in one block. */
  runMany(txs: { from: string; msgs: EncodeObject[] }[]): Promise<ExecTxResult[]>;
  signDevice(from: string, msgs: EncodeObject[], sequence?: number): Promise<Uint8Array>;
  queryDevice<T>(method: string, request: object, type: { decode(bytes: Uint8Array): T }): Promise<T>;
  queryError(method: string, request: object): Promise<{ code: number; codespace: string; log: string }>;
}

const REQUEST_TYPES: Record<string, { encode(message: object): { finish(): Uint8Array } }> = {
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
  const client = await SigningStargateClient.offline(a.w.wallet, { registry: createRegistry() });
  const signDevice = async (from: string, msgs: EncodeObject[], sequence?: number) => {
    const known = await a.accountOf(from);
    const raw = await client.sign(from, msgs, fee(10_000, 400_000), "", {
      accountNumber: BigInt(known?.accountNumber ?? 0),
      sequence: sequence ?? known?.sequence ?? 0,
      chainId: CHAIN_ID,
    });
    return TxRaw.encode(raw).finish();
  };
  const device: DeviceTestApp = Object.assign(a, {
    signDevice,
    async run(from: string, msgs: EncodeObject[]) {
      const [result] = await a.block([await signDevice(from, msgs)]);
      return result!;
    },
    async runMany(txs: { from: string; msgs: EncodeObject[] }[]) {
      const sequences = new Map<string, number>();
      const signed: Uint8Array[] = [];
      for (const tx of txs) {
        const sequence = sequences.get(tx.from) ?? (await a.accountOf(tx.from))?.sequence ?? 0;
        sequences.set(tx.from, sequence + 1);
        signed.push(await signDevice(tx.from, tx.msgs, sequence));
      }
      return a.block(signed);
    },
    async queryDevice<T>(method: string, request: object, type: { decode(bytes: Uint8Array): T }) {
      const response = await a.query(
        `/sensorchain.device.v1.Query/${method}`,
        REQUEST_TYPES[method]!.encode(request).finish(),
      );
      if (response.code !== 0) throw new Error(`query ${method} failed: ${response.log}`);
      return type.decode(response.value);
    },
    async queryError(method: string, request: object) {
      const response = await a.query(
        `/sensorchain.device.v1.Query/${method}`,
        REQUEST_TYPES[method]!.encode(request).finish(),
      );
      return { code: response.code, codespace: response.codespace, log: response.log };
    },
  });
  return device;
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
