// State layout of the device module in store "device" (README.md documents it byte by byte), and
// the bounds on what a device record may hold.
import { decodeAddress } from "../../chain/crypto/bech32.ts";
import { concatBytes } from "../../chain/crypto/hash.ts";

export const MODULE_NAME = "device";
export const STORE_NAME = "device";

/** 0x00 → sensorchain.device.v1.Params. */
export const PARAMS_KEY = Uint8Array.of(0x00);
/** 0x01 | device id (ASCII) → sensorchain.device.v1.Device. */
export const DEVICE_PREFIX = 0x01;
/** 0x02 | len(owner) | owner address bytes | device id → 0x01 (devices of an owner, in id order). */
export const OWNER_INDEX_PREFIX = 0x02;
/** 0x03 | device id → 0x01 for every shared device; ids start with the sector, so a sector is a prefix. */
export const SHARED_INDEX_PREFIX = 0x03;
/** 0x04 → sensorchain.device.v1.DeviceCounts over all devices. */
export const TOTAL_COUNTS_KEY = Uint8Array.of(0x04);
/** 0x05 | sector code (ASCII) → sensorchain.device.v1.DeviceCounts of that sector. */
export const SECTOR_COUNTS_PREFIX = 0x05;
/** 0x06 → bech32 address (UTF-8) allowed to send MsgUpdateParams. */
export const AUTHORITY_KEY = Uint8Array.of(0x06);

/** Index entries carry no data; the SMT stores a non-empty value. */
export const INDEX_MARKER = Uint8Array.of(0x01);

/** Sector codes are 4 characters (README: NACE section letter + division on three digits). */
export const SECTOR_CODE_PATTERN = /^[A-Z0-9]{4}$/;
/** SSSS_NNNN: sector, "_", a number written with exactly 4 digits below 10,000 and without leading
 * zeros above, up to 10 digits: one spelling per number, so two ids never name the same device. */
export const DEVICE_ID_PATTERN = /^([A-Z0-9]{4})_([0-9]{4}|[1-9][0-9]{4,9})$/;
/** Largest device id: 4 + 1 + 10 bytes. */
export const MAX_DEVICE_ID_BYTES = 15;

/** Metadata bounds, in UTF-8 bytes: a model name, a unit symbol ("kWh", "°C"), a coarse place
 * ("Berlin, DE", never exact coordinates: the record is public). */
export const MAX_MODEL_BYTES = 64;
export const MAX_UNIT_BYTES = 16;
export const MAX_LOCATION_HINT_BYTES = 64;
/** Params bound: the sector list is read on every registration; NACE has 88 divisions. */
export const MAX_SECTOR_CODES = 1024;

const ascii = new TextEncoder();

export function deviceKey(id: string): Uint8Array {
  return concatBytes(Uint8Array.of(DEVICE_PREFIX), ascii.encode(id));
}

export function ownerPrefix(owner: string): Uint8Array {
  const address = decodeAddress(owner);
  return concatBytes(Uint8Array.of(OWNER_INDEX_PREFIX, address.length), address);
}

export function ownerIndexKey(owner: string, id: string): Uint8Array {
  return concatBytes(ownerPrefix(owner), ascii.encode(id));
}

export function sharedIndexKey(id: string): Uint8Array {
  return concatBytes(Uint8Array.of(SHARED_INDEX_PREFIX), ascii.encode(id));
}

/** Prefix of the shared index: all of it, or one sector's ids ("SSSS_"). */
export function sharedPrefix(sector: string): Uint8Array {
  if (sector === "") return Uint8Array.of(SHARED_INDEX_PREFIX);
  return concatBytes(Uint8Array.of(SHARED_INDEX_PREFIX), ascii.encode(`${sector}_`));
}

export function sectorCountsKey(sector: string): Uint8Array {
  return concatBytes(Uint8Array.of(SECTOR_COUNTS_PREFIX), ascii.encode(sector));
}

/** The sector of a well-formed device id. */
export function sectorOf(id: string): string {
  return id.slice(0, 4);
}

export { prefixEnd } from "../../chain/app/pagination.ts";
