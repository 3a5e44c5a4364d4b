// Raw store keys behind the queries the light client verifies. They mirror modules/*/keys.ts byte
// for byte (test/light-client/queries.test.ts checks that), restated here because those files
// import node:crypto and this folder must run in a browser.
import { fromBech32 } from "@cosmjs/encoding";
import { concatBytes } from "../chain/types/bytes.ts";
import { LightClientError } from "./errors.ts";

/** x/auth store "acc": 0x01 | address → google.protobuf.Any(BaseAccount | ModuleAccount). */
export const AUTH_STORE = "acc";
export const ACCOUNT_PREFIX = 0x01;
/** x/bank store "bank": 0x02 | len(address) | address | denom → amount, decimal string. */
export const BANK_STORE = "bank";
export const BALANCES_PREFIX = 0x02;
/** x/bank 0x06 → the native (fee) denom, UTF-8. */
export const NATIVE_DENOM_KEY = Uint8Array.of(0x06);
/** Bech32 strings are at most 90 characters (BIP-173). */
const BECH32_LIMIT = 90;

const utf8 = new TextEncoder();

export function addressBytes(address: string): Uint8Array {
  try {
    return fromBech32(address, BECH32_LIMIT).data;
  } catch (error) {
    throw new LightClientError(
      "query_failed",
      `invalid address ${JSON.stringify(address)}`,
      {},
      { cause: error },
    );
  }
}

export function accountStoreKey(address: string): Uint8Array {
  return concatBytes(Uint8Array.of(ACCOUNT_PREFIX), addressBytes(address));
}

export function balanceStoreKey(address: string, denom: string): Uint8Array {
  const bytes = addressBytes(address);
  return concatBytes(Uint8Array.of(BALANCES_PREFIX, bytes.length), bytes, utf8.encode(denom));
}

const ascii = new TextEncoder();

function uint64BigEndian(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 64n)
    throw new LightClientError("query_failed", `id ${value} is not a uint64`);
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value);
  return bytes;
}

function uint32BigEndian(value: bigint): Uint8Array {
  if (value < 0n || value > 0xffff_ffffn)
    throw new LightClientError("query_failed", `day ${value} is not a uint32`);
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, Number(value));
  return bytes;
}

/** modules/device/keys.ts DEVICE_ID_PATTERN: SSSS_NNNN. */
export const DEVICE_ID_PATTERN = /^([A-Z0-9]{4})_([0-9]{4}|[1-9][0-9]{4,9})$/;

export function checkDeviceId(deviceId: string): string {
  if (!DEVICE_ID_PATTERN.test(deviceId))
    throw new LightClientError("query_failed", `device id ${JSON.stringify(deviceId)} is not SSSS_NNNN`);
  return deviceId;
}

/** device store "device": 0x01 | device id (ASCII) → sensorchain.device.v1.Device. */
export const DEVICE_STORE = "device";
export const DEVICE_PREFIX = 0x01;
/** 0x02 | len(owner) | owner bytes | device id → 0x01. */
export const DEVICE_OWNER_INDEX_PREFIX = 0x02;

export function deviceStoreKey(deviceId: string): Uint8Array {
  return concatBytes(Uint8Array.of(DEVICE_PREFIX), ascii.encode(checkDeviceId(deviceId)));
}

export function deviceOwnerIndexKey(owner: string, deviceId: string): Uint8Array {
  const bytes = addressBytes(owner);
  return concatBytes(
    Uint8Array.of(DEVICE_OWNER_INDEX_PREFIX, bytes.length),
    bytes,
    ascii.encode(checkDeviceId(deviceId)),
  );
}

/** escrow store "escrow": 0x02 | id (8, BE) → sensorchain.escrow.v1.Escrow. */
export const ESCROW_STORE = "escrow";
export const ESCROW_PREFIX = 0x02;
/** 0x03 | len(consumer) | consumer bytes | id (8) → 0x01. */
export const ESCROW_CONSUMER_INDEX_PREFIX = 0x03;

export function escrowStoreKey(id: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(ESCROW_PREFIX), uint64BigEndian(id));
}

export function escrowConsumerIndexKey(consumer: string, id: bigint): Uint8Array {
  const bytes = addressBytes(consumer);
  return concatBytes(Uint8Array.of(ESCROW_CONSUMER_INDEX_PREFIX, bytes.length), bytes, uint64BigEndian(id));
}

/** identity store "identity": 0x01 | token id (8, BE) → sensorchain.identity.v1.IdentityToken. */
export const IDENTITY_STORE = "identity";
export const TOKEN_PREFIX = 0x01;
/** 0x02 | len(owner) | owner bytes → token id (8, BE): one token per address. */
export const TOKEN_OWNER_INDEX_PREFIX = 0x02;

export function tokenStoreKey(id: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(TOKEN_PREFIX), uint64BigEndian(id));
}

export function tokenOwnerIndexKey(owner: string): Uint8Array {
  const bytes = addressBytes(owner);
  return concatBytes(Uint8Array.of(TOKEN_OWNER_INDEX_PREFIX, bytes.length), bytes);
}

/** meter store "meter": 0x01 | len(device id) | device id | day (4, BE) → sensorchain.meter.v1.Commitment. */
export const METER_STORE = "meter";
export const COMMITMENT_PREFIX = 0x01;

export function commitmentStoreKey(deviceId: string, day: bigint): Uint8Array {
  const id = ascii.encode(checkDeviceId(deviceId));
  return concatBytes(Uint8Array.of(COMMITMENT_PREFIX, id.length), id, uint32BigEndian(day));
}
